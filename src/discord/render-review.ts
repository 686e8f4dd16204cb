import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from 'discord.js';
import type { Job, ReviewVerdict } from '../services/jobs/job.js';
import { clip, MB } from '../services/text.js';
import { SOURCE_LOCALE, t, translator, type Locale } from '../i18n/index.js';
import { moderationButtonId } from './custom-ids.js';
import { jobLocale } from './reply-address.js';
import { renderNotice, type Rendered } from './render.js';

/**
 * Review before posting: the member's notices (in the job's language, as the rest of its messages),
 * and the post in the moderators' review channel with Approve and Reject, which stays English like
 * the audit channel.
 */

/** The English labels of the review buttons (tests press them by these). */
export const REVIEW_LABELS = { approve: 'Approve', reject: 'Reject' } as const;

/** The member's reply while the result is with the moderators. */
export function renderAwaitingReview(job: Job, locale: Locale = jobLocale(job.reply)): Rendered {
	return renderNotice(job, t(locale, 'review.waitingTitle'), t(locale, 'review.waiting'), 'working', { locale });
}

/** The member's word when a moderator rejects the result: plain, with Again and Edit to try otherwise. */
export function renderRejected(job: Job, locale: Locale = jobLocale(job.reply)): Rendered {
	return renderNotice(job, t(locale, 'review.rejectedTitle'), t(locale, 'review.rejected'), 'failed', { again: true, locale });
}

/** The member's word when the result was made but could not be posted for review at all. */
export function renderNotSent(job: Job, locale: Locale = jobLocale(job.reply)): Rendered {
	const tr = translator(locale);
	return renderNotice(job, tr(job.kind === 'image' ? 'imageState.delivered' : 'state.delivered'), tr('review.notSent'), 'failed', { locale });
}

/** The English of the member's notices (tests compare them). */
export const REVIEW_WAITING = t(SOURCE_LOCALE, 'review.waiting');
export const REVIEW_REJECTED = t(SOURCE_LOCALE, 'review.rejected');
export const REVIEWER_ONLY = t(SOURCE_LOCALE, 'refusal.reviewerOnly');
export const REVIEW_DECIDED = t(SOURCE_LOCALE, 'refusal.reviewDecided');

/**
 * The post in the review channel: who asked, where, what, the prompt, and the media (its files, or
 * `links` when they could only be linked), with Approve and Reject. Nothing pings there.
 */
export function renderForReview(job: Job, links: Array<{ fileName: string; url: string }> = []): Rendered {
	const what = job.kind === 'image' ? `${job.settings.count} image${job.settings.count === 1 ? '' : 's'} (${job.settings.size})` : `a ${job.settings.seconds} s video (audio ${job.settings.audio ? 'on' : 'off'})`;
	const where = typeof job.reply.channelId === 'string' ? ` in <#${job.reply.channelId}>` : '';
	const lines = [
		`🔎 **For review** · <@${job.requester.userId}> asked${where} for ${what} · ${job.settings.model} · job \`${job.id.slice(0, 8)}\``,
		`> ${clip(job.settings.prompt.replace(/\s+/g, ' '), 1000)}`,
	];
	if (links.length > 0) lines.push(`Too large to attach here (over ${Math.floor(Number(job.reply.attachmentSizeLimit ?? 10 * MB) / MB)} MB): ${links.map((link) => `[${link.fileName}](${link.url})`).join(' · ')}`);
	lines.push('Nothing is shown to the channel until someone with Manage Messages presses **Approve**; **Reject** tells the member it was not approved.');
	return { content: clip(lines.join('\n'), 2000), components: [reviewButtons(job.id)] };
}

/** Approve and Reject, under a result in the review channel. */
export function reviewButtons(jobId: string): APIActionRowComponent<APIButtonComponent> {
	return {
		type: ComponentType.ActionRow,
		components: [
			{ type: ComponentType.Button, style: ButtonStyle.Success, label: REVIEW_LABELS.approve, custom_id: moderationButtonId('approve', jobId) },
			{ type: ComponentType.Button, style: ButtonStyle.Danger, label: REVIEW_LABELS.reject, custom_id: moderationButtonId('reject', jobId) },
		],
	};
}

/** The mark that starts the decision line of a review message. */
export const REVIEW_DECISION_MARK = '⚖️';

/** Appended to the review message once decided. */
export function reviewDecisionLine(verdict: ReviewVerdict, by: string, link?: string): string {
	if (verdict === 'reject') return `${REVIEW_DECISION_MARK} <@${by}> rejected it; the member was told it was not approved.`;
	return `${REVIEW_DECISION_MARK} <@${by}> approved it: ${link ? `[posted](${link})` : 'posted'} for the member.`;
}
