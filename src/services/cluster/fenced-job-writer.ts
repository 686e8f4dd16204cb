import type { Keyv } from 'keyv';
import { JobMovedError } from '../jobs/job-runner.js';
import type { RecordWriter } from '../jobs/job-store.js';
import { KeyedBatches, type Queued } from '../store/keyed-batches.js';
import { keyvRedisKey } from '../store/store.js';
import type { FencedRecords } from './fenced-records.js';

/** How long a failed batch waits before it is sent again: Redis away is waited out, never dropped. */
const RETRY_MS = 500;

type Change = (() => unknown) | 'delete';

/**
 * Job record writes on Redis, batched as `WriteBehind` batches them (`KeyedBatches`), but each
 * through the fence (`FencedRecords`): each write resolves or rejects on its own, with
 * `JobMovedError` when this process no longer holds the job. A batch Redis did not take is sent
 * again until it is: a worker keeps what it did while Redis is away and writes it once Redis is back.
 */
export class FencedJobWriter extends KeyedBatches<Change> implements RecordWriter {
	constructor(
		private readonly keyv: Keyv,
		private readonly fences: FencedRecords,
		private readonly keyPrefix: string,
		delayMs: number,
		private readonly onError: (error: unknown) => void,
	) {
		super(delayMs);
	}

	write(key: string, value: () => unknown): Promise<void> {
		return this.enqueue(key, value);
	}

	delete(key: string): Promise<void> {
		return this.enqueue(key, 'delete');
	}

	async restore(key: string, record: unknown): Promise<boolean> {
		const value = await this.keyv.serialize!({ value: record });
		return this.fences.restore({ jobId: key.slice(this.keyPrefix.length), key: keyvRedisKey(key), value: String(value), state: String((record as { state?: unknown }).state) });
	}

	protected async sendBatch(batch: Map<string, Queued<Change>>): Promise<void> {
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
