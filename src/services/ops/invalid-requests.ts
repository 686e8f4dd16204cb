/** Discord bans an IP for an hour once it answers 10,000 401/403/429s to it within 10 minutes. */
export const INVALID_REQUEST_LIMIT = 10_000;
export const INVALID_REQUEST_WINDOW_MS = 10 * 60_000;
/** Buckets the window is counted in: the count is exact to within one bucket's span (20 s). */
const BUCKETS = 30;

export interface InvalidRequestOptions {
	limit?: number;
	windowMs?: number;
	/** The count reached half the limit: called once each time it crosses upward. */
	onHigh?: (count: number) => void;
	/** The count fell back below a quarter of the limit. */
	onCalm?: (count: number) => void;
	now?: () => number;
}

/**
 * Counts Discord's answers that count toward its invalid-request limit (401, 403, and 429 other
 * than shared-scope ones, which Discord exempts) over a sliding window. At half the limit the
 * count is `high` until it falls below a quarter: meanwhile the bot sends no progress edits.
 */
export class InvalidRequestWindow {
	private readonly counts = new Array<number>(BUCKETS).fill(0);
	private readonly stamps = new Array<number>(BUCKETS).fill(0);
	private readonly limit: number;
	private readonly bucketMs: number;
	private readonly now: () => number;
	private isHigh = false;

	constructor(private readonly options: InvalidRequestOptions = {}) {
		this.limit = options.limit ?? INVALID_REQUEST_LIMIT;
		this.bucketMs = (options.windowMs ?? INVALID_REQUEST_WINDOW_MS) / BUCKETS;
		this.now = options.now ?? Date.now;
	}

	/** Counts one Discord answer if it is an invalid request. */
	record(status: number, scope?: string | null): void {
		if (!counts(status, scope)) return;
		const slot = Math.floor(this.now() / this.bucketMs);
		const index = slot % BUCKETS;
		if (this.stamps[index] !== slot) {
			this.stamps[index] = slot;
			this.counts[index] = 0;
		}
		this.counts[index]!++;
		this.check();
	}

	/** Invalid requests within the window. */
	count(): number {
		const slot = Math.floor(this.now() / this.bucketMs);
		let total = 0;
		for (let index = 0; index < BUCKETS; index++) if (slot - this.stamps[index]! < BUCKETS) total += this.counts[index]!;
		return total;
	}

	/** True from half the limit until the count falls below a quarter. */
	get high(): boolean {
		if (this.isHigh) this.check();
		return this.isHigh;
	}

	private check(): void {
		const count = this.count();
		if (!this.isHigh && count >= this.limit / 2) {
			this.isHigh = true;
			this.options.onHigh?.(count);
		} else if (this.isHigh && count < this.limit / 4) {
			this.isHigh = false;
			this.options.onCalm?.(count);
		}
	}
}

/** What Discord counts toward the limit: 401, 403, and 429s that are not shared-scope. */
function counts(status: number, scope?: string | null): boolean {
	if (status === 401 || status === 403) return true;
	return status === 429 && scope !== 'shared';
}
