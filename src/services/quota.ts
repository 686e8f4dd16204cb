import type { Keyv } from 'keyv';
import { KeyedMutex } from './keyed-mutex.js';
import { UserError } from './user-error.js';

/** One user's usage in the current window. */
interface QuotaRecord {
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

/**
 * Per-user seconds of video per fixed window (it starts with the user's first request), kept in
 * Keyv. Reserve before submitting, keep on success, refund on failure: RelayDance never bills a
 * failure, so neither does the bot. Within one process a per-user lock makes reserve atomic;
 * across shards the store itself must provide atomicity (see README, "Quotas").
 */
export class QuotaService {
	private readonly lock = new KeyedMutex();

	constructor(
		private readonly store: Keyv,
		private readonly limit: number,
		private readonly windowMs: number,
		private readonly now: () => number = () => Date.now(),
	) {}

	status(userId: string): Promise<QuotaStatus> {
		return this.lock.run(userId, async () => this.toStatus(await this.current(userId)));
	}

	/** Takes `amount` from the user's window, or throws `QuotaExceededError` and takes nothing. */
	reserve(userId: string, amount: number): Promise<Reservation> {
		return this.lock.run(userId, async () => {
			const record = await this.current(userId);
			if (record.used + amount > this.limit) throw new QuotaExceededError(this.toStatus(record), amount);
			record.used += amount;
			await this.save(userId, record);
			return { userId, amount, windowStart: record.windowStart };
		});
	}

	/** Gives a reservation back, unless its window has already reset. */
	refund(reservation: Reservation): Promise<void> {
		return this.lock.run(reservation.userId, async () => {
			const record = await this.current(reservation.userId);
			if (record.windowStart !== reservation.windowStart) return;
			record.used = Math.max(0, record.used - reservation.amount);
			await this.save(reservation.userId, record);
		});
	}

	private async current(userId: string): Promise<QuotaRecord> {
		const stored = await this.store.get<QuotaRecord>(key(userId));
		const now = this.now();
		if (!stored || now >= stored.windowStart + this.windowMs) return { windowStart: now, used: 0 };
		return stored;
	}

	private save(userId: string, record: QuotaRecord): Promise<boolean> {
		const ttl = record.windowStart + this.windowMs - this.now();
		return this.store.set(key(userId), record, Math.max(ttl, 1));
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

const key = (userId: string) => `quota:video:${userId}`;
