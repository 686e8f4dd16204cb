import type { Redis } from 'ioredis';
import { answerWithin, AWAY } from '../store/store-away.js';
import { JOB_META_PREFIX, OPEN_JOBS_KEY } from './names.js';

/**
 * One job record write, decided in Redis in the same script that makes it (as BullMQ's own
 * `moveToFinished` checks the lock token where it ends the job):
 * - a writer holding a claim writes only while the job's fence is still that claim: a worker that
 *   stopped answering and lost the job to another writes nothing (a fence gone with Redis's data is
 *   taken back by the first claim that writes);
 * - except `delivered`, which only a process that showed the result writes: what the member saw is
 *   the truth whoever holds the job now, and the holder's next write finds the record final;
 * - a final record (`delivered`, `failed`) is overwritten only by the same final state, and its
 *   meta says so (`final`): once `delivered`, no claim check passes, so no holder's message goes
 *   over a shown result;
 * - the set of open jobs, which the reconciler sweeps, follows the record.
 * KEYS: record, meta, open set. ARGV: the serialized record, its state, its job id, the claim ('' for none).
 * Answers 1 written, 0 another worker holds the job, 2 the record is final already.
 */
const WRITE = `
local claim = ARGV[4]
if claim ~= '' and ARGV[2] ~= 'delivered' then
  local fence = redis.call('HGET', KEYS[2], 'fence')
  if fence == false then
    redis.call('HSET', KEYS[2], 'fence', claim)
  elseif fence ~= claim then
    return 0
  end
end
local current = redis.call('GET', KEYS[1])
if current then
  local ok, stored = pcall(cjson.decode, current)
  if ok and type(stored) == 'table' and type(stored.value) == 'table' then
    local state = stored.value.state
    if (state == 'delivered' or state == 'failed') and state ~= ARGV[2] then return 2 end
  end
end
redis.call('SET', KEYS[1], ARGV[1])
if ARGV[2] == 'delivered' or ARGV[2] == 'failed' then
  redis.call('HSET', KEYS[2], 'final', ARGV[2])
  redis.call('SREM', KEYS[3], ARGV[3])
else
  redis.call('SADD', KEYS[3], ARGV[3])
end
return 1
`;

/**
 * A record written back after Redis lost its data, only where none is written yet (a worker that
 * holds the job writes a fresher one). KEYS: record, open set. ARGV: the serialized record, its job id.
 */
