import { PlaceReports, type PlaceListener } from './place-reports.js';
import type { AcquireOptions } from './wait-line.js';

interface Waiter extends PlaceListener {
	group: string;
	grant: () => void;
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
	private readonly places: PlaceReports<Waiter>;

	constructor(
		readonly capacity: number,
		positionIntervalMs = 1_000,
	) {
		if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, got ${capacity}`);
		this.places = new PlaceReports(positionIntervalMs, () => this.order());
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
				this.places.changed();
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
				this.places.tell(waiter, this.positionOf(waiter));
				// A newcomer from another server may go ahead of some already waiting: they are told too.
				this.places.changed();
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
		if (granted) this.places.changed();
	}
}
