import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from 'discord.js';
import type { Job, JobRemoval } from '../services/jobs/job.js';
import type { Decision } from '../services/moderation/reports.js';
import { clip } from '../services/text.js';
import { moderationButtonId, type ModerationAction } from './custom-ids.js';

/**
 * Every member-facing word of Delete and Report: the buttons under a result, the ephemeral
 * confirmation, thanks and refusals, and the audit channel's lines. Kept in one file so the
 * translations can take it over whole.
 */

/** Button labels (tests look for them). */
export const MODERATION_LABELS = {
	delete: 'Delete',
	report: 'Report',
	confirm: 'Delete it',
	keep: 'Keep',
	hide: 'Hide',
	dismiss: 'Dismiss',
	modDelete: 'Delete',
} as const;

/** The row under a result: Delete (the requester or a moderator) and, where others see it, Report. */
export function resultModerationRow(jobId: string, options: { report: boolean }): APIActionRowComponent<APIButtonComponent> {
	const buttons = [button('delete', jobId, MODERATION_LABELS.delete)];
	if (options.report) buttons.push(button('report', jobId, MODERATION_LABELS.report));
	return { type: ComponentType.ActionRow, components: buttons };
}

/** The ephemeral "are you sure" under Delete. */
export function deleteConfirmation(job: Job): { content: string; components: Array<APIActionRowComponent<APIButtonComponent>> } {
	const what = job.kind === 'image' ? 'these images' : 'this video';
	return {
		content: `Delete ${what} for everyone? This cannot be undone, and the quota it used is not given back (it was made).`,
		components: [{ type: ComponentType.ActionRow, components: [button('delete-yes', job.id, MODERATION_LABELS.confirm, ButtonStyle.Danger), button('delete-no', job.id, MODERATION_LABELS.keep)] }],
	};
}

export const DELETE_DONE = '🗑️ Deleted.';
export const DELETE_KEPT = 'Kept: nothing was deleted.';
export const ALREADY_DELETED = 'This result has already been deleted.';
export const DELETE_REFUSED = 'Only the person who asked, or a member with Manage Messages, can delete this result.';
export const DELETE_UNREACHABLE = "I can no longer reach this message to delete it (the bot is not in this place, and my reply's 15 minutes are over). Anyone who can manage messages here can delete it.";
export const JOB_GONE = "I no longer keep this job's record, so I can't act on this result.";

export const REPORT_OWN = "You can't report your own result. Press Delete to remove it.";
export const REPORT_THANKS = "🙏 Thanks for the report: the server's moderators will have a look.";
export const REPORT_AGAIN = 'You have already reported this result.';
export const REPORT_NOT_HERE = 'Results outside a server cannot be reported.';
export const MODERATOR_ONLY = 'Only members with Manage Messages can decide on a report.';

/** What `/jobs` says of a result that was deleted. */
export function removedNote(removal: JobRemoval): string {
	return removal.byModerator ? '🗑️ A moderator deleted the message.' : '🗑️ You deleted the message.';
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
