import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from 'discord.js';
import type { Job, JobRemoval } from '../services/jobs/job.js';
import type { Decision } from '../services/moderation/reports.js';
import { clip } from '../services/text.js';
import { moderationButtonId, type ModerationAction } from './custom-ids.js';
import { SOURCE_LOCALE, t, translator, type Locale } from '../i18n/index.js';

/**
 * Delete and Report: the buttons under a result (in the job's language, as the rest of its
 * message), the ephemeral confirmation, thanks and refusals (in the member's), and the audit
 * channel's lines and buttons, which stay English like the rest of the audit channel.
 */

/** The English labels (tests press buttons by them); under a result they are translated, in the audit channel they are not. */
export const MODERATION_LABELS = {
	delete: t(SOURCE_LOCALE, 'moderation.delete'),
	report: t(SOURCE_LOCALE, 'moderation.report'),
	confirm: t(SOURCE_LOCALE, 'moderation.confirm'),
	keep: t(SOURCE_LOCALE, 'moderation.keep'),
	hide: 'Hide',
	dismiss: 'Dismiss',
	modDelete: 'Delete',
} as const;

/** The row under a result: Delete (the requester or a moderator) and, where others see it, Report; in the result's language. */
export function resultModerationRow(jobId: string, options: { report: boolean; locale?: Locale }): APIActionRowComponent<APIButtonComponent> {
	const tr = translator(options.locale ?? SOURCE_LOCALE);
	const buttons = [button('delete', jobId, tr('moderation.delete'))];
	if (options.report) buttons.push(button('report', jobId, tr('moderation.report')));
	return { type: ComponentType.ActionRow, components: buttons };
}

/** The ephemeral "are you sure" under Delete, in the language of the member who pressed. */
export function deleteConfirmation(job: Job, locale: Locale = SOURCE_LOCALE): { content: string; components: Array<APIActionRowComponent<APIButtonComponent>> } {
	const tr = translator(locale);
	return {
		content: tr(job.kind === 'image' ? 'moderation.confirmImages' : 'moderation.confirmVideo'),
		components: [
			{ type: ComponentType.ActionRow, components: [button('delete-yes', job.id, tr('moderation.confirm'), ButtonStyle.Danger), button('delete-no', job.id, tr('moderation.keep'))] },
		],
	};
}

/** The member's answers, in English (tests compare them); the bot sends them through `t` in the member's language. */
export const DELETE_DONE = t(SOURCE_LOCALE, 'moderation.deleted');
export const DELETE_KEPT = t(SOURCE_LOCALE, 'moderation.kept');
export const DELETE_UNREACHABLE = t(SOURCE_LOCALE, 'moderation.unreachable');
export const REPORT_THANKS = t(SOURCE_LOCALE, 'moderation.reportThanks');
export const REPORT_AGAIN = t(SOURCE_LOCALE, 'moderation.reportAgain');

/** The refusals' English (they are thrown as `UserError`s with these keys). */
export const ALREADY_DELETED = t(SOURCE_LOCALE, 'refusal.alreadyDeleted');
export const DELETE_REFUSED = t(SOURCE_LOCALE, 'refusal.deleteRefused');
export const JOB_GONE = t(SOURCE_LOCALE, 'refusal.resultGone');
export const REPORT_OWN = t(SOURCE_LOCALE, 'refusal.reportOwn');
export const REPORT_NOT_HERE = t(SOURCE_LOCALE, 'refusal.reportNotHere');
export const MODERATOR_ONLY = t(SOURCE_LOCALE, 'refusal.moderatorOnly');

/** What `/jobs` says of a result that was deleted, in the member's language. */
export function removedNote(removal: JobRemoval, locale: Locale = SOURCE_LOCALE): string {
	return t(locale, removal.byModerator ? 'jobs.removedByModerator' : 'jobs.removedByYou');
}

/** The audit channel's line when a result is deleted. */
export function auditDeleted(job: Job, by: string, link: string | undefined, byModerator: boolean): string {
	const who = byModerator && by !== job.requester.userId ? `<@${by}> (moderator)` : `<@${by}>`;
	return `🗑️ ${who} deleted ${link ? `[a result](${link})` : 'a result'} of <@${job.requester.userId}> · job \`${job.id.slice(0, 8)}\`\n> ${oneLine(job.settings.prompt)}`;
}

/** A report in the audit channel, with the moderators' buttons. */
export function auditReport(
	job: Job,
	reporterId: string,
	link: string | undefined,
	count: number,
	hidden: boolean,
): { content: string; components: Array<APIActionRowComponent<APIButtonComponent>> } {
	const lines = [
		`🚩 <@${reporterId}> reported ${link ? `[a result](${link})` : 'a result'} of <@${job.requester.userId}> · job \`${job.id.slice(0, 8)}\` · ${count} report${count === 1 ? '' : 's'}`,
		`> ${oneLine(job.settings.prompt)}`,
	];
	if (hidden) lines.push(`Hidden now: reported by ${count} members. Hide, Delete or Dismiss to decide.`);
	return { content: lines.join('\n'), components: [auditButtons(job.id)] };
}

/** The mark that starts a decision line in a report's audit message. */
export const DECISION_MARK = '⚖️';

/** Appended to a report's audit message once a moderator decides. */
export function decisionLine(kind: Decision, by: string): string {
	const did = { hide: 'hid the result (its media shows as a spoiler)', dismiss: 'dismissed the report (the result is shown as it was made)', delete: 'deleted the result' }[kind];
	return `${DECISION_MARK} <@${by}> ${did}.`;
}

/** Hide, Delete, Dismiss: under each report in the audit channel. */
export function auditButtons(jobId: string): APIActionRowComponent<APIButtonComponent> {
	return {
		type: ComponentType.ActionRow,
		components: [button('hide', jobId, MODERATION_LABELS.hide), button('mod-delete', jobId, MODERATION_LABELS.modDelete, ButtonStyle.Danger), button('dismiss', jobId, MODERATION_LABELS.dismiss)],
	};
}

function button(action: ModerationAction, jobId: string, label: string, style: ButtonStyle.Secondary | ButtonStyle.Danger = ButtonStyle.Secondary): APIButtonComponent {
	return { type: ComponentType.Button, style, label, custom_id: moderationButtonId(action, jobId) };
}

function oneLine(text: string): string {
	return clip(text.replace(/\s+/g, ' '), 300);
}
