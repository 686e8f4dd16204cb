import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Queue, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import { FINAL_STATES, type Job } from '../jobs/job.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { JobStore } from '../jobs/job-store.js';
import { IMAGES, VIDEO_SECONDS } from '../quota/quota.js';
import { RedisUsage } from '../guilds/redis-usage.js';
import { RedisReports } from '../moderation/redis-reports.js';
import { RedisPendingStarts } from '../jobs/pending-starts.js';
import { RedisActiveJobs } from '../quota/redis-active-jobs.js';
import { RedisAdmission } from '../quota/redis-admission.js';
import { RedisQuota } from '../quota/redis-quota.js';
import { WorkerHeartbeat } from './heartbeat.js';
import { ClusterSignals, type SignalHandlers } from './signals.js';
import { JobWorker } from './job-worker.js';
import { QUEUE_NAME, QUEUE_PREFIX } from './names.js';
import { QueuePlaces } from './queue-places.js';
import type { JobViews } from '../jobs/job-view.js';
import { QueueDispatch } from './queue-dispatch.js';
import { LaunchedJobs } from './launched-jobs.js';
import { FencedRecords } from './fenced-records.js';
import { Reconciler } from './reconciler.js';
import { EpochWatch } from './epoch.js';
import { checkRedis } from './redis-checks.js';
import { readQueue, readWorkers, type QueueFigures, type WorkerFigures } from './status-report.js';
import { quotaHashPrefix } from '../quota/redis-quota.js';
import { LOSS_ANNOUNCED_PREFIX } from './names.js';

/** Longest a quota, slot or usage call waits on Redis. */
const REDIS_COMMAND_MS = 1_000;

/** ioredis/BullMQ connection options from `redis://user:password@host:port/db`. */
export function connectionOf(url: string): ConnectionOptions & { host: string; port: number; db: number } {
	const parsed = new URL(url);
	return {
		host: parsed.hostname,
		port: Number(parsed.port || 6379),
		db: Number(parsed.pathname.slice(1) || 0),
		...(parsed.username && { username: decodeURIComponent(parsed.username) }),
		...(parsed.password && { password: decodeURIComponent(parsed.password) }),
		...(parsed.protocol === 'rediss:' && { tls: {} }),
		// BullMQ's workers block on Redis: their commands must wait for a reconnect, not fail.
		maxRetriesPerRequest: null,
	};
}

/**
 * What processes sharing one Redis decide together: quotas and active-job slots (Lua, one atomic
 * step each), the BullMQ queue of accepted jobs, and signals to the process running a job.
 */
export class Cluster {
	readonly quotas: Record<'video' | 'image', RedisQuota>;
	readonly activeJobs: RedisActiveJobs;
	/** The slot and the quota in one script: one round trip before a gateway defers. */
	readonly admission: RedisAdmission;
	readonly usage: RedisUsage;
	/** Reports on results and moderators' decisions, shared by every process. */
	readonly reports: RedisReports;
	/** Requests waiting for their member's Start on the cost prompt: one press, on any process, takes each. */
	readonly pendingStarts: RedisPendingStarts;
	readonly queue: Queue;
	/** Job record writes with their fences; on a connection of their own that waits out a Redis away rather than fail. */
	readonly fences: FencedRecords;
	private readonly redis: Redis;
	private readonly records: Redis;
	private reconciler: Reconciler | undefined;
	private epoch: EpochWatch | undefined;
	/** This process, as leases and heartbeats name it. */
	private readonly id = randomUUID().slice(0, 8);
	private readonly subscriber: Redis;
	private signals: ClusterSignals | undefined;
	private worker: JobWorker | undefined;
	private jobs: JobStore | undefined;
	private heartbeat: WorkerHeartbeat | undefined;
	private places: QueuePlaces | undefined;
	private launchedJobs: LaunchedJobs | undefined;

