import type { BotContext } from '../context.js';
import type { Job } from '../services/jobs/job.js';
import { UserError } from '../services/user-error.js';
import { text } from '../i18n/index.js';
import type { JobAction } from '../discord/custom-ids.js';

/**
 * The job a button names, as this process runs it or else as the store holds it, once the
 * presser is known to be its requester. Anyone else is refused: "only the person who asked can …".
 */
export async function requestersJob(context: BotContext, jobId: string, userId: string, button: JobAction): Promise<Job> {
	const job = context.dispatch.find(jobId) ?? (await context.jobs.get(jobId));
	if (!job) {
		throw new UserError('JobGone', 'refusal.jobGone', { count: context.config.JOB_RETENTION_DAYS });
	}
	if (job.requester.userId !== userId) throw new UserError('NotRequester', 'refusal.notRequester', { button: text(`button.${button}`) });
	return job;
}