const RESTORE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
return 1
`;

/** A claim for the job: its fence, one higher than any before. KEYS: meta. */
const CLAIM = `return redis.call('HINCRBY', KEYS[1], 'fence', 1)`;

/** How long the job must surely stay this process's for it to show a result Redis has not confirmed. */
export const SHOWING_MS = 5_000;

export type WriteOutcome = 'written' | 'moved' | 'final';

type FenceRedis = Redis & {
	writeRecord(record: string, meta: string, open: string, value: string, state: string, jobId: string, claim: string): Promise<number>;
	claimJob(meta: string): Promise<number>;
	restoreRecord(record: string, open: string, value: string, jobId: string): Promise<number>;
};

export interface RecordWrite {
	jobId: string;
	/** The record's Redis key. */
	key: string;
	/** The record as the store's reader expects it (Keyv's serialization). */
	value: string;
	state: string;
}

/**
 * The fences of job records in Redis: a worker claims a job when it takes it, and every write of
 * the record carries the claim of the process writing it. Writes from a process that holds no claim
 * (a gateway creating or abandoning a job no worker has) are only held to the final-state rule.
 */
export class FencedRecords {
	private readonly redis: FenceRedis;
	/** Each job this process holds, with its claim. */
	private readonly claims = new Map<string, number>();
	/**
	 * Until when (this process's clock) each held job is surely still this process's, whatever Redis
	 * says or fails to say: its queue lock, taken or renewed, less a margin (see `JobWorker`). No
	 * other worker can take a job before its lock runs out.
	 */
	private readonly leases = new Map<string, number>();

	constructor(redis: Redis) {
		if (!('writeRecord' in redis)) {
			redis.defineCommand('writeRecord', { numberOfKeys: 3, lua: WRITE });
			redis.defineCommand('claimJob', { numberOfKeys: 1, lua: CLAIM });
			redis.defineCommand('restoreRecord', { numberOfKeys: 2, lua: RESTORE });
		}
		this.redis = redis as FenceRedis;
	}

	/** Takes the job for this process: from here, writes by whoever held it before are refused. */
	async claim(jobId: string): Promise<number> {
		const claim = await this.redis.claimJob(JOB_META_PREFIX + jobId);
		this.claims.set(jobId, claim);
		return claim;
	}

	/** This process is done with the job (ended, or put back): its writes carry no claim any more. */
	release(jobId: string): void {
		this.claims.delete(jobId);
		this.leases.delete(jobId);
	}

	/** The job's queue lock was taken or renewed: it stays this process's until `until` at least. */
	lease(jobId: string, until: number): void {
		if (this.claims.has(jobId)) this.leases.set(jobId, until);
	}

	/** Whether the job is surely this process's for `forMs` more, Redis unasked (see `leases`). */
	leaseHolds(jobId: string, forMs = 0): boolean {
		return Date.now() + forMs < (this.leases.get(jobId) ?? 0);
	}

	/** Ids of the jobs this process holds now. */
	held(): string[] {
		return [...this.claims.keys()];
	}

	/**
	 * A check of this process's claim on the job as it is now, for what is sent but not written (a
	 * progress edit): true while the fence is still that claim. Undefined when this process holds no
	 * claim on the job (a gateway's, or the line's places shown by a worker that does not run it).
	 */
	claimCheck(jobId: string): (() => Promise<boolean>) | undefined {
		const claim = this.claims.get(jobId);
		if (claim === undefined) return undefined;
		const meta = JOB_META_PREFIX + jobId;
		return async () => {
			const read = this.redis.hmget(meta, 'fence', 'final');
			const answer = await answerWithin(read);
			// Redis away: no other worker can take the job while this one's lock surely runs; past that, Redis must say.
			if (answer === AWAY && this.leaseHolds(jobId, SHOWING_MS)) {
				read.catch(() => {});
				return true;
			}
			const [fence, final] = answer === AWAY ? await read : answer;
			// A result shown (by whichever worker posted it) is the last word; a failure is written by its holder before it tells.
			return (fence === null || Number(fence) === claim) && final !== 'delivered';
		};
	}

	/**
	 * For what is sent but not written (a progress edit), asked at the moment its bytes go out and
	 * without waiting: whether this process's lease on the job still runs. Undefined when this
	 * process holds no claim on the job (see `claimCheck`).
	 */
	writeGuard(jobId: string): (() => boolean) | undefined {
		if (!this.claims.has(jobId)) return undefined;
		return () => this.claims.has(jobId) && this.leaseHolds(jobId);
	}

	/** Writes each record, in one round trip, each decided on its own. */
	async writeMany(writes: RecordWrite[]): Promise<WriteOutcome[]> {
		const pipeline = this.redis.pipeline() as unknown as { writeRecord: FenceRedis['writeRecord']; exec(): Promise<Array<[Error | null, unknown]> | null> };
		for (const write of writes) {
			const claim = this.claims.get(write.jobId);
			void pipeline.writeRecord(write.key, JOB_META_PREFIX + write.jobId, OPEN_JOBS_KEY, write.value, write.state, write.jobId, claim === undefined ? '' : String(claim));
		}
		const replies = (await pipeline.exec()) ?? [];
		return replies.map(([error, reply]) => {
			if (error) throw error;
			return reply === 1 ? 'written' : reply === 0 ? 'moved' : 'final';
		});
	}

	/** Writes an unfinished record back where Redis has none (lost with its data); true when written. */
	async restore(write: RecordWrite): Promise<boolean> {
		return (await this.redis.restoreRecord(write.key, OPEN_JOBS_KEY, write.value, write.jobId)) === 1;
	}

	/** Removes final records (pruned) with their fences. */
	async deleteMany(writes: Array<{ jobId: string; key: string }>): Promise<void> {
		if (writes.length === 0) return;
		const pipeline = this.redis.pipeline();
		for (const { jobId, key } of writes) pipeline.del(key, JOB_META_PREFIX + jobId).srem(OPEN_JOBS_KEY, jobId);
		await pipeline.exec();
	}
}
