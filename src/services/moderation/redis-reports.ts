import type { Redis } from 'ioredis';
import type { Decision, ReportBook, ReportState } from './reports.js';

/** The members who reported a job's result: a set, so each counts once whichever process takes the press. */
const REPORTERS_PREFIX = 'rd:reporters:';
/** A job's moderation: `autoHidden`, `decision` (JSON). */
const MODERATION_PREFIX = 'rd:moderation:';

/** KEYS: reporters set. ARGV: user id, life in ms. Answers {added, count}. */
const ADD = `
local added = redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {added, redis.call('SCARD', KEYS[1])}
`;

/** KEYS: moderation hash. ARGV: life in ms. Answers 1 for the one caller that hid the result, while no moderator has decided. */
const CLAIM_AUTO_HIDE = `
if redis.call('HEXISTS', KEYS[1], 'decision') == 1 then return 0 end
if redis.call('HSETNX', KEYS[1], 'autoHidden', '1') == 0 then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`;

type ReportsRedis = Redis & {
	addReport(key: string, userId: string, lifeMs: number): Promise<[number, number]>;
	claimAutoHide(key: string, lifeMs: number): Promise<number>;
};

/** The report book in Redis, shared by every process: each step one script or one command. */
export class RedisReports implements ReportBook {
	private readonly redis: ReportsRedis;

	constructor(
		redis: Redis,
		private readonly ttlMs: number,
	) {
		if (!('addReport' in redis)) redis.defineCommand('addReport', { numberOfKeys: 1, lua: ADD });
		if (!('claimAutoHide' in redis)) redis.defineCommand('claimAutoHide', { numberOfKeys: 1, lua: CLAIM_AUTO_HIDE });
		this.redis = redis as ReportsRedis;
	}

	async add(jobId: string, userId: string): Promise<{ added: boolean; count: number }> {
		const [added, count] = await this.redis.addReport(REPORTERS_PREFIX + jobId, userId, this.ttlMs);
		return { added: added === 1, count };
	}

	async claimAutoHide(jobId: string): Promise<boolean> {
		return (await this.redis.claimAutoHide(MODERATION_PREFIX + jobId, this.ttlMs)) === 1;
	}

	async decide(jobId: string, kind: Decision, by: string): Promise<void> {
		await this.redis.multi().hset(MODERATION_PREFIX + jobId, 'decision', JSON.stringify({ kind, by, at: Date.now() })).pexpire(MODERATION_PREFIX + jobId, this.ttlMs).exec();
	}

	async state(jobId: string): Promise<ReportState> {
		const [count, hash] = await Promise.all([this.redis.scard(REPORTERS_PREFIX + jobId), this.redis.hgetall(MODERATION_PREFIX + jobId)]);
		return { count, autoHidden: hash.autoHidden === '1', ...(hash.decision && { decision: JSON.parse(hash.decision) as ReportState['decision'] }) };
	}
}
