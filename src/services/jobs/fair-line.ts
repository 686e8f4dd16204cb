import type { AcquireOptions } from './wait-line.js';

interface Waiter {
	group: string;
	grant: () => void;
	onPosition?: (position: number) => void;
	told: number;
	toldAt: number;
}

/**
 * Slots for tasks in flight at RelayDance (`MAX_CONCURRENT_TASKS`), shared fairly between servers:
 * waiting jobs queue per server (first come, first served within it), and a freed slot goes to the
 * next server in turn, so one server's 50 requests do not put another's one 50 places back. Each
 * waiter is told its place (1 = next) as the line moves, at most once per `positionIntervalMs`.
 */
export class FairLine {
	private inUse = 0;
	private readonly groups = new Map<string, Waiter[]>();
	/** Servers with waiters, in turn order; the head is served next. */
	private turn: string[] = [];
	private sweepTimer: NodeJS.Timeout | undefined;
	private lastSweep = Number.NEGATIVE_INFINITY;

	constructor(
		readonly capacity: number,
		private readonly positionIntervalMs = 1_000,
	) {
		if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, got ${capacity}`);
	}

	get waiting(): number {
		let count = 0;
		for (const waiters of this.groups.values()) count += waiters.length;
		return count;
	}

	get running(): number {
		return this.inUse;
	}

	/**
	 * Waits for a slot, in `group`'s turn, then holds it until the returned release is called.
	 * `force` takes one at once whatever the line (a job whose task already exists: it is in flight).
	 */
	acquire(group: string, options: AcquireOptions & { force?: boolean } = {}): Promise<() => void> {
		const { signal, onPosition } = options;
		if (signal?.aborted) return Promise.reject(signal.reason);
		if (options.force || (this.inUse < this.capacity && this.turn.length === 0)) {
			this.inUse += 1;
			return Promise.resolve(this.releaser());
		}
		return new Promise((resolve, reject) => {
			const onAbort = () => {
				if (!this.remove(waiter)) return;
				reject(signal!.reason);
				this.pump();
				this.positionsChanged();
			};
			const waiter: Waiter = {
				group,
				grant: () => {
					signal?.removeEventListener('abort', onAbort);
					resolve(this.releaser());
				},
				onPosition,
				told: 0,
				toldAt: 0,
			};
			signal?.addEventListener('abort', onAbort, { once: true });
			const line = this.groups.get(group);
			if (line) line.push(waiter);
			else {
				this.groups.set(group, [waiter]);
				this.turn.push(group);
			}
			this.pump();
			if (this.includes(waiter)) {
				this.tell(waiter, this.positionOf(waiter), Date.now());
				// A newcomer from another server may go ahead of some already waiting: they are told too.
				this.positionsChanged();
			}
		});
	}

	/** The order waiters will be served in: round-robin over servers, first come first served within each. */
	order(): Waiter[] {
		const lines = this.turn.map((group) => this.groups.get(group)!);
		const order: Waiter[] = [];
		for (let depth = 0; order.length < this.waiting; depth++) for (const line of lines) if (line[depth]) order.push(line[depth]!);
		return order;
	}

	private positionOf(waiter: Waiter): number {
		return this.order().indexOf(waiter) + 1;
	}

	private includes(waiter: Waiter): boolean {
		return this.groups.get(waiter.group)?.includes(waiter) ?? false;
	}

	private remove(waiter: Waiter): boolean {
		const line = this.groups.get(waiter.group);
		const index = line?.indexOf(waiter) ?? -1;
		if (!line || index === -1) return false;
		line.splice(index, 1);
		if (line.length === 0) {
			this.groups.delete(waiter.group);
			this.turn = this.turn.filter((group) => group !== waiter.group);
		}
		return true;
	}

	private releaser(): () => void {
		let released = false;
		return () => {
			if (released) return;
			released = true;
			this.inUse -= 1;
			this.pump();
		};
	}

	/** Grants slots to the servers in turn while slots are free. */
	private pump(): void {
		let granted = false;
		while (this.inUse < this.capacity && this.turn.length > 0) {
			const group = this.turn.shift()!;
			const line = this.groups.get(group)!;
			const waiter = line.shift()!;
			if (line.length > 0) this.turn.push(group);
			else this.groups.delete(group);
			this.inUse += 1;
			waiter.grant();
			granted = true;
		}
		if (granted) this.positionsChanged();
	}

	private positionsChanged(): void {
		if (this.sweepTimer || this.waiting === 0) return;
		const delay = Math.max(0, this.lastSweep + this.positionIntervalMs - Date.now());
		this.sweepTimer = setTimeout(() => this.sweep(), delay);
		this.sweepTimer.unref?.();
	}

	private sweep(): void {
		this.sweepTimer = undefined;
		const now = Date.now();
		this.lastSweep = now;
		let deferred = false;
		this.order().forEach((waiter, index) => {
			if (!waiter.onPosition || waiter.told === index + 1) return;
			if (now - waiter.toldAt < this.positionIntervalMs) deferred = true;
			else this.tell(waiter, index + 1, now);
		});
		if (deferred) this.positionsChanged();
	}

	private tell(waiter: Waiter, position: number, now: number): void {
		if (!waiter.onPosition) return;
		waiter.told = position;
		waiter.toldAt = now;
		try {
			waiter.onPosition(position);
		} catch {
			// one listener's bug must not stop the line
		}
	}
}
