import { performance } from 'node:perf_hooks';

export interface FirstResponsesOptions {
	/**
	 * Longest a job start waits for first responses to be out. A steady stream of commands can keep
	 * one in flight at every moment; a job waiting a second longer is not seen (its member has the
	 * deferred reply), a job never starting would be. Default 1,000 ms.
	 */
	maxHoldMs?: number;
	/** Job starts let go per turn of the event loop, so interactions read in between are answered first. Default 16. */
	batch?: number;
}

/**
 * Interactions are answered before the jobs already accepted start their work. A first response
 * has Discord's 3 s deadline; what a job does when it starts (its record, its view, its place in
 * line, and the garbage all that leaves) has none, yet ran on the same event loop as the deferrals
 * still to send, so under a burst the bot answered later than a bot that does nothing after
 * deferring (bench/RESULTS.md, part 1). Each deferral is counted while it is in flight (`send`); a
 * job start (`turn`) waits until none is, or at most `maxHoldMs`, and starts go a few per turn of
 * the event loop. What it orders is the process's one event loop, so there is one per process:
 * `firstResponses`.
 */
export class FirstResponses {
	private inFlight = 0;
	private readonly waiting: Array<{ since: number; start: () => void }> = [];
	private nextTurn: NodeJS.Immediate | undefined;
	private timer: NodeJS.Timeout | undefined;
	private readonly maxHoldMs: number;
	private readonly batch: number;

	constructor(
		options: FirstResponsesOptions = {},
		private readonly now: () => number = () => performance.now(),
	) {
		this.maxHoldMs = options.maxHoldMs ?? 1_000;
		this.batch = options.batch ?? 16;
	}

	/** Sends a first response (`respond`), counted as in flight until it settles. */
	async send<T>(respond: () => Promise<T>): Promise<T> {
		this.inFlight++;
		try {
			return await respond();
		} finally {
			this.inFlight--;
			this.schedule();
		}
	}

	/** Resolves when a job may start its work: at once when nothing is in flight or waiting, else in its turn. */
	turn(): Promise<void> {
		if (this.inFlight === 0 && this.waiting.length === 0) return Promise.resolve();
		return new Promise((start) => {
			this.waiting.push({ since: this.now(), start });
			this.schedule();
		});
	}

	private schedule(): void {
		const first = this.waiting[0];
		if (!first || this.nextTurn) return;
		const now = this.now();
		const holdLeft = this.maxHoldMs - (now - first.since);
		if (this.inFlight === 0 || holdLeft <= 0) {
			clearTimeout(this.timer);
			this.timer = undefined;
			this.nextTurn = setImmediate(() => this.startBatch());
		} else {
			this.timer ??= setTimeout(() => {
				this.timer = undefined;
				this.schedule();
			}, holdLeft);
		}
	}

	private startBatch(): void {
		this.nextTurn = undefined;
		const now = this.now();
		for (let started = 0; started < this.batch && this.waiting.length > 0; started++) {
			if (this.inFlight > 0 && now - this.waiting[0]!.since < this.maxHoldMs) break;
			this.waiting.shift()!.start();
		}
		this.schedule();
	}
}

/** The process's one: `acceptJob` counts its deferrals, the runner waits for its turn before a job's work. */
export const firstResponses = new FirstResponses();
