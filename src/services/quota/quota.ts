import { UserError } from '../user-error.js';
import type { WriteBehind } from '../store/write-behind.js';

/**
 * One user's usage in the current window: what each job took, by job id. A reservation is keyed by
 * its job, so a restarted process can drop any reservation whose job never made it to the store.
 */
export interface QuotaRecord {
	windowStart: number;
	charges: Record<string, number>;
	/** Records written before reservations were keyed by job (kept as they are). */
	used?: number;
}

/** What a reservation took; hand it back to `refund` when the generation fails. */
export interface Reservation {
	userId: string;
	jobId: string;
	amount: number;
	windowStart: number;
	/** Taken before reservations were keyed by job: it is part of the user's `legacy` charge. */
	legacy?: boolean;
}

export interface QuotaStatus {
	limit: number;
	used: number;
	remaining: number;
	resetsAt: Date;
}

/** What a quota counts, and how an amount of it reads. */
export interface QuotaUnit {
	/** The store key prefix of its records: `quota:video:`, `quota:image:`. */
	keyPrefix: string;
	/** `5 s`, `2 images`. */
	amount(n: number): string;
	/** What a request needs: `5 s of video`, `2 images`. */
	need(n: number): string;
}

export const VIDEO_SECONDS: QuotaUnit = { keyPrefix: 'quota:video:', amount: (n) => `${n} s`, need: (n) => `${n} s of video` };
export const IMAGES: QuotaUnit = { keyPrefix: 'quota:image:', amount: (n) => `${n} image${n === 1 ? '' : 's'}`, need: (n) => `${n} image${n === 1 ? '' : 's'}` };

export class QuotaExceededError extends UserError {
	constructor(
		readonly status: QuotaStatus,
		readonly requested: number,
		unit: QuotaUnit = VIDEO_SECONDS,
	) {
		super('QuotaExceeded', '');
		this.message = `This needs ${unit.need(requested)}; you have ${unit.amount(status.remaining)} of your ${unit.amount(status.limit)} left.`;
	}
}

export const QUOTA_KEY_PREFIX = VIDEO_SECONDS.keyPrefix;

/**
 * Per-user seconds of video per fixed window (it starts with the user's first request). Reserve
 * before submitting, keep on success, refund on failure: RelayDance never bills a failure, so
 * neither does the bot.
 *
 * The process holds every live record in memory (loaded from Keyv at start) and decides there,
 * synchronously: a reservation is atomic within the process without a lock, and costs no store
 * round trip before the interaction is deferred. Each change is then written to Keyv behind the
 * decision (batched, in order), so quotas survive a restart. Across shards this is not atomic:
 * see README, "Quotas".
 */
export class QuotaService {
	/** Each live record, with its charges summed (`used`) so a decision never walks them. */
	private readonly records = new Map<string, { windowStart: number; charges: Record<string, number>; used: number }>();
	private operations = 0;

	constructor(
		private readonly writer: WriteBehind,
		private readonly limit: number,
		private readonly windowMs: number,
		private readonly now: () => number = () => Date.now(),
		readonly unit: QuotaUnit = VIDEO_SECONDS,
	) {}

	/** Takes the live records a scan of the store found (see `scanStore`). Call once, before serving. */
	load(records: Iterable<[userId: string, record: QuotaRecord]>): this {
		for (const [userId, record] of records) {
			const charges = { ...record.charges };
			if (record.used) charges.legacy = (charges.legacy ?? 0) + record.used;
			this.records.set(userId, { windowStart: record.windowStart, charges, used: sum(charges) });
		}
		return this;
	}

