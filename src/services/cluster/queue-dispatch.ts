import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import { cancelledBy, errorFailure, type CancelledBy } from '../jobs/failure.js';
import { firstResponses } from '../jobs/first-responses.js';
import type { CancelOutcome, JobDispatch } from '../jobs/job-dispatch.js';
import { CANCELLABLE_STATES, FINAL_STATES, type Job } from '../jobs/job.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { JobStore } from '../jobs/job-store.js';
import { retryQuietly } from '../retry-quietly.js';
import { ADMITTED_KEY, JOB_META_PREFIX } from './names.js';
import type { ClusterSignals } from './signals.js';
import type { LaunchedJobs } from './launched-jobs.js';

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
		/** Where each job's BullMQ id now is kept (see `Reconciler`). */
		private readonly redis: Redis,
		private readonly jobs: JobStore,
		/** This process's runner: it runs jobs here when this process is a worker too, and fails the ones that cannot be queued. */
		private readonly runner: JobRunner,
		private readonly signals: ClusterSignals,
		/** Copies of what this process queued, written back should Redis lose its data before the jobs end. */
		private readonly launched: LaunchedJobs,
		private readonly logger: Logger,
		/** Testing only (`FAULT_INJECT`): `kill-before-queue` dies between the record and the queue, `kill-before-record` between the deferral and the record. */
		private readonly faultInject?: string,
	) {}

	/**
	 * Writes the record, then queues the job. A record that cannot be written ends the job (the
	 * member is told, refunded); once it is written the job is kept whatever happens to the queueing:
	 * an add that fails (or times out after it went through) is left to the reconciler, which queues
	 * any unfinished record in no queue within two sweeps.
	 */
	async launch(job: Job, release: () => void): Promise<void> {
		// The record and the queue are Redis round trips on the connection the burst's admissions
		// use: they wait until this process has no deferral in flight (at most a second).
		await firstResponses.turn();
		if (this.faultInject === 'kill-before-record') process.kill(process.pid, 'SIGKILL');
		try {
			await this.jobs.save(job, { now: true });
		} catch (error) {
			this.logger.error({ err: error, jobId: job.id }, 'could not write the job record');
			this.forgetAdmitted(job.id);
			release();
			await this.runner.abandon(job, errorFailure(error, job.id.slice(0, 8)));
			return;
		}
		// The record is the truth from here: the copy the admission kept has served its turn.
		this.forgetAdmitted(job.id);
		this.launched.add(job);
		if (this.faultInject === 'kill-before-queue') process.kill(process.pid, 'SIGKILL');
		await this.queue.add(RUN_JOB, {}, { jobId: job.id }).catch((error: unknown) => {
			this.logger.warn({ err: error, jobId: job.id }, 'could not queue the job; the reconciler queues it at its next sweep');
		});
	}

	find(jobId: string): Job | undefined {
		return this.runner.find(jobId);
	}

	/**
	 * Here, if this process runs it. Else, when its record says nothing was sent and no worker holds
	 * it (still waiting in the queue): taken out, so no worker can take it any more, and failed here.
	 * Else whichever process runs it is asked, and answers.
	 */
	async cancel(jobId: string, by: CancelledBy = 'requester'): Promise<CancelOutcome> {
		const here = this.runner.cancel(jobId, by);
		if (here !== 'not-running') return here;
		const job = await this.jobs.get(jobId);
		if (!job || FINAL_STATES.has(job.state)) return 'not-running';
		// A job put back in the queue by a stopping worker may have its task already: only its record can tell.
		if (!CANCELLABLE_STATES.has(job.state)) return 'too-late';
		// Queued under its own id, or under the one the reconciler gave it when it queued it again.
		const queuedAs = (await this.queuedAs(jobId)) ?? jobId;
		const state = await this.queue.getJobState(queuedAs);
		if ((state === 'waiting' || state === 'delayed' || state === 'prioritized') && (await this.queue.remove(queuedAs)) === 1) {
			await this.runner.abandon(job, cancelledBy(by));
			return 'cancelled';
		}
		return this.signals.askCancel(jobId, by);
	}

	private forgetAdmitted(jobId: string): void {
		void retryQuietly(() => this.redis.hdel(ADMITTED_KEY, jobId));
	}

	private queuedAs(jobId: string): Promise<string | null> {
		return this.redis.hget(JOB_META_PREFIX + jobId, 'qid');
	}
}
