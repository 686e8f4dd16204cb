/** A waiter that may want to hear its place in line. */
export interface PlaceListener {
	onPosition?: (position: number) => void;
	/** Last place reported, and when (0: never). */
	told: number;
	toldAt: number;
}

/**
 * Tells waiters their place in line (1 = next) as a line moves: one sweep over the line at most
 * once per `intervalMs`, each waiter told only when its place changed and not more often than
 * that, so thousands of waiters cost one pass a second, not one per grant. Shared by the lines
 * the runner keeps (`WaitLine`, `FairLine`); `order` gives the waiters in the order they will be served.
 */
export class PlaceReports<W extends PlaceListener> {
	private sweepTimer: NodeJS.Timeout | undefined;
	private lastSweep = Number.NEGATIVE_INFINITY;

	constructor(
		private readonly intervalMs: number,
		private readonly order: () => readonly W[],
	) {}

	/** The line moved: a sweep is scheduled (unless one is, or nobody listens). */
	changed(): void {
		if (this.sweepTimer || !this.order().some((waiter) => waiter.onPosition)) return;
		const delay = Math.max(0, this.lastSweep + this.intervalMs - Date.now());
		this.sweepTimer = setTimeout(() => this.sweep(), delay);
		this.sweepTimer.unref?.();
	}

	/** Tells one waiter its place now (a newcomer hears it at once). */
	tell(waiter: W, position: number, now = Date.now()): void {
		if (!waiter.onPosition) return;
		waiter.told = position;
		waiter.toldAt = now;
		try {
			waiter.onPosition(position);
		} catch {
			// A listener's bug must not stop the line; the runner's own logging covers its callbacks.
		}
	}

	private sweep(): void {
		this.sweepTimer = undefined;
		const now = Date.now();
		this.lastSweep = now;
		let deferred = false;
		this.order().forEach((waiter, index) => {
			if (!waiter.onPosition || waiter.told === index + 1) return;
			if (now - waiter.toldAt < this.intervalMs) deferred = true;
			else this.tell(waiter, index + 1, now);
		});
		if (deferred) this.changed();
	}
}
