import { WaitingError, Worker, type ConnectionOptions, type Job as QueuedJob } from 'bullmq';
import type { Logger } from '../../logger.js';
import { FINAL_STATES, type JobFailure } from '../jobs/job.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { JobStore } from '../jobs/job-store.js';
import { QUEUE_NAME, QUEUE_PREFIX } from './names.js';

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

	private async runQueued(queued: QueuedJob, token: string | undefined): Promise<void> {
		const job = await this.options.jobs.get(queued.id!);
		if (!job || FINAL_STATES.has(job.state)) return;
		await this.options.runner.start(job);
		if (FINAL_STATES.has(job.state)) return;
		// The runner left it in the store (this process is stopping): another worker takes it up now.
		await queued.moveToWait(token);
		throw new WaitingError();
	}

	/** BullMQ gave the job up (it stalled too often): its record is ended, refunded, and its member told. */
	private async onFailed(queued: QueuedJob | undefined, error: Error): Promise<void> {
		if (!queued?.id) return;
		this.options.logger.error({ err: error, jobId: queued.id }, 'the queue gave a job up');
		const job = await this.options.jobs.get(queued.id).catch(() => undefined);
		if (job && !FINAL_STATES.has(job.state)) await this.options.runner.abandon(job, KEPT_KILLING_WORKERS);
	}
}
