import { UserError } from '../user-error.js';
import type { WriteBehind } from '../store/write-behind.js';

/** One user's usage in the current window. */
export interface QuotaRecord {
	windowStart: number;
	used: number;
}

/** What a reservation took; hand it back to `refund` when the generation fails. */
export interface Reservation {
	userId: string;
	amount: number;
	windowStart: number;
}

export interface QuotaStatus {
	limit: number;
	used: number;
	remaining: number;
	resetsAt: Date;
}

export class QuotaExceededError extends UserError {
	constructor(
		readonly status: QuotaStatus,
		readonly requested: number,
	) {
		super('QuotaExceeded', '');
		this.message = `This needs ${requested} s of video; you have ${status.remaining} s of your ${status.limit} s left.`;
	}
}

export const QUOTA_KEY_PREFIX = 'quota:video:';

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
	private readonly records = new Map<string, QuotaRecord>();
	private operations = 0;

	constructor(
		private readonly writer: WriteBehind,
		private readonly limit: number,
		private readonly windowMs: number,
		private readonly now: () => number = () => Date.now(),
	) {}

	/** Takes the live records a scan of the store found (see `scanStore`). Call once, before serving. */
	load(records: Iterable<[userId: string, record: QuotaRecord]>): this {
		for (const [userId, record] of records) this.records.set(userId, record);
		return this;
	}

	status(userId: string): QuotaStatus {
		return this.toStatus(this.current(userId));
	}

	/** Takes `amount` from the user's window, or throws `QuotaExceededError` and takes nothing. */
	reserve(userId: string, amount: number, _jobId?: string): Reservation {
		const record = this.current(userId);
		if (record.used + amount > this.limit) throw new QuotaExceededError(this.toStatus(record), amount);
		this.records.set(userId, { windowStart: record.windowStart, used: record.used + amount });
		this.persist(userId);
		if (++this.operations % 1000 === 0) this.sweep();
		return { userId, amount, windowStart: record.windowStart };
	}

	/** Gives a reservation back, unless its window has already reset. */
	refund(reservation: Reservation): void {
		const record = this.current(reservation.userId);
		if (record.windowStart !== reservation.windowStart) return;
		this.records.set(reservation.userId, { ...record, used: Math.max(0, record.used - reservation.amount) });
		this.persist(reservation.userId);
	}


	/** Forgets records whose window has ended (their store entries expire by TTL). */
	private sweep(): void {
		const now = this.now();
		for (const [userId, record] of this.records) if (now >= record.windowStart + this.windowMs) this.records.delete(userId);
	}

	private current(userId: string): QuotaRecord {
		const record = this.records.get(userId);
		if (record && this.now() < record.windowStart + this.windowMs) return record;
		if (record) this.records.delete(userId);
		return { windowStart: this.now(), used: 0 };
	}

	/** Queues the user's record for the store; the writer reports a failed write. */
	private persist(userId: string): void {
		const record = this.records.get(userId)!;
		void this.writer.write(`${QUOTA_KEY_PREFIX}${userId}`, () => this.records.get(userId), record.windowStart + this.windowMs - this.now());
	}

	private toStatus(record: QuotaRecord): QuotaStatus {
		return {
			limit: this.limit,
			used: record.used,
			remaining: Math.max(0, this.limit - record.used),
			resetsAt: new Date(record.windowStart + this.windowMs),
		};
	}
}
