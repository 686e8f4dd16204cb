import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import { DATA_LOSS_KEY, EPOCH_KEY } from './names.js';

/** What `npm run status` shows of the last data loss. */
export interface DataLoss {
	/** When a process first saw it (ms since the epoch). */
	at: number;
	/** The epoch that was lost. */
	lost: string;
}

/**
 * Notices that Redis lost its data (restarted without persistence, flushed, failed over to an empty
 * replica): the first process on a Redis writes an epoch key, and every process reads it again on
 * every reconnect and every `intervalMs`. Gone, or another value, is a loss: said at error level,
 * recorded for status, and handed to `onLoss` once per lost epoch in this process.
 */
export class EpochWatch {
	private epoch: string | undefined;
	private timer: NodeJS.Timeout | undefined;
	private checking: Promise<void> = Promise.resolve();

	constructor(
		private readonly redis: Redis,
		private readonly intervalMs: number,
		private readonly onLoss: (lost: string) => Promise<void>,
		private readonly logger: Logger,
	) {}

	async start(): Promise<void> {
		this.epoch = await this.current();
		this.redis.on('ready', () => void this.check());
		this.timer = setInterval(() => void this.check(), this.intervalMs);
		this.timer.unref();
	}

	stop(): void {
		clearInterval(this.timer);
	}

	/** Reads the epoch again; one check at a time. */
	check(): Promise<void> {
		this.checking = this.checking.then(() => this.checkOnce()).catch((error: unknown) => this.logger.warn({ err: error }, 'could not read the Redis epoch; reading it again shortly'));
		return this.checking;
	}

	private async checkOnce(): Promise<void> {
		if (this.epoch === undefined) return;
		const now = await this.current();
		if (now === this.epoch) return;
		const lost = this.epoch;
		this.epoch = now;
		this.logger.error({ lostEpoch: lost }, 'Redis lost its data (restarted without persistence, flushed or failed over): this process writes back the jobs and settings it holds');
		const loss: DataLoss = { at: Date.now(), lost };
		await this.redis.set(DATA_LOSS_KEY, JSON.stringify(loss));
		await this.onLoss(lost);
	}

	/** The epoch now, written first when there is none. */
	private async current(): Promise<string> {
		await this.redis.set(EPOCH_KEY, randomUUID(), 'NX');
		return (await this.redis.get(EPOCH_KEY))!;
	}
}
