import type { Redis } from 'ioredis';
import { ACTIVE_JOBS_PREFIX, ADMITTED_KEY } from '../cluster/names.js';
import { retryQuietly } from '../retry-quietly.js';
import type { JobKind } from '../jobs/job.js';
import type { AdmissionRequest, Admitted, JobAdmission } from './admission.js';
import { tooManyActiveJobs } from './active-jobs.js';
import { SLOT_READ, SLOT_TAKE, type RedisActiveJobs } from './redis-active-jobs.js';
import { reserveLua, reservationOf, type RedisQuota } from './redis-quota.js';

/**
 * KEYS[1]: the member's slots; KEYS[2]: the admitted jobs (`ADMITTED_KEY`); KEYS[3…]: the claims'
 * quota hashes. ARGV: job id, the member's slot limit, a slot's life (ms), now, windowMs, amount,
 * each claim's limit, then the job as admitted (JSON, or empty). Answers {-1, running} when the
 * member has no free slot, {0, …} when a claim has no room (both take nothing), else
 * {1, window starts…} with the slot and every claim taken, and the job kept with its window starts.
 */
const ADMIT = `${SLOT_READ}
if not slotHeld and slotCount >= tonumber(ARGV[2]) then return {-1, slotCount} end
${reserveLua(
	{ keyFrom: 3, jobId: 1, now: 4, windowMs: 5, amount: 6, limitFrom: 7 },
	`${SLOT_TAKE}
local admittedJob = ARGV[#ARGV]
if admittedJob ~= '' then
  local startsText = {}
  for i = 1, #starts do startsText[i] = string.format('%.0f', starts[i]) end
  redis.call('HSET', KEYS[2], ARGV[1], table.concat(startsText, ',') .. '|' .. admittedJob)
end`,
)}`;

type AdmissionRedis = Redis & { admitJob(...args: Array<string | number>): Promise<number[]> };

/**
 * On Redis: the member's slot (`RedisActiveJobs`) and the reservation (`RedisQuota`) in one script,
 * one round trip before the deferral. Released and refunded through those two as before.
 */
export class RedisAdmission implements JobAdmission {
	private readonly redis: AdmissionRedis;

	constructor(
		redis: Redis,
		private readonly slots: RedisActiveJobs,
		private readonly quotas: Record<JobKind, RedisQuota>,
	) {
		if (!('admitJob' in redis)) redis.defineCommand('admitJob', { lua: ADMIT });
		this.redis = redis as AdmissionRedis;
	}

	async admit({ userId, jobId, kind, claims, amount, admitted }: AdmissionRequest): Promise<Admitted> {
		const quota = this.quotas[kind];
		const keys = [ACTIVE_JOBS_PREFIX + userId, ADMITTED_KEY, ...quota.keysOf(claims)];
		const limits = claims.map((claim) => claim.limit);
		const kept = admitted ? JSON.stringify(admitted()) : '';
		const reply = await this.redis.admitJob(keys.length, ...keys, jobId, this.slots.maxPerUser, this.slots.lifeMs, quota.now(), quota.windowMs, amount, ...limits, kept).catch((error: unknown) => {
			// No answer is not "nothing taken": the script may have run. The slot and the charge are given back.
			this.slots.release(userId, jobId);
			quota.forget(claims, jobId);
			if (kept) void retryQuietly(() => this.redis.hdel(ADMITTED_KEY, jobId));
			throw error;
		});
		if (reply[0] === -1) throw tooManyActiveJobs(reply[1]!, this.slots.maxPerUser);
		return { reservation: reservationOf(reply, claims, amount, jobId, quota.unit, quota.windowMs), release: () => this.slots.release(userId, jobId) };
	}
}
