import { MessageFlags, PermissionFlagsBits, type ButtonInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { auditDeleted, deleteConfirmation } from '../discord/render-moderation.js';
import { resolveLocale, t } from '../i18n/index.js';
import { NO_MENTIONS } from '../discord/respond.js';
import { deleteResultMessage, resultPlace } from '../discord/result-message.js';
import type { Job } from '../services/jobs/job.js';
import { UserError } from '../services/user-error.js';

/** The job a moderation button names: as this process runs it (with its token), else as stored. */
export async function resultJob(context: BotContext, jobId: string): Promise<Job> {
	const job = context.dispatch.find(jobId) ?? (await context.jobs.get(jobId));
	if (!job) throw new UserError('JobGone', 'refusal.resultGone');
	return job;
}

/** A member with Manage Messages where they pressed. */
export function isModerator(interaction: ButtonInteraction): boolean {
	return interaction.inGuild() && (interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) ?? false);
}

function assertMayDelete(interaction: ButtonInteraction, job: Job): void {
	if (job.removed) throw new UserError('AlreadyDeleted', 'refusal.alreadyDeleted');
	if (job.requester.userId !== interaction.user.id && !isModerator(interaction)) throw new UserError('NotAllowedToDelete', 'refusal.deleteRefused');
}

/** **Delete** under a result: the requester or a moderator is asked, ephemerally, to confirm. */
export async function pressDelete(interaction: ButtonInteraction, jobId: string, context: BotContext): Promise<void> {
	const job = await resultJob(context, jobId);
	assertMayDelete(interaction, job);
	await interaction.reply({ ...deleteConfirmation(job, resolveLocale(interaction.locale)), flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
}

/** **Delete it** on the confirmation: the result goes; the confirmation says so. */
export async function confirmDelete(interaction: ButtonInteraction, jobId: string, context: BotContext): Promise<void> {
	const job = await resultJob(context, jobId);
	assertMayDelete(interaction, job);
	await interaction.deferUpdate();
	const outcome = await removeResult(job, interaction.user.id, job.requester.userId !== interaction.user.id, context);
	await interaction.editReply({ content: t(resolveLocale(interaction.locale), outcome === 'unreachable' ? 'moderation.unreachable' : 'moderation.deleted'), components: [], allowedMentions: NO_MENTIONS });
}

/** **Keep** on the confirmation. */
export async function keepResult(interaction: ButtonInteraction): Promise<void> {
	await interaction.update({ content: t(resolveLocale(interaction.locale), 'moderation.kept'), components: [], allowedMentions: NO_MENTIONS });
}

/**
 * Deletes the result's message, marks the job record (so `/jobs` says so; the charge stays, the
 * result was made) and tells the audit channel who deleted what.
 */
export async function removeResult(job: Job, by: string, byModerator: boolean, context: BotContext): Promise<'deleted' | 'gone' | 'unreachable'> {
	const outcome = await deleteResultMessage(job, context);
	if (outcome === 'unreachable') return outcome;
	const removed = { by, at: Date.now(), byModerator };
	const live = context.dispatch.find(job.id);
	if (live) {
		live.removed = removed;
		// On Redis the fence may belong to another worker by now: the record is then marked as stored.
		await context.jobs.save(live, { now: true }).catch(() => context.jobs.annotate(job.id, { removed }));
	} else await context.jobs.annotate(job.id, { removed });
	context.logger.info({ jobId: job.id, userId: by, byModerator, outcome }, 'result deleted');
	context.audit.moderation(job.requester.guildId, { content: auditDeleted(job, by, resultPlace(job)?.link, byModerator) });
	return outcome;
}
