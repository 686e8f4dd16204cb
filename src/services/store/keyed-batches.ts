/** Someone waiting on one queued write. */
export interface Waiter {
	resolve: () => void;
	reject: (error: unknown) => void;
}

/** A key's latest queued value, and everyone waiting on it. */
export interface Queued<V> {
	value: V;
	waiters: Waiter[];
}

/**
 * Store writes batched by key: changes made within `delayMs` go out together, a key changed
 * several times in that span is written once with its latest value, and batches go out one at a
 * time, so a key's writes never overtake each other. A subclass sends a batch (`sendBatch`) and
 * settles each key's waiters, all alike (`WriteBehind`) or each on its own (`FencedJobWriter`).
 */
export abstract class KeyedBatches<V> {
	private dirty = new Map<string, Queued<V>>();
	private timer: NodeJS.Timeout | undefined;
	private inFlight: Promise<void> | undefined;
	/** A caller is waiting on the next batch: send it as soon as the one in flight is done. */
	private urgent = false;

	constructor(private readonly delayMs: number) {}

	/** Sends one batch; settles every waiter in it. Must not reject. */
	protected abstract sendBatch(batch: Map<string, Queued<V>>): Promise<void>;

	/** Queues `value` for `key`; resolves once it is written (or rejects as the subclass decides). */
	protected enqueue(key: string, value: V): Promise<void> {
		const written = new Promise<void>((resolve, reject) => {
			const entry = this.dirty.get(key);
			if (entry) {
				entry.value = value;
				entry.waiters.push({ resolve, reject });
			} else this.dirty.set(key, { value, waiters: [{ resolve, reject }] });
		});
		written.catch(() => {}); // a caller that does not wait must not crash the process
		this.schedule();
		return written;
	}

	/**
	 * Sends what is queued now, without waiting out the batching delay; resolves once that has been
	 * sent. It never rejects: each write's own promise says how it went.
	 */
	async writeNow(): Promise<void> {
		if (this.dirty.size === 0) return this.inFlight;
		const sent = Promise.all([...this.dirty.values()].map((entry) => new Promise<void>((resolve) => entry.waiters.push({ resolve, reject: () => resolve() }))));
		if (this.inFlight) this.urgent = true;
		else {
			clearTimeout(this.timer);
			this.timer = undefined;
			void this.send();
		}
		await sent;
	}

	/** Resolves once everything queued so far has been sent (written, or failed). */
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
		this.dirty = new Map();
		this.inFlight = this.sendBatch(batch);
		await this.inFlight;
		this.inFlight = undefined;
		if (this.dirty.size === 0) return;
		if (this.urgent) {
			this.urgent = false;
			clearTimeout(this.timer);
			this.timer = undefined;
			void this.send();
		} else this.schedule();
	}
}
