import { hash } from 'node:crypto';

/**
 * Sends the latest of a stream of message edits, at most one per `intervalMs` (counting from the
 * deferral), skipping any edit identical to the last one sent: Discord rate-limits webhook edits
 * (about 5 per 2 s per token), an unchanged message is not worth a request, and a burst of new
 * commands gets its deferrals out before any of them spends a request on progress. `final` cancels
 * what is pending, waits for the edit in flight (unless its signal aborts: then the edit is cut and
 * nothing more is sent), then sends the last word; `stop` ends progress for good when the message
 * can no longer be edited.
 */
export class ThrottledEditor<T> {
	private lastKey: string | undefined;
	/** The deferred reply counts as the first edit: the next one waits a full interval. */
	private lastAt = Date.now();
	private pending: { payload: T; key: string } | undefined;
	private timer: NodeJS.Timeout | undefined;
	private inFlight: Promise<void> = Promise.resolve();
	private sending = false;
	private closed = false;
	/** Passed to every edit: aborted when the bot stops while `final` waits, so no edit outlives it. */
	private readonly abandon = new AbortController();

	constructor(
		/** Sends one edit; answers false when it held it back (not sent): it goes again at the next turn unless a newer one replaced it. */
		private readonly send: (payload: T, signal: AbortSignal) => Promise<boolean | void>,
		private readonly intervalMs: number,
		private readonly onError: (error: unknown) => void,
	) {}

	push(payload: T): void {
		if (this.closed) return;
		// A digest, not the JSON itself: every job in flight keeps its last one (over 1 KB of JSON each).
		const key = hash('sha1', JSON.stringify(payload), 'base64');
		if (key === this.lastKey) {
			this.pending = undefined;
			return;
		}
		this.pending = { payload, key };
		if (this.timer) return;
		const wait = Math.max(0, this.lastAt + this.intervalMs - Date.now());
		this.timer = setTimeout(() => this.flush(), wait);
	}

	/**
	 * Sends the last word once the edit in flight is done. When `signal` aborts first, the edit in
	 * flight is aborted, `send` is not called, and this rejects with the signal's reason at once.
	 */
	async final<R>(send: () => Promise<R>, signal?: AbortSignal): Promise<R> {
		this.stop();
		if (signal) await this.untilSettledOrAborted(signal);
		else await this.inFlight;
		return send();
	}

	/** Drops the edit waiting for its turn (one in flight goes on); later pushes are sent as before. */
	drop(): void {
		clearTimeout(this.timer);
		this.timer = undefined;
		this.pending = undefined;
	}

	/** Drops what is pending and ignores every later `push`; `final` still works. */
	stop(): void {
		this.closed = true;
		clearTimeout(this.timer);
		this.timer = undefined;
		this.pending = undefined;
	}

	private async untilSettledOrAborted(signal: AbortSignal): Promise<void> {
		let onAbort = () => {};
		const aborted = new Promise<void>((resolve) => {
			onAbort = () => {
				this.abandon.abort(signal.reason);
				resolve();
			};
		});
		if (signal.aborted) onAbort();
		else signal.addEventListener('abort', onAbort, { once: true });
		try {
			await Promise.race([this.inFlight, aborted]);
		} finally {
			signal.removeEventListener('abort', onAbort);
		}
		signal.throwIfAborted();
	}

	/**
	 * Sends what is pending, unless an edit is still in flight: then the latest pending edit goes
	 * when that one ends, so a slow edit (Discord or Redis slow to answer) never queues up a backlog.
	 */
	private flush(): void {
		this.timer = undefined;
		if (this.sending) return;
		const next = this.pending;
		this.pending = undefined;
		if (!next || this.closed) return;
		this.lastKey = next.key;
		this.lastAt = Date.now();
		const { signal } = this.abandon;
		this.sending = true;
		this.inFlight = this.send(next.payload, signal)
			.then((sent) => {
				if (sent !== false || this.closed) return;
				this.lastKey = undefined;
				this.pending ??= next;
			})
			.catch((error: unknown) => {
				if (!signal.aborted) this.onError(error);
			})
			.finally(() => {
				this.sending = false;
				if (this.pending && !this.timer && !this.closed) this.timer = setTimeout(() => this.flush(), Math.max(0, this.lastAt + this.intervalMs - Date.now()));
			});
	}
}
