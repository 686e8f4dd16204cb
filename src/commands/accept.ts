import { randomUUID } from 'node:crypto';
import type { ChatInputCommandInteraction, MessageComponentInteraction, ModalSubmitInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { replyAddressOf } from '../discord/reply-address.js';
import type { ImagePlan } from '../services/jobs/image-request.js';
import type { Job } from '../services/jobs/job.js';
import type { VideoPlan } from '../services/jobs/video-request.js';

/** What a member asked for, planned and checked: a video (`/video`, Again, Animate, Make a video) or images (`/image`). */
export type Request = { kind: 'video'; plan: VideoPlan } | { kind: 'image'; plan: ImagePlan };

/** Every interaction that can start a job: a slash command, a button, a form. */
export type StartingInteraction = ChatInputCommandInteraction | ModalSubmitInteraction | MessageComponentInteraction;

/**
 * The one way a job starts, whatever asked for it: takes one of the member's active-job slots,
 * reserves the quota (seconds of video, or images), defers the reply, and hands the job to the
 * runner. Throws (a refusal, shown ephemerally) before anything is spent; undoes the slot and the
 * reservation when Discord refuses the deferral.
 */
export async function acceptJob(interaction: StartingInteraction, context: BotContext, request: Request): Promise<void> {
	const jobId = randomUUID();
	const release = context.activeJobs.acquire(interaction.user.id);
	const quota = context.quotas[request.kind];
	const amount = request.kind === 'image' ? request.plan.count : request.plan.seconds;
	let reservation;
	try {
		reservation = quota.reserve(interaction.user.id, amount, jobId);
	} catch (error) {
		release();
		throw error;
	}
	try {
		await interaction.deferReply();
	} catch (error) {
		release();
		quota.refund(reservation);
		throw error;
	}
	const now = Date.now();
	const common = {
		id: jobId,
		state: 'queued' as const,
		createdAt: now,
		updatedAt: now,
		requester: { userId: interaction.user.id, guildId: interaction.guildId },
		reply: replyAddressOf(interaction),
		quota: reservation,
	};
	const job: Job = request.kind === 'image' ? { ...common, kind: 'image', settings: request.plan } : { ...common, kind: 'video', settings: request.plan };
	void context.runner.start(job).finally(release);
}