	constructor(
		private readonly config: Config,
		private readonly logger: Logger,
	) {
		const connection = connectionOf(config.STORE_URL);
		// Quota, slot and usage calls sit between a member and their answer: while Redis is away they
		// fail within a second (the member is told; what a call may have taken is given back) rather than wait.
		// Auto-pipelined: the commands of one turn of the event loop go out in one write. A burst's
		// admissions were one socket write each, about a fifth of a gateway's CPU while it reads the
		// burst (bench/RESULTS.md, issue 13's sixth session). A command waits at most for the batch
		// ahead of it, which itself times out within the second, so an answer still comes within two
		// (three when Redis lost its script cache while also stalling: the batch waits for the
		// script's resend). A batch cut off by a closed connection fails as "Redis away" at once.
		this.redis = new Redis({ ...connection, maxRetriesPerRequest: 1, commandTimeout: REDIS_COMMAND_MS, enableAutoPipelining: true });
		this.subscriber = new Redis(connection);
		this.records = new Redis(connection);
		this.records.on('error', () => {}); // each write waits for the reconnect; the writer logs what fails
		this.fences = new FencedRecords(this.records);
		const windowMs = config.QUOTA_WINDOW_HOURS * 60 * 60_000;
		const quotas = {
			video: new RedisQuota(this.redis, config.QUOTA_VIDEO_SECONDS, windowMs, VIDEO_SECONDS),
			image: new RedisQuota(this.redis, config.QUOTA_IMAGES, windowMs, IMAGES),
		};
		this.quotas = quotas;
		// A member's slot outlives any job that could still be running (its poll deadline, with room for the line).
		this.activeJobs = new RedisActiveJobs(this.redis, config.MAX_ACTIVE_JOBS_PER_USER, 2 * config.POLL_TIMEOUT_MS + 60 * 60_000);
		this.admission = new RedisAdmission(this.redis, this.activeJobs, quotas);
		this.usage = new RedisUsage(this.redis, config.MODEL_PRICES, (error) => logger.error({ err: error }, 'could not record usage'));
		this.reports = new RedisReports(this.redis, config.JOB_RETENTION_DAYS * 24 * 60 * 60_000);
		this.pendingStarts = new RedisPendingStarts(this.redis);
		// Adding, removing and reading jobs answer a member too: they fail while Redis is away, rather than wait.
		this.queue = new Queue(QUEUE_NAME, { connection: { ...connection, maxRetriesPerRequest: 1, commandTimeout: REDIS_COMMAND_MS }, prefix: QUEUE_PREFIX });
		this.queue.on('error', (error) => logger.warn({ err: error }, 'queue error'));
	}

	/** Refuses a Redis that may evict keys; warns when it keeps nothing on disk. */
	async check(): Promise<void> {
		await checkRedis(this.redis, this.logger);
	}

	/**
	 * Starts what every process does for the cluster: the reconciler's sweep (one process at a time
	 * holds its lease) and the watch for Redis losing its data (`onLoss`, once per loss, in every
	 * process). `onReconnect` runs each time the connection comes back.
	 */
	async watch(jobs: JobStore, onLoss: (lost: string) => Promise<void>, onReconnect: () => void): Promise<void> {
		const intervalMs = this.config.RECONCILE_INTERVAL_MS;
		this.reconciler = new Reconciler(this.redis, this.queue, jobs, { intervalMs, holder: this.id, quotaPrefixes: [quotaHashPrefix(VIDEO_SECONDS), quotaHashPrefix(IMAGES)] }, this.logger);
		this.reconciler.start();
		this.launchedJobs?.start(intervalMs);
		const lost = async (epoch: string) => {
			// BullMQ's own settings went with the data.
			if (this.worker) await this.queue.setGlobalConcurrency(this.config.MAX_CONCURRENT_TASKS).catch(() => {});
			await onLoss(epoch);
		};
		this.epoch = new EpochWatch(this.records, intervalMs, lost, this.logger);
		await this.epoch.start();
		this.redis.on('ready', onReconnect);
	}

