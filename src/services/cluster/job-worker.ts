import { DelayedError, WaitingError, Worker, type ConnectionOptions, type Job as QueuedJob } from 'bullmq';
import type { Logger } from '../../logger.js';
import { FINAL_STATES, type JobFailure } from '../jobs/job.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { JobStore } from '../jobs/job-store.js';
import type { FencedRecords } from './fenced-records.js';
import { jobIdOfQueueId, QUEUE_NAME, QUEUE_PREFIX } from './names.js';

/** When the job record cannot be read, the job is tried again this much later. */
const RETRY_READ_MS = 5_000;
/**
 * The share of the lock's life a worker counts on after taking or renewing it: the lock was set a
 * little before this process heard of it, and clocks drift.
 */
const LEASE_SHARE = 2 / 3;
/** Times a job may be found stalled (its worker died) and taken up again before it is given up. */
const MAX_STALLS = 5;

/** A job whose every worker died with it, again and again: it is ended rather than tried for ever. */
export const KEPT_KILLING_WORKERS: JobFailure = {
	kind: 'WorkerLost',
	message: 'The bot lost this job several times over (the process running it kept stopping). You were not charged for it. Please ask again.',
};

export interface JobWorkerOptions {
	connection: ConnectionOptions;
	jobs: JobStore;
	/** Claims a job for this worker when it takes one: writes by a worker that held it before are refused from then on. */
	fences: FencedRecords;
	runner: JobRunner;
	/** Jobs this worker runs at once. */
	concurrency: number;
	/** How long a job stays this worker's after its last sign of life: a dead worker's jobs go to another worker after about this long. */
	lockMs: number;
	logger: Logger;
}

/**
 * Takes jobs from the shared queue and runs each from its record with the same runner as the
 * single process: a job whose task exists is waited for, never submitted again. A worker that
 * stops puts its unfinished jobs back in the queue at once; one that dies leaves them locked until
 * BullMQ's stalled check hands them to another worker.
 */
export class JobWorker {
	private worker: Worker | undefined;
	private inProgress = 0;

	constructor(private readonly options: JobWorkerOptions) {}

	start(): void {
		const { connection, concurrency, lockMs, logger } = this.options;
		this.worker = new Worker(QUEUE_NAME, (queued, token) => this.process(queued, token), {
			connection,
			prefix: QUEUE_PREFIX,
			concurrency,
			lockDuration: lockMs,
			stalledInterval: lockMs,
			maxStalledCount: MAX_STALLS,
			removeOnComplete: { count: 0 },
			removeOnFail: { age: 7 * 24 * 60 * 60 },
		});
		this.worker.on('failed', (queued, error) => void this.onFailed(queued, error));
		// Each renewal of a job's lock extends how long it is surely this worker's (see `FencedRecords.lease`).
		this.worker.on('locksRenewed', ({ jobIds }) => {
			for (const id of jobIds) this.options.fences.lease(jobIdOfQueueId(id), Date.now() + lockMs * LEASE_SHARE);
		});
		this.worker.on('lockRenewalFailed', (ids) => {
			for (const id of ids) this.options.fences.lease(jobIdOfQueueId(id), 0);
		});
		this.worker.on('error', (error) => logger.warn({ err: error }, 'queue worker error'));
	}

	/** Jobs this worker runs now. */
	get running(): number {
		return this.inProgress;
	}

	/** Takes no new job; resolves once every job it ran has ended or gone back to the queue (the runner's stop ends them). */
	async close(): Promise<void> {
		await this.worker?.close();
	}

	private async process(queued: QueuedJob, token: string | undefined): Promise<void> {
		this.inProgress++;
		try {
			await this.runQueued(queued, token);
		} finally {
			this.inProgress--;
		}
	}

	/**
	 * Claims the job, then reads its record: the claim comes first, so a worker that held it before
	 * can write nothing the record read here misses.
	 */
	private async runQueued(queued: QueuedJob, token: string | undefined): Promise<void> {
		const jobId = jobIdOf(queued);
		const { fences, jobs, runner, logger } = this.options;
		let job;
		// The lock was taken when the job was fetched, just before this.
		const lockedAt = Date.now();
		try {
			await fences.claim(jobId);
			fences.lease(jobId, lockedAt + this.options.lockMs * LEASE_SHARE);
			job = await jobs.get(jobId);
		} catch (error) {
			fences.release(jobId);
			// The store did not answer: the job is tried again shortly, not failed.
			logger.warn({ err: error, jobId }, 'could not read the job record; trying again shortly');
			await queued.moveToDelayed(Date.now() + RETRY_READ_MS, token);
			throw new DelayedError();
		}
		try {
			if (!job || FINAL_STATES.has(job.state)) return;
			await runner.start(job);
			if (FINAL_STATES.has(job.state)) return;
			// The runner left it (this process is stopping, or the job is another worker's now). Its record
			// is written before the job goes back, so the worker that takes it next reads where it is; a
			// write refused says another worker has it, and this one lets it be.
			if (!(await jobs.save(job, { now: true }).then(() => true, () => false))) return;
		} finally {
			fences.release(jobId);
		}
		// A lock lost while this worker was away (BullMQ's "Missing lock") leaves the job to its new holder.
		if (!(await queued.moveToWait(token).then(() => true, () => false))) return;
		throw new WaitingError();
	}

	/** BullMQ gave the job up (it stalled too often): its record is ended, refunded, and its member told. */
	private async onFailed(queued: QueuedJob | undefined, error: Error): Promise<void> {
		if (!queued?.id) return;
		const jobId = jobIdOf(queued);
		this.options.logger.error({ err: error, jobId }, 'the queue gave a job up');
		const job = await this.options.jobs.get(jobId).catch(() => undefined);
		if (job && !FINAL_STATES.has(job.state)) await this.options.runner.abandon(job, KEPT_KILLING_WORKERS);
	}
}

/** The bot's job id of a queued job: its BullMQ id, or for one the reconciler queued again, in its data. */
export function jobIdOf(queued: QueuedJob): string {
	const data = queued.data as { jobId?: unknown } | undefined;
	return typeof data?.jobId === 'string' ? data.jobId : jobIdOfQueueId(queued.id!);
}
