import type { ButtonInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { acceptJob, type Request } from './accept.js';
import { requestersJob } from './job-lookup.js';

/**
 * **Again**: a new job with the settings and references of the one the button is under, read from
 * the store (so it works after a restart), through the quota like any request. References
 * RelayDance already holds are cited again without a new download from Discord.
 */
export async function pressAgain(interaction: ButtonInteraction, jobId: string, context: BotContext): Promise<void> {
	const job = await requestersJob(context, jobId, interaction.user.id, 'again');
	const request: Request = job.kind === 'image' ? { kind: 'image', plan: structuredClone(job.settings) } : { kind: 'video', plan: structuredClone(job.settings) };
	await acceptJob(interaction, context, request);
}
