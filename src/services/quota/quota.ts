import { text, type Param } from '../../i18n/index.js';
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
	/** The member's subject (`<guild id | dm>:<user id>`; a bare user id in records from before servers had their own quotas). */
	userId: string;
	jobId: string;
	amount: number;
	windowStart: number;
	/** Taken before reservations were keyed by job: it is part of the user's `legacy` charge. */
	legacy?: boolean;
	/** The same amount taken from shared budgets at once (the server's, the bot's), each in its own window. */
	shared?: Array<{ subject: string; windowStart: number }>;
}

/** One budget a reservation must fit: the member's own, the server's, the bot's. */
export interface Claim {
	subject: string;
	limit: number;
	scope: 'member' | 'server' | 'bot';
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
	/** `5 s`, `2 images`, in the reader's language. */
	amount(n: number): Param;
	/** What a request needs: `5 s of video`, `2 images`. */
	need(n: number): Param;
}

export const VIDEO_SECONDS: QuotaUnit = { keyPrefix: 'quota:video:', amount: (n) => ({ seconds: n }), need: (n) => text('unit.secondsOfVideo', { seconds: { seconds: n } }) };
export const IMAGES: QuotaUnit = { keyPrefix: 'quota:image:', amount: (n) => text('unit.images', { count: n }), need: (n) => text('unit.images', { count: n }) };

export class QuotaExceededError extends UserError {
	constructor(
		readonly status: QuotaStatus,
		readonly requested: number,
		unit: QuotaUnit = VIDEO_SECONDS,
	) {
		super('QuotaExceeded', 'refusal.quotaExceeded', { need: unit.need(requested), left: unit.amount(status.remaining), limit: unit.amount(status.limit) });
	}
}

/** A shared budget (the server's, or the bot's across every server) has no room for the request. */
export class BudgetExceededError extends UserError {
	constructor(
		readonly scope: 'server' | 'bot',
		readonly status: QuotaStatus,
		readonly requested: number,
		unit: QuotaUnit = VIDEO_SECONDS,
	) {
		super('BudgetExceeded', scope === 'server' ? 'refusal.serverBudget' : 'refusal.botBudget', { need: unit.need(requested), left: unit.amount(status.remaining), limit: unit.amount(status.limit) });
	}
}

/** The member's quota subject: quotas are per member per server (`dm` outside servers). */
export function memberSubject(userId: string, guildId: string | null): string {
	return `${guildId ?? 'dm'}:${userId}`;
}
export const SERVER_SUBJECT_PREFIX = 'server:';
export const BOT_SUBJECT = 'bot';

export const QUOTA_KEY_PREFIX = VIDEO_SECONDS.keyPrefix;

/**
 * What callers use of a quota, wherever it is kept: in this process (`QuotaService`, the default)
 * or in Redis shared by every process (`RedisQuota`). Await every call: only the Redis one is async.
 */
export interface QuotaBook {
	readonly unit: QuotaUnit;
	/** Takes `amount` from every claim's window at once, or throws for the first with no room and takes nothing. */
	reserveAll(claims: readonly Claim[], amount: number, jobId: string): Reservation | Promise<Reservation>;
	/** Gives a reservation back (once), unless its window has reset. */
	refund(reservation: Reservation): void | Promise<void>;
	/** Keeps only `amount` of a reservation. */
	settle(reservation: Reservation, amount: number): void | Promise<void>;
	status(subject: string, limit?: number): QuotaStatus | Promise<QuotaStatus>;
}

/**
 * Per-user seconds of video per fixed window (it starts with the user's first request). Reserve
 * before submitting, keep on success, refund on failure: RelayDance never bills a failure, so
 * neither does the bot.
 *
 * The process holds every live record in memory (loaded from Keyv at start) and decides there,
 * synchronously: a reservation is atomic within the process without a lock, and costs no store
 * round trip before the interaction is deferred. Each change is then written to Keyv behind the
 * decision (batched, in order), so quotas survive a restart. Several processes on one Redis use
 * `RedisQuota` instead, which decides in Redis.
 */
export class QuotaService implements QuotaBook {
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
			const charges = Object.assign(newCharges(), record.charges);
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

	status(subject: string, limit = this.limit): QuotaStatus {
		return this.toStatus(this.current(subject), limit);
	}

