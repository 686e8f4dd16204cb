/**
 * The chaos soak's fault script: every `everyMs` it picks a random gateway or worker and SIGKILLs
 * or SIGSTOPs it (the supervisor brings it back); at the given moments it restarts Redis, on the
 * same port and folder so it reloads its AOF, alternately with SIGTERM and SIGKILL.
 */
import type { RedisServer } from '../test/support/redis-server.js';
import type { ChaosSupervisor } from './chaos-supervisor.js';

export interface MonkeyOptions {
	everyMs: number;
	/** Milliseconds after `start` at which Redis is restarted (the soak: two). */
	redisRestartsAtMs: number[];
	/** A seeded random number in [0, 1): the same seed picks the same processes and faults. */
	random: () => number;
	log: (line: string) => void;
}

/** What the monkey did, for the report. */
export interface MonkeyCounts {
	kills: number;
	stops: number;
	redisRestarts: number;
}

export class ChaosMonkey {
	readonly counts: MonkeyCounts = { kills: 0, stops: 0, redisRestarts: 0 };
	private timers: NodeJS.Timeout[] = [];
	private redisWork: Promise<void> = Promise.resolve();

	constructor(
		private readonly supervisor: ChaosSupervisor,
		private readonly redis: RedisServer,
		private readonly options: MonkeyOptions,
	) {}

	start(): void {
		this.timers.push(setInterval(() => this.fault(), this.options.everyMs));
		this.options.redisRestartsAtMs.forEach((at, index) => {
			this.timers.push(setTimeout(() => (this.redisWork = this.redisWork.then(() => this.restartRedis(index % 2 === 1))), at));
		});
	}

	/** No more faults; resolves once a Redis restart under way has finished. */
	async stop(): Promise<void> {
		for (const timer of this.timers) clearTimeout(timer);
		this.timers = [];
		await this.redisWork;
	}

	private fault(): void {
		const targets = this.supervisor.targets;
		if (targets.length === 0) return this.options.log('no process to fault this round');
		const target = targets[Math.floor(this.options.random() * targets.length)]!;
		if (this.options.random() < 0.5) {
			this.counts.kills++;
			this.supervisor.kill(target);
		} else {
			this.counts.stops++;
			this.supervisor.stop(target);
		}
	}

	private async restartRedis(hard: boolean): Promise<void> {
		const started = Date.now();
		this.options.log(`Redis restart (${hard ? 'SIGKILL' : 'SIGTERM'}) on port ${this.redis.port}`);
		await this.redis.restart({ hard });
		this.counts.redisRestarts++;
		this.options.log(`Redis back after ${Date.now() - started} ms`);
	}
}
