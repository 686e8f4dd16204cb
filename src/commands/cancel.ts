import { MessageFlags, type ButtonInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { NO_MENTIONS } from '../discord/respond.js';
import { FINAL_STATES } from '../services/jobs/job.js';
import { requestersJob } from './job-lookup.js';
import { resolveLocale, t } from '../i18n/index.js';

/**
 * **Cancel**: ends a job that has sent nothing to RelayDance yet, refunded; its own message then
 * says so (the runner's view edits it). Once a task may exist, the answer says it cannot be called back.
 */
export async function pressCancel(interaction: ButtonInteraction, jobId: string, context: BotContext): Promise<void> {
	const job = await requestersJob(context, jobId, interaction.user.id, 'cancel');
	// Answered at once: on Redis the job may be in another process, and asking it takes time.
	await interaction.deferUpdate();
	const outcome = await context.dispatch.cancel(job.id);
	if (outcome === 'cancelled') {
		context.logger.info({ jobId, userId: interaction.user.id }, 'job cancelled by its requester');
		return;
	}
	const content = t(resolveLocale(interaction.locale), FINAL_STATES.has(job.state) || outcome === 'not-running' ? 'cancel.ended' : 'progress.cannotCancel');
	await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
}
