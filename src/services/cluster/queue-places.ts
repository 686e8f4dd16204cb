import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import { shownPlace, type Job } from '../jobs/job.js';
import type { JobStore } from '../jobs/job-store.js';
import type { JobViews } from '../jobs/job-view.js';
import { PLACES_LEADER_KEY, jobIdOfQueueId } from './names.js';

/** Waiting jobs shown their place; those further back keep "thinking…" until they move up. */
const SHOWN = 1_000;

/** KEYS[1]: the leader key. ARGV: this process's id, the lease (ms). Answers 1 when this process leads (taken or renewed). */
const LEAD = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

type PlacesRedis = Redis & { leadPlaces(key: string, id: string, leaseMs: number): Promise<number> };

/**
 * Shows jobs waiting in the shared queue (past `MAX_CONCURRENT_TASKS`, before any worker takes
 * them) their place in line, with Cancel: one worker at a time does it (a lease in Redis), every
 * `intervalMs`, from the queue's wait list (oldest first), editing a message at once and only when
 * the place it shows changes, and only while the job is still in the list and its record queued.
 * Once a worker takes a job, its runner shows it as before.
 */
export class QueuePlaces {
	private readonly redis: PlacesRedis;
	private readonly shown = new Map<string, number>();
	private timer: NodeJS.Timeout | undefined;
	private ticking = false;

	constructor(
		redis: Redis,
		private readonly queue: Queue,
		private readonly jobs: JobStore,
		private readonly views: JobViews,
		private readonly id: string,
		private readonly intervalMs: number,
		private readonly logger: Logger,
	) {
		if (!('leadPlaces' in redis)) redis.defineCommand('leadPlaces', { numberOfKeys: 1, lua: LEAD });
		this.redis = redis as PlacesRedis;
	}

	start(): void {
		this.timer = setInterval(() => void this.tick(), this.intervalMs);
		this.timer.unref();
	}

	async stop(): Promise<void> {
		clearInterval(this.timer);
		// Give the lease up at once (only if still ours), so another worker takes over without waiting it out.
		await this.redis.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`, 1, PLACES_LEADER_KEY, this.id).catch(() => {});
	}

	/** One round: leads (or not), then edits the messages whose place changed. */
	async tick(): Promise<void> {
		if (this.ticking) return;
		this.ticking = true;
		try {
			if ((await this.redis.leadPlaces(PLACES_LEADER_KEY, this.id, 3 * this.intervalMs)) !== 1) {
				this.shown.clear();
				return;
			}
			// BullMQ pushes new jobs on the left and takes from the right: the last element is next.
			const ids = (await this.redis.lrange(this.queue.keys.wait!, -SHOWN, -1)).reverse();
			const changed = ids.map((jobId, index) => ({ jobId, place: shownPlace(index + 1) })).filter(({ jobId, place }) => this.shown.get(jobId) !== place);
			const waiting = new Set(ids);
			for (const jobId of this.shown.keys()) if (!waiting.has(jobId)) this.shown.delete(jobId);
			if (changed.length === 0) return;
			const records = await Promise.all(changed.map(({ jobId }) => this.jobs.get(jobIdOfQueueId(jobId))));
			await Promise.all(
				changed.map(async ({ jobId, place }, index) => {
					const job: Job | undefined = records[index];
					this.shown.set(jobId, place);
					if (job?.state !== 'queued') return;
					// A job a worker took, or that was cancelled, since the list was read is left to them.
					if ((await this.redis.lpos(this.queue.keys.wait!, jobId)) === null) return;
					job.queuePosition = place;
					await this.views.showWaiting(job).catch((error: unknown) => this.logger.warn({ err: error, jobId }, 'could not show a waiting job its place'));
				}),
			);
		} catch (error) {
			this.logger.warn({ err: error }, 'could not show waiting jobs their place');
		} finally {
			this.ticking = false;
		}
	}
}
