import { sleep } from '../sleep.js';

export interface TaskWakerOptions {
	/**
	 * Least time between two re-reads a wake causes for one job. A wake sooner than that is
	 * deferred to the moment it is allowed, never dropped, and wakes arriving meanwhile join it:
	 * however many callbacks arrive, a job costs RelayDance at most one read per `minGapMs` for
	 * them. Default 5 s.
	 */
	minGapMs?: number;
	/** Monotonic clock, in ms. */
	now?: () => number;
}

interface Entry {
	/** A wake is owed to the next wait (it came while no one waited). */
	woken: boolean;
	/** Ends the current wait early. */
	release?: () => void;
	/** When a wake last let a read happen. */
	lastWokenAt?: number;
	/** A wake that came too soon, due when the gap has passed. */
	deferred?: NodeJS.Timeout;
}

/**
 * Lets a webhook cut a poller's wait short. A job registers before it submits and unregisters
 * once final; a wake that comes while no one waits (the callback beat the first wait) is kept
 * until the next wait. Keys not registered are refused, so stray or forged callbacks cost nothing.
 */
export class TaskWaker {
	private readonly entries = new Map<string, Entry>();
	private readonly minGapMs: number;
	private readonly now: () => number;

	constructor(options: TaskWakerOptions = {}) {
		this.minGapMs = options.minGapMs ?? 5_000;
		this.now = options.now ?? (() => performance.now());
	}

	register(key: string): void {
		this.unregister(key);
		this.entries.set(key, { woken: false });
	}

	unregister(key: string): void {
		const entry = this.entries.get(key);
		if (entry?.deferred) clearTimeout(entry.deferred);
		this.entries.delete(key);
	}

	/** Returns whether `key` is registered, i.e. whether anyone will act on the wake. */
	wake(key: string): boolean {
		const entry = this.entries.get(key);
		if (!entry) return false;
		if (entry.deferred) return true;
		const wait = entry.lastWokenAt === undefined ? 0 : entry.lastWokenAt + this.minGapMs - this.now();
		if (wait <= 0) this.fire(entry);
		else {
			entry.deferred = setTimeout(() => {
				entry.deferred = undefined;
				this.fire(entry);
			}, wait);
			entry.deferred.unref?.();
		}
		return true;
	}

	/** Waits `ms`, or less if `key` is woken meanwhile (or already was). */
	async wait(key: string, ms: number, signal?: AbortSignal): Promise<void> {
		const entry = this.entries.get(key);
		if (!entry) return sleep(ms, signal);
		if (entry.woken) {
			signal?.throwIfAborted();
			entry.woken = false;
			entry.lastWokenAt = this.now();
			return;
		}
		const early = new AbortController();
		entry.release = () => early.abort();
		try {
			await sleep(ms, signal ? AbortSignal.any([signal, early.signal]) : early.signal);
		} catch (error) {
			if (!early.signal.aborted || signal?.aborted) throw error;
		} finally {
			entry.release = undefined;
		}
	}

	private fire(entry: Entry): void {
		if (!entry.release) {
			entry.woken = true;
			return;
		}
		entry.lastWokenAt = this.now();
		entry.release();
	}
}