	/** Workers alive by their heartbeats and the shared queue, as `npm run status` reads them (for the operator page). */
	async processes(): Promise<{ workers: WorkerFigures; queue: QueueFigures }> {
		const [workers, queue] = await Promise.all([readWorkers(this.redis, this.queue), readQueue(this.redis, this.queue)]);
		return { workers, queue };
	}

	/** True when Redis answers a PING (for `/readyz`). */
	async ping(): Promise<boolean> {
		return (await this.redis.ping()) === 'PONG';
	}

	/** True for the one process that should tell the audit channels of this loss. */
	async firstToAnnounce(lost: string): Promise<boolean> {
		return (await this.redis.set(LOSS_ANNOUNCED_PREFIX + lost, this.id, 'PX', 24 * 60 * 60_000, 'NX')) === 'OK';
	}

	/** Listens for signals about jobs this process may run; answers with this process's runner. */
	async listen(handlers: SignalHandlers): Promise<ClusterSignals> {
		this.signals = new ClusterSignals(this.redis, this.subscriber, handlers, this.logger);
		await this.signals.start();
		return this.signals;
	}

	dispatch(jobs: JobStore, runner: JobRunner): QueueDispatch {
		if (!this.signals) throw new Error('listen() first');
		this.jobs = jobs;
		this.launchedJobs = new LaunchedJobs(jobs, this.logger);
		return new QueueDispatch(this.queue, this.redis, jobs, runner, this.signals, this.launchedJobs, this.logger, this.config.FAULT_INJECT);
	}

	/** After Redis lost its data: the records of jobs this process queued and Redis no longer has, written back; those that went back. */
	writeBackLaunched(): Promise<Job[]> {
		return this.launchedJobs?.writeBack() ?? Promise.resolve([]);
	}

	/** After Redis lost its data: the charges of jobs still on their way (not refunded) taken again, in the windows they were taken in. */
	async restoreCharges(jobs: Job[]): Promise<void> {
		await Promise.all(jobs.filter((job) => !job.refunded).map((job) => this.quotas[job.kind].restore(job.quota)));
	}

	/**
	 * Makes this process a worker: `MAX_CONCURRENT_TASKS` becomes the queue's global concurrency, and
	 * jobs are taken. An unfinished record in no queue (its gateway stopped between writing and
	 * queueing it) is the reconciler's to queue again.
	 */
	async startWorker(runner: JobRunner, role: string, views: JobViews): Promise<JobWorker> {
		await this.queue.setGlobalConcurrency(this.config.MAX_CONCURRENT_TASKS);
		this.worker = new JobWorker({
			connection: connectionOf(this.config.STORE_URL),
			jobs: this.jobs!,
			fences: this.fences,
			runner,
			concurrency: this.config.WORKER_CONCURRENCY ?? this.config.MAX_CONCURRENT_TASKS,
			lockMs: this.config.WORKER_LOCK_MS,
			logger: this.logger,
		});
		this.worker.start();
		const worker = this.worker;
		const id = this.id;
		this.heartbeat = new WorkerHeartbeat(this.redis, { id, host: hostname(), pid: process.pid, role, startedAt: Date.now() }, () => worker.running, undefined, () => this.fences.held());
		this.heartbeat.start();
		this.places = new QueuePlaces(this.redis, this.queue, this.jobs!, views, id, this.config.EDIT_INTERVAL_MS, this.logger);
		this.places.start();
		return this.worker;
	}

	/** Stops taking jobs; resolves once its jobs have ended or gone back to the queue (the runner's stop lets them go). */
	async closeWorker(): Promise<void> {
		// No new job is taken from here on, while the runner lets the running ones go.
		const closed = this.worker?.close();
		await this.places?.stop();
		await closed;
		await this.heartbeat?.stop().catch(() => {});
	}

	async close(): Promise<void> {
		this.epoch?.stop();
		this.launchedJobs?.stop();
		await this.reconciler?.stop();
		// QUIT is never batched: a ping first lets the batch still waiting for its turn go out.
		await this.redis.ping().catch(() => {});
		await Promise.allSettled([this.queue.close(), this.redis.quit(), this.subscriber.quit(), this.records.quit()]);
	}
}
