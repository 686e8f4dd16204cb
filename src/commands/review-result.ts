import type { ButtonInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { NO_MENTIONS } from '../discord/respond.js';
import { REVIEW_DECISION_MARK, reviewDecisionLine } from '../discord/render-review.js';
import type { ReviewVerdict } from '../services/jobs/job.js';
import { UserError } from '../services/user-error.js';
import { isModerator } from './delete-result.js';

/**
 * **Approve** or **Reject** on a result in the review channel: members with Manage Messages only.
 * The decision is taken once, whichever process takes the press and however many press at once
 * (see `ReviewDesk`); a later press is told it is decided. The review message then says who
 * decided what, without its buttons.
 */
export async function pressReview(interaction: ButtonInteraction, verdict: ReviewVerdict, jobId: string, context: BotContext): Promise<void> {
	if (!isModerator(interaction)) throw new UserError('NotModerator', 'refusal.reviewerOnly');
	const stored = await context.jobs.get(jobId);
	if (!stored?.review) throw new UserError('JobGone', 'refusal.resultGone');
	if (stored.review.decision) throw new UserError('AlreadyDecided', 'refusal.reviewDecided');
	await interaction.deferUpdate();
	const media = [...interaction.message.attachments.values()].map((file) => ({ url: file.url, fileName: file.name }));
	const decided = await context.reviews.decide(jobId, verdict, interaction.user.id, media);
	if (decided.outcome === 'gone') throw new UserError('JobGone', 'refusal.resultGone');
	if (decided.outcome === 'decided' || decided.outcome === 'busy') throw new UserError('AlreadyDecided', 'refusal.reviewDecided');
	context.logger.info({ jobId, userId: interaction.user.id, verdict, ...(decided.outcome === 'rejected' && { told: decided.told }) }, 'review decided');
	const base = interaction.message.content
		.split('\n')
		.filter((line) => !line.startsWith(REVIEW_DECISION_MARK))
		.join('\n');
	const link = decided.outcome === 'approved' ? decided.link : undefined;
	await interaction.editReply({ content: `${base}\n${reviewDecisionLine(verdict, interaction.user.id, link)}`, components: [], allowedMentions: NO_MENTIONS });
}
