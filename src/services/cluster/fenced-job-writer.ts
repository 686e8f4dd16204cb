import type { Keyv } from 'keyv';
import { JobMovedError } from '../jobs/job-runner.js';
import type { RecordWriter } from '../jobs/job-store.js';
import { keyvRedisKey } from '../store/store.js';
import type { FencedRecords } from './fenced-records.js';

/** How long a failed batch waits before it is sent again: Redis away is waited out, never dropped. */
const RETRY_MS = 500;

interface Waiter {
	resolve: () => void;
	reject: (error: unknown) => void;
}

interface Dirty {
	value: (() => unknown) | 'delete';
	waiters: Waiter[];
}

/**
 * Job record writes on Redis, batched as `WriteBehind` batches them (a record changed several
 * times within `delayMs` is written once, with its latest value, and batches go one at a time),
 * but each through the fence (`FencedRecords`): each write resolves or rejects on its own, with
 * `JobMovedError` when this process no longer holds the job. A batch Redis did not take is sent
 * again until it is: a worker keeps what it did while Redis is away and writes it once Redis is back.
 */
export class FencedJobWriter implements RecordWriter {
	private dirty = new Map<string, Dirty>();
	private timer: NodeJS.Timeout | undefined;
	private inFlight: Promise<void> | undefined;
	private urgent = false;

	constructor(
		private readonly keyv: Keyv,
		private readonly fences: FencedRecords,
		private readonly keyPrefix: string,
		private readonly delayMs: number,
		private readonly onError: (error: unknown) => void,
	) {}

	write(key: string, value: () => unknown): Promise<void> {
		return this.queue(key, value);
	}

	delete(key: string): Promise<void> {
		return this.queue(key, 'delete');
	}

	async restore(key: string, record: unknown): Promise<boolean> {
		const value = await this.keyv.serialize!({ value: record });
		return this.fences.restore({ jobId: key.slice(this.keyPrefix.length), key: keyvRedisKey(key), value: String(value), state: String((record as { state?: unknown }).state) });
	}

	async writeNow(): Promise<void> {
		if (this.inFlight) this.urgent = true;
		else if (this.dirty.size > 0) {
			clearTimeout(this.timer);
			this.timer = undefined;
			void this.send();
		}
	}

	async flush(): Promise<void> {
		clearTimeout(this.timer);
		this.timer = undefined;
		while (this.dirty.size > 0 || this.inFlight) {
			if (this.inFlight) await this.inFlight;
			else await this.send();
		}
	}

	private queue(key: string, value: Dirty['value']): Promise<void> {
		return new Promise<void>((resolve, reject) => {
			const entry = this.dirty.get(key);
			if (entry) {
				entry.value = value;
				entry.waiters.push({ resolve, reject });
			} else this.dirty.set(key, { value, waiters: [{ resolve, reject }] });
			this.schedule();
		});
	}

	private schedule(): void {
		if (this.timer || this.inFlight) return;
		this.timer = setTimeout(() => void this.send(), this.delayMs);
	}

	private async send(): Promise<void> {
		this.timer = undefined;
		const batch = this.dirty;
		this.dirty = new Map();
		this.inFlight = this.sendBatch(batch);
		await this.inFlight;
		this.inFlight = undefined;
		if (this.dirty.size === 0) return;
		if (this.urgent) {
			this.urgent = false;
			void this.send();
		} else this.schedule();
	}

	private async sendBatch(batch: Map<string, Dirty>): Promise<void> {
		const writes = [];
		const deletions = [];
		for (const [key, entry] of batch) {
			const jobId = key.slice(this.keyPrefix.length);
			if (entry.value === 'delete') {
				deletions.push({ jobId, key: keyvRedisKey(key), entry });
				continue;
			}
			const record = entry.value() as { state?: unknown } | undefined;
			if (record === undefined) {
				for (const waiter of entry.waiters) waiter.resolve();
				continue;
			}
			const value = await this.keyv.serialize!({ value: record });
			writes.push({ jobId, key: keyvRedisKey(key), value: String(value), state: String(record.state), entry });
		}
		for (let attempt = 0; ; attempt++) {
			try {
				const outcomes = await this.fences.writeMany(writes);
				await this.fences.deleteMany(deletions);
				writes.forEach((write, index) => {
					const moved = outcomes[index] !== 'written';
					for (const waiter of write.entry.waiters) moved ? waiter.reject(new JobMovedError()) : waiter.resolve();
				});
				for (const { entry } of deletions) for (const waiter of entry.waiters) waiter.resolve();
				return;
			} catch (error) {
				if (attempt === 0) this.onError(error);
				await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
			}
		}
	}
}