	/**
	 * Drops every reservation whose job is not live (unknown to the store, or already refunded):
	 * a process that died between reserving and saving its job leaves no seconds taken.
	 * Returns the reservations dropped.
	 */
	reconcile(isLive: (jobId: string, userId: string) => boolean): Reservation[] {
		const dropped: Reservation[] = [];
		for (const [userId, record] of this.records) {
			for (const [jobId, amount] of Object.entries(record.charges)) {
				if (jobId === 'legacy' || isLive(jobId, userId)) continue;
				delete record.charges[jobId];
				record.used -= amount;
				dropped.push({ userId, jobId, amount, windowStart: record.windowStart });
			}
			if (dropped.some((reservation) => reservation.userId === userId)) this.persist(userId);
		}
		return dropped;
	}

	status(userId: string): QuotaStatus {
		return this.toStatus(this.current(userId));
	}

	/** Takes `amount` from the user's window for `jobId`, or throws `QuotaExceededError` and takes nothing. */
	reserve(userId: string, amount: number, jobId: string): Reservation {
		const record = this.current(userId);
		if (record.used + amount > this.limit) throw new QuotaExceededError(this.toStatus(record), amount, this.unit);
		record.used += amount - (record.charges[jobId] ?? 0);
		record.charges[jobId] = amount;
		this.records.set(userId, record);
		this.persist(userId);
		if (++this.operations % 1000 === 0) this.sweep();
		return { userId, jobId, amount, windowStart: record.windowStart };
	}

	/**
	 * Gives a reservation back, unless its window has already reset. Refunding twice gives back
	 * once. A reservation from before charges were keyed by job comes out of the `legacy` charge.
	 */
	refund(reservation: Reservation): void {
		const record = this.records.get(reservation.userId);
		if (!record || record.windowStart !== reservation.windowStart) return;
		const key = reservation.jobId in record.charges ? reservation.jobId : 'legacy' in record.charges && reservation.legacy ? 'legacy' : undefined;
		if (!key) return;
		const amount = key === 'legacy' ? Math.min(reservation.amount, record.charges.legacy!) : record.charges[key]!;
		record.used -= amount;
		record.charges[key]! -= amount;
		if (record.charges[key] === 0) delete record.charges[key];
		reservation.legacy = false;
		this.persist(reservation.userId);
	}

	/**
	 * Keeps only `amount` of a reservation (a partial result: 3 images of 4 made charge 3). Does
	 * nothing once its window has reset, or when it holds no more than that already.
	 */
	settle(reservation: Reservation, amount: number): void {
		const record = this.records.get(reservation.userId);
		const held = record?.charges[reservation.jobId];
		if (!record || record.windowStart !== reservation.windowStart || held === undefined || held <= amount) return;
		record.used -= held - amount;
		if (amount > 0) record.charges[reservation.jobId] = amount;
		else delete record.charges[reservation.jobId];
		reservation.amount = amount;
		this.persist(reservation.userId);
	}

	/** Forgets records whose window has ended (their store entries expire by TTL). */
	private sweep(): void {
		const now = this.now();
		for (const [userId, record] of this.records) if (now >= record.windowStart + this.windowMs) this.records.delete(userId);
	}

	private current(userId: string) {
		const record = this.records.get(userId);
		if (record && this.now() < record.windowStart + this.windowMs) return record;
		if (record) this.records.delete(userId);
		return { windowStart: this.now(), charges: {} as Record<string, number>, used: 0 };
	}

	/** Queues the user's record for the store; the writer reports a failed write. */
	private persist(userId: string): void {
		const record = this.records.get(userId)!;
		const stored = (): QuotaRecord | undefined => {
			const current = this.records.get(userId);
			return current && { windowStart: current.windowStart, charges: current.charges };
		};
		void this.writer.write(`${this.unit.keyPrefix}${userId}`, stored, record.windowStart + this.windowMs - this.now());
	}

	private toStatus(record: { windowStart: number; used: number }): QuotaStatus {
		const { used } = record;
		return {
			limit: this.limit,
			used,
			remaining: Math.max(0, this.limit - used),
			resetsAt: new Date(record.windowStart + this.windowMs),
		};
	}
}

function sum(charges: Record<string, number>): number {
	let used = 0;
	for (const amount of Object.values(charges)) used += amount;
	return used;
}
