import type { CancelledBy } from './failure.js';
import type { Job } from './job.js';
import type { JobRunner } from './job-runner.js';

/** What Cancel came to: ended (`cancelled`), a task may exist (`too-late`), or no process runs it (`not-running`). */
export type CancelOutcome = 'cancelled' | 'too-late' | 'not-running';

/**
 * Where an accepted job runs: in this process (the default, on SQLite), or on whichever worker
 * takes it from the shared queue (on Redis). Commands start, find and cancel jobs through it and
 * never know which.
 */
export interface JobDispatch {
	/**
	 * Hands the job on. `release` frees the member's active-job slot: called when the job ends, or
	 * at once when it cannot be handed on (the job is then failed, refunded and its member told).
	 */
	launch(job: Job, release: () => void): Promise<void>;
	/** The job as this process runs it now (fresher than its record), if it does. */
	find(jobId: string): Job | undefined;
	/** Cancels a job that has sent nothing to RelayDance, wherever it is; `by` picks what its member is told. */
	cancel(jobId: string, by?: CancelledBy): Promise<CancelOutcome>;
}

/** Every job runs in this process. */
export class LocalDispatch implements JobDispatch {
	constructor(private readonly runner: JobRunner) {}

	async launch(job: Job, release: () => void): Promise<void> {
		void this.runner.start(job).finally(release);
	}

	find(jobId: string): Job | undefined {
		return this.runner.find(jobId);
	}

	async cancel(jobId: string, by?: CancelledBy): Promise<CancelOutcome> {
		return this.runner.cancel(jobId, by);
	}
}
