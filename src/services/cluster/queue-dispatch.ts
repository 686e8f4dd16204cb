import type { Queue } from 'bullmq';
import type { Logger } from '../../logger.js';
import { CANCELLED, errorFailure } from '../jobs/failure.js';
import { firstResponses } from '../jobs/first-responses.js';
import type { CancelOutcome, JobDispatch } from '../jobs/job-dispatch.js';
import { CANCELLABLE_STATES, FINAL_STATES, type Job } from '../jobs/job.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { JobStore } from '../jobs/job-store.js';
import type { ClusterSignals } from './signals.js';

/** The BullMQ job name of every job: its id is the bot's job id, and its record in the store is its data. */
export const RUN_JOB = 'run';

/**
 * On Redis: an accepted job's record is written first, then the job goes into the shared BullMQ
 * queue under its own id (adding it again is a no-op), and some worker, maybe on another machine,
 * runs it from the record. The member's active-job slot is released by whichever process ends it.
 */
export class QueueDispatch implements JobDispatch {
	constructor(
		private readonly queue: Queue,
		private readonly jobs: JobStore,
		/** This process's runner: it runs jobs here when this process is a worker too, and fails the ones that cannot be queued. */
		private readonly runner: JobRunner,
		private readonly signals: ClusterSignals,
		private readonly logger: Logger,
	) {}

	async launch(job: Job, release: () => void): Promise<void> {
		// The record and the queue are Redis round trips on the connection the burst's admissions
		// use: they wait until this process has no deferral in flight (at most a second).
		await firstResponses.turn();
		try {
			await this.jobs.save(job, { now: true });
			await this.queue.add(RUN_JOB, {}, { jobId: job.id });
		} catch (error) {
			this.logger.error({ err: error, jobId: job.id }, 'could not queue the job');
			release();
			await this.runner.abandon(job, errorFailure(error, job.id.slice(0, 8)));
		}
	}

	find(jobId: string): Job | undefined {
		return this.runner.find(jobId);
	}

	/**
	 * Here, if this process runs it. Else, when its record says nothing was sent and no worker holds
	 * it (still waiting in the queue): taken out, so no worker can take it any more, and failed here.
	 * Else whichever process runs it is asked, and answers.
	 */
	async cancel(jobId: string): Promise<CancelOutcome> {
		const here = this.runner.cancel(jobId);
		if (here !== 'not-running') return here;
		const job = await this.jobs.get(jobId);
		if (!job || FINAL_STATES.has(job.state)) return 'not-running';
		// A job put back in the queue by a stopping worker may have its task already: only its record can tell.
		if (!CANCELLABLE_STATES.has(job.state)) return 'too-late';
		const state = await this.queue.getJobState(jobId);
		if ((state === 'waiting' || state === 'delayed' || state === 'prioritized') && (await this.queue.remove(jobId)) === 1) {
			await this.runner.abandon(job, CANCELLED);
			return 'cancelled';
		}
		return this.signals.askCancel(jobId);
	}
}
