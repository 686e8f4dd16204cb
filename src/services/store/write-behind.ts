import type { Keyv } from 'keyv';
import { KeyedBatches, type Queued } from './keyed-batches.js';

type Change = { value: () => unknown; ttlMs?: number } | 'delete';

/**
 * Batches Keyv writes (`KeyedBatches`): each batch is one `setMany` (one SQL statement on SQLite)
 * and one `deleteMany`, and every write in it resolves, or rejects, with the batch.
 */
export class WriteBehind extends KeyedBatches<Change> {
	constructor(
		private readonly store: Keyv,
		delayMs: number,
		private readonly onError: (error: unknown) => void = () => {},
	) {
		super(delayMs);
	}

	/**
	 * Queues `key`; `value` is read when the batch goes out. Resolves once it is written. Without
	 * `ttlMs` the entry stays until deleted.
	 */
	write(key: string, value: () => unknown, ttlMs?: number): Promise<void> {
		return this.enqueue(key, { value, ttlMs });
	}

	/** Queues the removal of `key`, in order with the writes around it. */
	delete(key: string): Promise<void> {
		return this.enqueue(key, 'delete');
	}

	protected async sendBatch(batch: Map<string, Queued<Change>>): Promise<void> {
		const deletions: string[] = [];
		const entries = [...batch].flatMap(([key, { value: change }]) => {
			if (change === 'delete') {
				deletions.push(key);
				return [];
			}
			const value = change.value();
			return value === undefined ? [] : [{ key, value, ttl: change.ttlMs === undefined ? undefined : Math.max(1, change.ttlMs) }];
		});
		const waiters = [...batch.values()].flatMap((entry) => entry.waiters);
		try {
			if (entries.length > 0) await this.store.setMany(entries);
			if (deletions.length > 0) await this.store.deleteMany(deletions);
			for (const waiter of waiters) waiter.resolve();
		} catch (error) {
			this.onError(error);
			for (const waiter of waiters) waiter.reject(error);
		}
	}
}
