import type { Redis } from 'ioredis';
import { z } from 'zod';
import { WORKER_HEARTBEAT_PREFIX, WORKER_JOBS_PREFIX } from './names.js';

/** Who a worker is; fixed for its life. */
export interface WorkerInfo {
	/** Unique per process (a restart is a new worker); the key is `rd:worker:<id>`. */
	id: string;
	host: string;
	pid: number;
	/** What the process does (`worker`, `gateway`, `all`): shown as is. */
	role: string;
	/** When the process started, in ms since the epoch. */
	startedAt: number;
}

/** What a heartbeat key holds: the worker, and how many jobs it was running at the last beat. */
export const heartbeatSchema = z.object({
	id: z.string(),
	host: z.string(),
	pid: z.number().int(),
	role: z.string(),
	startedAt: z.number(),
	running: z.number().int().nonnegative(),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/**
 * Keeps `rd:worker:<id>` alive while the worker is, for `npm run status`: written at start and every
 * `intervalMs`, expiring after three intervals, so a worker that dies without `stop()` drops out of
 * the count within 3 × `intervalMs` and one slow beat does not.
 */
export class WorkerHeartbeat {
	private readonly key: string;
	private readonly jobsKey: string;
	private timer: NodeJS.Timeout | undefined;
	private inFlight: Promise<void> = Promise.resolve();
	private stopped = false;

	constructor(
		private readonly redis: Redis,
		private readonly info: WorkerInfo,
		private readonly running: () => number,
		private readonly intervalMs = 5_000,
		/** The jobs this worker holds now: kept beside the beat, so the reconciler leaves them alone while the worker lives. */
		private readonly held: () => string[] = () => [],
	) {
		this.key = WORKER_HEARTBEAT_PREFIX + info.id;
		this.jobsKey = WORKER_JOBS_PREFIX + info.id;
	}

	start(): void {
		if (this.timer || this.stopped) return;
		this.beat();
		this.timer = setInterval(() => this.beat(), this.intervalMs);
		this.timer.unref();
	}

	/** Stops beating and removes the key, so status stops counting the worker now rather than at expiry. */
	async stop(): Promise<void> {
		this.stopped = true;
		clearInterval(this.timer);
		this.timer = undefined;
		// A beat still on the wire would otherwise land after the DEL and bring the key back.
		await this.inFlight;
		await this.redis.del(this.key, this.jobsKey);
	}

	private beat(): void {
		if (this.stopped) return;
		const value: Heartbeat = { ...this.info, running: this.running() };
		// A beat that fails is not retried: the next one is the retry, and if Redis stays away the
		// key expires, which is what status should then show.
		const held = this.held();
		const beat = this.redis.multi().set(this.key, JSON.stringify(value), 'PX', 3 * this.intervalMs).del(this.jobsKey);
		if (held.length > 0) beat.sadd(this.jobsKey, ...held).pexpire(this.jobsKey, 3 * this.intervalMs);
		this.inFlight = beat.exec().then(
			() => {},
			() => {},
		);
	}
}
