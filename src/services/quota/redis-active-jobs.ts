import type { Redis } from 'ioredis';
import { ACTIVE_JOBS_PREFIX } from '../cluster/names.js';
import { retryQuietly } from '../retry-quietly.js';

/**
 * Lua, shared with the admission script (`redis-admission.ts`): prunes the lapsed slots of KEYS[1]
 * (the member's jobs, each scored by when its slot lapses) and reads whether job ARGV[1] holds one
 * (`slotHeld`) and how many are held (`slotCount`).
 */
export const SLOT_READ = `
local slotTime = redis.call('TIME')
local slotNowMs = tonumber(slotTime[1]) * 1000 + math.floor(tonumber(slotTime[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', slotNowMs)
local slotHeld = redis.call('ZSCORE', KEYS[1], ARGV[1])
local slotCount = redis.call('ZCARD', KEYS[1])
`;

/** Lua, after `SLOT_READ`: job ARGV[1] takes a slot that lapses ARGV[3] ms from now. */
export const SLOT_TAKE = `
redis.call('ZADD', KEYS[1], slotNowMs + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
`;

/**
 * `MAX_ACTIVE_JOBS_PER_USER` across every process on one Redis: each member's unfinished jobs are
 * a sorted set, taken together with the quota in one script (`RedisAdmission`). The slot is released by whichever process ends the job; one
 * left by a job lost with its process lapses `lifeMs` after it was taken.
 */
export class RedisActiveJobs {
	constructor(
		private readonly redis: Redis,
		readonly maxPerUser: number,
		/** How long a slot outlives its job's process. */
		readonly lifeMs: number,
	) {}

	/** The job has ended: its slot is free (once; later calls do nothing). */
	release(userId: string, jobId: string): void {
		void retryQuietly(() => this.redis.zrem(ACTIVE_JOBS_PREFIX + userId, jobId));
	}
}
