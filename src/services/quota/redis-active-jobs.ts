import type { Redis } from 'ioredis';
import { ACTIVE_JOBS_PREFIX } from '../cluster/names.js';
import { retryQuietly } from '../retry-quietly.js';
import { tooManyActiveJobs } from './active-jobs.js';

/**
 * KEYS[1]: the member's jobs, each scored by when its slot lapses. ARGV: job id, the limit, a
 * slot's life (ms). Slots past their life go first. Answers -1 when taken, else how many run.
 */
const ACQUIRE = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMs)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return -1 end
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[2]) then return count end
redis.call('ZADD', KEYS[1], nowMs + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return -1
`;

type ActiveRedis = Redis & { acquireActiveJob(key: string, jobId: string, limit: number, lifeMs: number): Promise<number> };

/**
 * `MAX_ACTIVE_JOBS_PER_USER` across every process on one Redis: each member's unfinished jobs are
 * a sorted set, taken in one script. The slot is released by whichever process ends the job; one
 * left by a job lost with its process lapses `lifeMs` after it was taken.
 */
export class RedisActiveJobs {
	private readonly redis: ActiveRedis;

	constructor(
		redis: Redis,
		private readonly maxPerUser: number,
		private readonly lifeMs: number,
	) {
		if (!('acquireActiveJob' in redis)) redis.defineCommand('acquireActiveJob', { numberOfKeys: 1, lua: ACQUIRE });
		this.redis = redis as ActiveRedis;
	}

	/** Takes a slot for the job or throws `TooManyActiveJobs`; the function returned gives it back. */
	async acquire(userId: string, jobId: string): Promise<() => void> {
		const count = await this.redis.acquireActiveJob(ACTIVE_JOBS_PREFIX + userId, jobId, this.maxPerUser, this.lifeMs).catch((error: unknown) => {
			// No answer is not "not taken": the script may have run. The slot is given back.
			void retryQuietly(() => this.redis.zrem(ACTIVE_JOBS_PREFIX + userId, jobId));
			throw error;
		});
		if (count >= 0) throw tooManyActiveJobs(count, this.maxPerUser);
		return () => this.release(userId, jobId);
	}

	/** The job has ended: its slot is free (once; later calls do nothing). */
	release(userId: string, jobId: string): void {
		void retryQuietly(() => this.redis.zrem(ACTIVE_JOBS_PREFIX + userId, jobId));
	}
}
