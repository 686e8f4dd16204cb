import { keepsCredential, type Job, type JobFailure } from '../job.js';
import type { JobContext } from './job-context.js';
import { unlessMoved } from './job-effects.js';
import type { JobRunnerDeps } from './runner-deps.js';

/** Ends the job `failed` with `failure`: its quota refunded (once) and its member told. */
export async function fail(ctx: JobContext, failure: JobFailure): Promise<void> {
	const { job, deps, log, effects } = ctx;
	job.failure = failure;
	job.state = 'failed';
	// Written first, through the fence on Redis: a worker that lost the job refunds nothing and tells
	// no one (the one holding it may have delivered). A process that dies right after leaves a failed
	// record with its reservation, which the reconciler refunds.
	await effects.write(job, { now: true }).catch(unlessMoved);
	if (!job.refunded) {
		try {
			await deps.quotas[job.kind].refund(job.quota);
			job.refunded = true;
			effects.save(job);
		} catch (error) {
			log.error({ err: error, reservation: job.quota }, 'could not give the quota back');
		}
	}
	// Told before the member reads the failure: asking again at once finds their slot free.
	tellFinal(deps, job);
	try {
		// Until the cut-off: a job that fails while the bot stops (a refused submit) is still told.
		await effects.fail(job, ctx.halting);
	} catch (error) {
		unlessMoved(error);
		log.error({ err: error }, 'could not tell the user their job failed');
	}
	await finish(ctx, { told: true });
}

/** A final job's record no longer needs the credential its messages were sent with (unless its result waits for review). */
export async function finish(ctx: JobContext, options: { told?: boolean } = {}): Promise<void> {
	if (!keepsCredential(ctx.job)) delete ctx.job.reply.credential;
	if (!options.told) tellFinal(ctx.deps, ctx.job);
	await ctx.effects.write(ctx.job, { now: true }).catch(unlessMoved); // the writer logs a failed write
}

/** `onFinal`, once per job. */
function tellFinal(deps: JobRunnerDeps, job: Job): void {
	try {
		deps.onFinal?.(job);
	} catch (error) {
		deps.logger.warn({ err: error, jobId: job.id }, 'a listener of finished jobs failed');
	}
}
