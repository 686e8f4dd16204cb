import type { BotContext } from '../context.js';
import type { Job } from '../services/jobs/job.js';
import { UserError } from '../services/user-error.js';

/**
 * The job a button names, as this process runs it or else as the store holds it, once the
 * presser is known to be its requester. Anyone else is refused: "only the person who asked can …".
 */
export async function requestersJob(context: BotContext, jobId: string, userId: string, doing: string): Promise<Job> {
	const job = context.dispatch.find(jobId) ?? (await context.jobs.get(jobId));
	if (!job) {
		throw new UserError('JobGone', `I no longer keep this job's settings (jobs are kept ${context.config.JOB_RETENTION_DAYS} days). Start a new one with \`/video\` or \`/image\`.`);
	}
	if (job.requester.userId !== userId) throw new UserError('NotRequester', `Only the person who asked can ${doing}.`);
	return job;
}
