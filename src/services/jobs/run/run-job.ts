import { mayHaveBilled } from '../billing.js';
import { errorFailure } from '../failure.js';
import { CANCELLABLE_STATES, type ImageJob, type JobFailure, type VideoJob } from '../job.js';
import { fail } from './fail.js';
import type { JobContext } from './job-context.js';
import { isStopping, JobMovedError } from './run-errors.js';
import { runImages } from './run-images.js';
import { runVideo } from './run-video.js';

/**
 * Runs the job's stages from wherever its record says it is, and ends it as what went wrong says:
 * left in the store (the bot is stopping), left to the worker that holds it now, or `failed`
 * (cancelled, or an error). Never throws.
 */
export async function runJob(ctx: JobContext, cancelled: () => JobFailure | undefined): Promise<void> {
	const { job, deps, log, effects } = ctx;
	try {
		effects.attachView(deps.views.open(job));
		// A job whose task exists (or whose images are made) is in flight already: it takes its slot at once.
		const inFlight = job.kind === 'video' ? job.taskId !== undefined : job.state === 'delivering';
		if (inFlight) await ctx.taskSlots.take(job, { force: true });
		if (job.kind === 'image') await runImages(ctx as JobContext<ImageJob>);
		else await runVideo(ctx as JobContext<VideoJob>);
	} catch (error) {
		if (isStopping(error, ctx.stopping)) {
			log.info({ state: job.state }, 'bot stopping: job left in the store for the next start');
			return;
		}
		if (error instanceof JobMovedError) return leftToOwner(ctx);
		const cancel = cancelled();
		if (cancel && CANCELLABLE_STATES.has(job.state)) {
			log.info({ by: cancel.code ?? 'requester' }, 'cancelled before anything was sent');
			return await failUnlessMoved(ctx, cancel);
		}
		const billed = mayHaveBilled(job.state, error);
		log[billed ? 'warn' : 'error']({ err: error, state: job.state, possiblyBilled: billed }, billed ? 'job failed; RelayDance may have billed it without delivery' : 'job failed');
		await failUnlessMoved(ctx, errorFailure(error, job.id.slice(0, 8)));
	}
}

/** Fails the job, unless it turns out another worker holds it now (then that one ends it). */
export async function failUnlessMoved(ctx: JobContext, failure: JobFailure): Promise<void> {
	try {
		await fail(ctx, failure);
	} catch (error) {
		if (!(error instanceof JobMovedError)) throw error;
		leftToOwner(ctx);
	}
}

function leftToOwner({ job, log }: JobContext): void {
	log.warn({ state: job.state }, 'another worker holds this job now: left to it');
}
