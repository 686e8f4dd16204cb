import type { Redis } from 'ioredis';
import { retryQuietly } from '../retry-quietly.js';
import { BudgetExceededError, QuotaExceededError, VIDEO_SECONDS, type Claim, type QuotaBook, type QuotaStatus, type QuotaUnit, type Reservation } from './quota.js';

/** The hash field holding a window's start (ms); `@used` holds the sum of its charges. Job ids never start with `@`. */
const WINDOW = '@window';
const USED = '@used';

/** Where a reservation script finds its inputs: the claims' hashes from KEYS[keyFrom], its values in ARGV. */
export interface ReserveSlots {
	keyFrom: number;
	now: number;
	windowMs: number;
	amount: number;
	jobId: number;
	/** ARGV index of the first claim's limit; the others follow in the order of the keys. */
	limitFrom: number;
}

/**
 * Lua: takes `amount` for `jobId` from every claim's window, or from none, and answers
 * {1, start1, start2, …} or {0, index of the claim with no room, its used, its start}. A window
 * that has ended starts again at `now`. `beforeWrites` runs once every claim has room, before
 * anything is taken (the admission script takes the member's slot there).
 */
export function reserveLua(at: ReserveSlots, beforeWrites = ''): string {
	return `
local now = tonumber(ARGV[${at.now}])
local windowMs = tonumber(ARGV[${at.windowMs}])
local amount = tonumber(ARGV[${at.amount}])
local jobId = ARGV[${at.jobId}]
local starts = {}
for i = 1, #KEYS - ${at.keyFrom - 1} do
  local key = KEYS[i + ${at.keyFrom - 1}]
  local start = tonumber(redis.call('HGET', key, '${WINDOW}'))
  if start == nil or now >= start + windowMs then
    redis.call('DEL', key)
    start = now
  end
  local used = tonumber(redis.call('HGET', key, '${USED}') or '0')
  local held = tonumber(redis.call('HGET', key, jobId) or '0')
  if used + amount - held > tonumber(ARGV[${at.limitFrom - 1} + i]) then
    return {0, i, used, start}
  end
  starts[i] = start
end
${beforeWrites}
local reply = {1}
for i = 1, #KEYS - ${at.keyFrom - 1} do
  local key = KEYS[i + ${at.keyFrom - 1}]
  local held = tonumber(redis.call('HGET', key, jobId) or '0')
  redis.call('HSET', key, '${WINDOW}', starts[i], jobId, amount)
  redis.call('HINCRBY', key, '${USED}', amount - held)
  redis.call('PEXPIREAT', key, starts[i] + windowMs)
  reply[i + 1] = starts[i]
end
return reply
`;
}

/** KEYS: the claims' hashes. ARGV: now, windowMs, amount, jobId, then each claim's limit. */
const RESERVE = reserveLua({ keyFrom: 1, now: 1, windowMs: 2, amount: 3, jobId: 4, limitFrom: 5 });

/**
 * Lowers `jobId`'s charge in each hash whose window is still the one it was taken in, to at most
 * ARGV[1] (0: the charge goes). KEYS: the hashes. ARGV: keep, jobId, then each key's window start.
 */
const LOWER = `
local keep = tonumber(ARGV[1])
local jobId = ARGV[2]
for i, key in ipairs(KEYS) do
  local held = tonumber(redis.call('HGET', key, jobId))
  if held ~= nil and tonumber(redis.call('HGET', key, '${WINDOW}')) == tonumber(ARGV[2 + i]) and held > keep then
    if keep > 0 then redis.call('HSET', key, jobId, keep) else redis.call('HDEL', key, jobId) end
    redis.call('HINCRBY', key, '${USED}', keep - held)
  end
end
return 1
`;

/** Takes `jobId`'s charge out of each hash, whatever its window. KEYS: the hashes. ARGV: jobId. */
const FORGET = `
for i, key in ipairs(KEYS) do
  local held = tonumber(redis.call('HGET', key, ARGV[1]))
  if held ~= nil then
    redis.call('HDEL', key, ARGV[1])
    redis.call('HINCRBY', key, '${USED}', -held)
  end
end
return 1
`;

/**
 * Puts `jobId`'s charge back after Redis lost its data, in each hash whose window is the one it was
 * taken in (or that has no window yet: it starts at that one again) and that does not hold it
 * already. A window that ended, or that started again since, is left alone. KEYS: the hashes.
 * ARGV: amount, jobId, windowMs, now, then each key's window start. Answers how many took it.
 */
const RESTORE = `
local amount = tonumber(ARGV[1])
local jobId = ARGV[2]
local windowMs = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local restored = 0
for i, key in ipairs(KEYS) do
  local start = tonumber(ARGV[4 + i])
  if now < start + windowMs then
    local current = tonumber(redis.call('HGET', key, '${WINDOW}'))
    if current == nil then
      redis.call('HSET', key, '${WINDOW}', start)
      redis.call('PEXPIREAT', key, start + windowMs)
      current = start
    end
    if current == start and redis.call('HEXISTS', key, jobId) == 0 then
      redis.call('HSET', key, jobId, amount)
      redis.call('HINCRBY', key, '${USED}', amount)
      restored = restored + 1
    end
  end
end
return restored
`;

type QuotaRedis = Redis & {
	restoreQuota(...args: Array<string | number>): Promise<number>;
	forgetQuota(...args: Array<string | number>): Promise<number>;
	reserveQuota(...args: Array<string | number>): Promise<number[]>;
	lowerQuota(...args: Array<string | number>): Promise<number>;
};

