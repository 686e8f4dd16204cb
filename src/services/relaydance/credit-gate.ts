import { APIError } from './errors.js';

/**
 * RelayDance said the account's balance is spent: 402, or a 403 / 429 whose error speaks of quota,
 * balance or credit (gateways answer all three). Retrying at once cannot help; topping up can.
 */
export function isCreditExhausted(error: unknown): boolean {
	if (!(error instanceof APIError)) return false;
	if (error.status === 402) return true;
	if (error.status !== 403 && error.status !== 429) return false;
	// A rate limit that says when to come back is a rate limit, whatever its words.
	if (error.status === 429 && error.retryAfterMs !== undefined) return false;
	if (/^insufficient_(user_)?quota$/i.test(error.code ?? '')) return true;
	return /\b(balance|credits?)\b|quota is not enough|exceeded your current quota/i.test(error.apiMessage);
}

/**
 * Bot-wide pause of new submissions while RelayDance's balance is spent. The first refusal
 * closes the gate for `pauseMs`; jobs then wait (still queued, their quota held) and new requests
 * are refused; after the pause the gate opens on its own and the next submission tries again. A
 * pause "episode" lasts until a submission goes through: `onPause` fires once per episode (the
 * audit posts), however many jobs are refused meanwhile.
 */
/** What a pause leaves in the store, so a restart during an outage keeps it (and does not alert twice). */
export interface CreditPause {
	pausedUntil: number;
}

export class CreditGate {
	private pausedUntil = 0;
	private inEpisode = false;
	private timer: NodeJS.Timeout | undefined;
	private waiters = new Set<() => void>();

	constructor(
		private readonly pauseMs: number,
		private readonly onPause: () => void = () => {},
		private readonly now: () => number = () => Date.now(),
		/** Told each time a pause starts (its state) or an episode ends (undefined), to keep it across restarts. */
		private readonly onChange: (state: CreditPause | undefined) => void = () => {},
	) {}

	/** Picks up a pause a previous process left: still paused until then, and in the same episode (no second alert). */
	resume(state: CreditPause | undefined): this {
		if (!state) return this;
		// A pause long over (the bot was down for a while) is a new outage when it comes again.
		this.inEpisode = state.pausedUntil + this.pauseMs > this.now();
		if (!this.inEpisode) {
			this.onChange(undefined); // long over: the record goes
			return this;
		}
		this.pausedUntil = state.pausedUntil;
		const left = state.pausedUntil - this.now();
		if (left > 0) {
			this.timer = setTimeout(() => this.open(), left + 1);
			this.timer.unref();
		}
		return this;
	}

	get paused(): boolean {
		return this.now() < this.pausedUntil;
	}

	/** When the gate opens again (ms since the epoch), while paused. */
	get reopensAt(): number {
		return this.pausedUntil;
	}

	/** A submission was refused for the balance: close the gate (again) for the pause. */
	exhausted(): void {
		this.pausedUntil = this.now() + this.pauseMs;
		if (!this.inEpisode) {
			this.inEpisode = true;
			try {
				this.onPause();
			} catch {
				// an alert that fails must not stop the pause
			}
		}
		clearTimeout(this.timer);
		this.timer = setTimeout(() => this.open(), this.pauseMs);
		this.timer.unref();
		this.onChange({ pausedUntil: this.pausedUntil });
	}

	/**
	 * A pause another process started (told over Redis, or read from the store on a reconnect): the
	 * gate closes until then, in the same episode (that process alerted), and nothing is stored again.
	 */
	pauseHeard(state: CreditPause): void {
		if (state.pausedUntil <= this.pausedUntil) return;
		this.inEpisode = true;
		this.pausedUntil = state.pausedUntil;
		clearTimeout(this.timer);
		this.timer = setTimeout(() => this.open(), Math.max(0, state.pausedUntil - this.now()) + 1);
		this.timer.unref();
	}

	/** A submission went through: the episode is over. */
	succeeded(): void {
		// A submit that was already in flight when another was refused does not end the outage.
		if (!this.inEpisode || this.paused) return;
		this.inEpisode = false;
		this.onChange(undefined);
	}

	/** Resolves at once when open, else when the pause ends; rejects when `signal` aborts. */
	async whenOpen(signal?: AbortSignal): Promise<void> {
		while (this.paused) {
			signal?.throwIfAborted();
			await new Promise<void>((resolve, reject) => {
				const done = () => {
					this.waiters.delete(done);
					signal?.removeEventListener('abort', abort);
					resolve();
				};
				const abort = () => {
					this.waiters.delete(done);
					reject(signal!.reason);
				};
				this.waiters.add(done);
				signal?.addEventListener('abort', abort, { once: true });
			});
		}
	}

	/** Wakes the waiters once the pause is over; a timer that fires a little early is set again. */
	private open(): void {
		const left = this.pausedUntil - this.now();
		if (left > 0) {
			this.timer = setTimeout(() => this.open(), left + 1);
			this.timer.unref();
			return;
		}
		for (const waiter of [...this.waiters]) waiter();
	}
}
