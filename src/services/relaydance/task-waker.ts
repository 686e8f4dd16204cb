import { sleep } from '../sleep.js';

/**
 * Lets a webhook cut a poller's wait short. A job registers before it submits; a wake that comes
 * while no one waits (the callback beat the first wait) is kept until the next wait. Keys that
 * were never registered are ignored, so forged callbacks cost nothing.
 */
export class TaskWaker {
	private readonly entries = new Map<string, { woken: boolean; wake?: () => void }>();

	register(key: string): void {
		this.entries.set(key, { woken: false });
	}

	unregister(key: string): void {
		this.entries.delete(key);
	}

	/** Returns whether `key` was registered. */
	wake(key: string): boolean {
		const entry = this.entries.get(key);
		if (!entry) return false;
		if (entry.wake) entry.wake();
		else entry.woken = true;
		return true;
	}

	/** Waits `ms`, or less if `key` is woken meanwhile (or already was). */
	async wait(key: string, ms: number, signal?: AbortSignal): Promise<void> {
		const entry = this.entries.get(key);
		if (!entry) return sleep(ms, signal);
		if (entry.woken) {
			entry.woken = false;
			return;
		}
		const early = new AbortController();
		entry.wake = () => early.abort();
		try {
			await sleep(ms, signal ? AbortSignal.any([signal, early.signal]) : early.signal);
		} catch (error) {
			if (!early.signal.aborted || signal?.aborted) throw error;
		} finally {
			entry.wake = undefined;
		}
	}
}
