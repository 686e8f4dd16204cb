import type { Keyv } from 'keyv';

interface Pending {
	promise: Promise<void>;
	resolve: () => void;
	reject: (error: unknown) => void;
}

function pending(): Pending {
	let resolve!: () => void;
	let reject!: (error: unknown) => void;
	const promise = new Promise<void>((res, rej) => {
		resolve = res;
		reject = rej;
	});
	promise.catch(() => {}); // a caller that does not wait must not crash the process
	return { promise, resolve, reject };
}

/**
 * Batches Keyv writes: changes made within `delayMs` go out together in one `setMany` (one SQL
 * statement on SQLite), and a key changed several times in that span is written once, with its
 * latest value. Batches go out one at a time, so a key's writes never overtake each other.
 */
export class WriteBehind {
	private dirty = new Map<string, { value: () => unknown; ttlMs?: number } | 'delete'>();
	private next = pending();
	private timer: NodeJS.Timeout | undefined;
	private inFlight: Promise<void> | undefined;
	/** A caller is waiting on the next batch: send it as soon as the one in flight is done. */
	private urgent = false;

	constructor(
		private readonly store: Keyv,
		private readonly delayMs: number,
		private readonly onError: (error: unknown) => void = () => {},
	) {}

	/**
	 * Queues `key`; `value` is read when the batch goes out. Resolves once it is written. Without
	 * `ttlMs` the entry stays until deleted.
	 */
	write(key: string, value: () => unknown, ttlMs?: number): Promise<void> {
		this.dirty.set(key, { value, ttlMs });
		this.schedule();
		return this.next.promise;
	}

	/** Queues the removal of `key`, in order with the writes around it. */
	delete(key: string): Promise<void> {
		this.dirty.set(key, 'delete');
		this.schedule();
		return this.next.promise;
	}

	/** Sends what is queued now, without waiting out the batching delay; resolves once it is written. */
	async writeNow(): Promise<void> {
		if (this.dirty.size === 0) return this.inFlight;
		const written = this.next.promise;
		if (this.inFlight) this.urgent = true;
		else if (this.dirty.size > 0) {
			clearTimeout(this.timer);
			void this.send();
		}
		await written;
	}

	/** Resolves once everything queued so far is written (or has failed). */
	async flush(): Promise<void> {
		clearTimeout(this.timer);
		this.timer = undefined;
		while (this.dirty.size > 0 || this.inFlight) {
			if (this.inFlight) await this.inFlight;
			else await this.send();
		}
	}

	private schedule(): void {
		if (this.timer || this.inFlight) return;
		this.timer = setTimeout(() => void this.send(), this.delayMs);
	}

	private async send(): Promise<void> {
		this.timer = undefined;
		const batch = this.dirty;
		const done = this.next;
		this.dirty = new Map();
		this.next = pending();
		const deletions: string[] = [];
		const entries = [...batch].flatMap(([key, entry]) => {
			if (entry === 'delete') {
				deletions.push(key);
				return [];
			}
			const value = entry.value();
			return value === undefined ? [] : [{ key, value, ttl: entry.ttlMs === undefined ? undefined : Math.max(1, entry.ttlMs) }];
		});
		this.inFlight = (async () => {
			try {
				if (entries.length > 0) await this.store.setMany(entries);
				if (deletions.length > 0) await this.store.deleteMany(deletions);
				done.resolve();
			} catch (error) {
				this.onError(error);
				done.reject(error);
			}
		})();
		await this.inFlight;
		this.inFlight = undefined;
		if (this.dirty.size === 0) return;
		if (this.urgent) {
			this.urgent = false;
			clearTimeout(this.timer);
			void this.send();
		} else this.schedule();
	}
}