/** Where a unit's hashes live in Redis: `rd:quota:video:<subject>`. */
export function quotaHashPrefix(unit: QuotaUnit): string {
	return `rd:${unit.keyPrefix}`;
}

/**
 * The quotas of `QuotaService`, kept in Redis so every process (gateways taking requests, workers
 * refunding and settling them) decides against one set of figures: each subject's window is one
 * hash (`@window`, `@used`, and one field per job's charge), and a reservation over several
 * budgets is one Lua script, so no two processes can both take the last seconds.
 */
export class RedisQuota implements QuotaBook {
	private readonly redis: QuotaRedis;
	private readonly prefix: string;

	constructor(
		redis: Redis,
		private readonly limit: number,
		readonly windowMs: number,
		readonly unit: QuotaUnit = VIDEO_SECONDS,
		readonly now: () => number = () => Date.now(),
	) {
		if (!('reserveQuota' in redis)) {
			redis.defineCommand('reserveQuota', { lua: RESERVE });
			redis.defineCommand('lowerQuota', { lua: LOWER });
			redis.defineCommand('forgetQuota', { lua: FORGET });
			redis.defineCommand('restoreQuota', { lua: RESTORE });
		}
		this.redis = redis as QuotaRedis;
		this.prefix = quotaHashPrefix(unit);
	}

	async reserveAll(claims: readonly Claim[], amount: number, jobId: string): Promise<Reservation> {
		const keys = this.keysOf(claims);
		const reply = await this.redis.reserveQuota(keys.length, ...keys, this.now(), this.windowMs, amount, jobId, ...claims.map((claim) => claim.limit)).catch((error: unknown) => {
			// No answer is not "nothing taken": the script may have run. What it took is given back.
			this.forget(claims, jobId);
			throw error;
		});
		return reservationOf(reply, claims, amount, jobId, this.unit, this.windowMs);
	}

	/** The claims' hashes, in order. */
	keysOf(claims: readonly Claim[]): string[] {
		return claims.map((claim) => this.prefix + claim.subject);
	}

	/** Takes whatever `jobId` holds out of the claims' hashes, retried in the background: for a script that may or may not have run. */
	forget(claims: readonly Claim[], jobId: string): void {
		const keys = this.keysOf(claims);
		void retryQuietly(() => this.redis.forgetQuota(keys.length, ...keys, jobId));
	}

	async refund(reservation: Reservation): Promise<void> {
		await this.lower(reservation, 0);
	}

	async settle(reservation: Reservation, amount: number): Promise<void> {
		await this.lower(reservation, amount);
		reservation.amount = Math.min(reservation.amount, amount);
	}

	/** Takes a reservation again after Redis lost it with its data (see `RESTORE`). */
	async restore(reservation: Reservation): Promise<void> {
		const held = [{ subject: reservation.userId, windowStart: reservation.windowStart }, ...(reservation.shared ?? [])];
		await this.redis.restoreQuota(held.length, ...held.map((entry) => this.prefix + entry.subject), reservation.amount, reservation.jobId, this.windowMs, this.now(), ...held.map((entry) => String(entry.windowStart)));
	}

	async status(subject: string, limit = this.limit): Promise<QuotaStatus> {
		const [start, used] = await this.redis.hmget(this.prefix + subject, WINDOW, USED);
		const windowStart = start === null ? undefined : Number(start);
		if (windowStart === undefined || this.now() >= windowStart + this.windowMs) return this.toStatus(this.now(), 0, limit);
		return this.toStatus(windowStart, Number(used ?? 0), limit);
	}

	private async lower(reservation: Reservation, keep: number): Promise<void> {
		const held = [{ subject: reservation.userId, windowStart: reservation.windowStart }, ...(reservation.shared ?? [])];
		await this.redis.lowerQuota(held.length, ...held.map((entry) => this.prefix + entry.subject), keep, reservation.jobId, ...held.map((entry) => String(entry.windowStart)));
	}

	private toStatus(windowStart: number, used: number, limit: number): QuotaStatus {
		return { limit, used, remaining: Math.max(0, limit - used), resetsAt: new Date(windowStart + this.windowMs) };
	}
}

/**
 * What a reservation script answered (`reserveLua`), as a reservation, or the refusal of the first
 * claim with no room: `QuotaExceededError` for the member's own, `BudgetExceededError` for a shared one.
 */
export function reservationOf(reply: number[], claims: readonly Claim[], amount: number, jobId: string, unit: QuotaUnit, windowMs: number): Reservation {
	if (reply[0] === 0) {
		const claim = claims[reply[1]! - 1]!;
		const used = reply[2]!;
		const status: QuotaStatus = { limit: claim.limit, used, remaining: Math.max(0, claim.limit - used), resetsAt: new Date(reply[3]! + windowMs) };
		if (claim.scope === 'member') throw new QuotaExceededError(status, amount, unit);
		throw new BudgetExceededError(claim.scope, status, amount, unit);
	}
	const [first, ...rest] = claims;
	return {
		userId: first!.subject,
		jobId,
		amount,
		windowStart: reply[1]!,
		...(rest.length > 0 && { shared: rest.map((claim, index) => ({ subject: claim.subject, windowStart: reply[index + 2]! })) }),
	};
}