	/** Takes `amount` from the subject's window for `jobId`, or throws `QuotaExceededError` and takes nothing. */
	reserve(subject: string, amount: number, jobId: string, limit = this.limit): Reservation {
		return this.reserveAll([{ subject, limit, scope: 'member' }], amount, jobId);
	}

	/**
	 * Takes `amount` from every claim's window at once (the member's first), or throws for the first
	 * that has no room and takes nothing: one synchronous step, so concurrent requests in this
	 * process cannot overspend any of them.
	 */
	reserveAll(claims: readonly Claim[], amount: number, jobId: string): Reservation {
		const records = claims.map((claim) => this.current(claim.subject));
		claims.forEach((claim, index) => {
			const record = records[index]!;
			if (record.used + amount - (record.charges[jobId] ?? 0) <= claim.limit) return;
			const status = this.toStatus(record, claim.limit);
			if (claim.scope === 'member') throw new QuotaExceededError(status, amount, this.unit);
			throw new BudgetExceededError(claim.scope, status, amount, this.unit);
		});
		claims.forEach((claim, index) => {
			const record = records[index]!;
			record.used += amount - (record.charges[jobId] ?? 0);
			record.charges[jobId] = amount;
			this.records.set(claim.subject, record);
			this.persist(claim.subject);
		});
		if (++this.operations % 1000 === 0) this.sweep();
		const [first, ...rest] = claims;
		return {
			userId: first!.subject,
			jobId,
			amount,
			windowStart: records[0]!.windowStart,
			...(rest.length > 0 && { shared: rest.map((claim, index) => ({ subject: claim.subject, windowStart: records[index + 1]!.windowStart })) }),
		};
	}

	/**
	 * Gives a reservation back, unless its window has already reset. Refunding twice gives back
	 * once. A reservation from before charges were keyed by job comes out of the `legacy` charge.
	 */
	refund(reservation: Reservation): void {
		for (const shared of reservation.shared ?? []) this.takeBack(shared.subject, shared.windowStart, reservation.jobId, false);
		this.takeBack(reservation.userId, reservation.windowStart, reservation.jobId, reservation.legacy === true, reservation.amount);
		reservation.legacy = false;
	}

	private takeBack(subject: string, windowStart: number, jobId: string, legacy: boolean, legacyAmount = 0): void {
		const record = this.records.get(subject);
		if (!record || record.windowStart !== windowStart) return;
		const key = jobId in record.charges ? jobId : 'legacy' in record.charges && legacy ? 'legacy' : undefined;
		if (!key) return;
		const amount = key === 'legacy' ? Math.min(legacyAmount, record.charges.legacy!) : record.charges[key]!;
		record.used -= amount;
		record.charges[key]! -= amount;
		if (record.charges[key] === 0) delete record.charges[key];
		this.persist(subject);
	}

	/**
	 * Keeps only `amount` of a reservation (a partial result: 3 images of 4 made charge 3). Does
	 * nothing once its window has reset, or when it holds no more than that already.
	 */
	settle(reservation: Reservation, amount: number): void {
		const subjects = [{ subject: reservation.userId, windowStart: reservation.windowStart }, ...(reservation.shared ?? [])];
		for (const { subject, windowStart } of subjects) {
			const record = this.records.get(subject);
			const held = record?.charges[reservation.jobId];
			if (!record || record.windowStart !== windowStart || held === undefined || held <= amount) continue;
			record.used -= held - amount;
			if (amount > 0) record.charges[reservation.jobId] = amount;
			else delete record.charges[reservation.jobId];
			this.persist(subject);
		}
		reservation.amount = Math.min(reservation.amount, amount);
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
		return { windowStart: this.now(), charges: newCharges(), used: 0 };
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

	private toStatus(record: { windowStart: number; used: number }, limit = this.limit): QuotaStatus {
		const { used } = record;
		return {
			limit,
			used,
			remaining: Math.max(0, limit - used),
			resetsAt: new Date(record.windowStart + this.windowMs),
		};
	}
}

/**
 * An empty record of charges by job id. Without a prototype V8 keeps it as a hash table from the
 * start: a literal `{}` given a fresh job id (a UUID) as its first key grows a new hidden class per
 * job, which made each reservation slower as a process served more members.
 */
function newCharges(): Record<string, number> {
	return Object.create(null) as Record<string, number>;
}

function sum(charges: Record<string, number>): number {
	let used = 0;
	for (const amount of Object.values(charges)) used += amount;
	return used;
}
