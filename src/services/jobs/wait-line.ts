export interface AcquireOptions {
	/** Aborting removes the waiter from the line; `acquire` then rejects with the signal's reason. */
	signal?: AbortSignal;
	/**
	 * Told the waiter's place in line (1 = next) when it starts waiting, then whenever it changes,
	 * at most once per `positionIntervalMs`. Never called for a request granted at once. Must not
	 * throw (a throw is ignored, so one listener cannot stall the line).
	 */
	onPosition?: (position: number) => void;
}

export interface WaitLineOptions {
	/** Least time between two position reports to one waiter. Default 1,000 ms. */
	positionIntervalMs?: number;
}

import { PlaceReports, type PlaceListener } from './place-reports.js';

interface Waiter extends PlaceListener {
	bytes: number;
	grant: () => void;
}

/**
 * A weighted semaphore whose waiters know their place in line. The runner keeps two: reference
 * bytes held in memory at once (`REFERENCE_MEMORY_MB`, counted in bytes) and jobs submitting at
 * once (`MAX_SUBMITTING`, one unit each). Requests are served strictly first come, first served, so a job with
 * nine large images is not starved by a stream of small ones; a request over the whole budget is
 * clamped to it, so it waits until it can run alone. Position reports are batched in one sweep at
 * most once per interval, so thousands of waiters cost one pass a second, not one per release.
 */
export class WaitLine {
	private available: number;
	private readonly line: Waiter[] = [];
	private readonly places: PlaceReports<Waiter>;

	constructor(
		readonly capacityBytes: number,
		options: WaitLineOptions = {},
	) {
		if (!(capacityBytes > 0) || !Number.isFinite(capacityBytes)) throw new RangeError(`budget must be a positive number of bytes, got ${capacityBytes}`);
		this.available = capacityBytes;
		this.places = new PlaceReports(options.positionIntervalMs ?? 1_000, () => this.line);
	}

	/** Bytes not held by anyone right now. */
	get freeBytes(): number {
		return this.available;
	}

	/** Requests waiting in line. */
	get waiting(): number {
		return this.line.length;
	}

	/**
	 * Waits until `bytes` (clamped to the budget) are free and every earlier request was served,
	 * then holds them until the returned `release` is called (calling it again does nothing).
	 */
	acquire(bytes: number, options: AcquireOptions = {}): Promise<() => void> {
		if (!(bytes >= 0) || !Number.isFinite(bytes)) return Promise.reject(new RangeError(`cannot acquire ${bytes} bytes`));
		const wanted = Math.min(bytes, this.capacityBytes);
		const { signal, onPosition } = options;
		if (signal?.aborted) return Promise.reject(signal.reason);
		if (this.line.length === 0 && wanted <= this.available) {
			this.available -= wanted;
			return Promise.resolve(this.releaser(wanted));
		}
		return new Promise((resolve, reject) => {
			const onAbort = () => {
				const index = this.line.indexOf(waiter);
				if (index === -1) return;
				this.line.splice(index, 1);
				reject(signal!.reason);
				this.pump();
				this.places.changed();
			};
			const waiter: Waiter = {
				bytes: wanted,
				grant: () => {
					signal?.removeEventListener('abort', onAbort);
					resolve(this.releaser(wanted));
				},
				onPosition,
				told: 0,
				toldAt: 0,
			};
			signal?.addEventListener('abort', onAbort, { once: true });
			this.line.push(waiter);
			this.places.tell(waiter, this.line.length);
		});
	}

	private releaser(bytes: number): () => void {
		let released = false;
		return () => {
			if (released) return;
			released = true;
			this.available += bytes;
			this.pump();
		};
	}

	/** Grants from the head of the line while the head fits. */
	private pump(): void {
		let granted = false;
		while (this.line.length > 0 && this.line[0]!.bytes <= this.available) {
			const waiter = this.line.shift()!;
			this.available -= waiter.bytes;
			waiter.grant();
			granted = true;
		}
		if (granted) this.places.changed();
	}
}
