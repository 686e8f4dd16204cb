import type { Redis } from 'ioredis';
import { FINAL_STATES, type Job } from '../jobs/job.js';
import { emptyUsage, spendOf, type ModelPrices, type Usage, type UsageBook } from './usage.js';

const USAGE_PREFIX = 'rd:usage:';
/** Each server's members with usage (a set of user ids); `dm` for DMs. */
const MEMBERS_PREFIX = 'rd:usage-members:';
/** A job counted already: whichever process ends it, and however often, it is counted once. */
const COUNTED_PREFIX = 'rd:usage-counted:';
/** How long "counted" is remembered: longer than any job lives. */
const COUNTED_MS = 30 * 24 * 60 * 60_000;

/** KEYS: counted, the member's hash, the server's member set. ARGV: counted life, user id, then field/increment pairs. */
const RECORD = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
for i = 3, #ARGV, 2 do redis.call('HINCRBYFLOAT', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('SADD', KEYS[3], ARGV[2])
return 1
`;

type UsageRedis = Redis & { recordUsage(...args: Array<string | number>): Promise<number> };

/**
 * The usage ledger of `UsageLedger`, kept in Redis: workers on several machines end jobs, and a
 * gateway answers `/relaydance-admin usage`, so each member's all-time figures are one hash that
 * every process adds to in one script (a job counted once) and reads as it is.
 */
export class RedisUsage implements UsageBook {
	private readonly redis: UsageRedis;

	constructor(
		redis: Redis,
		private readonly prices: ModelPrices,
		private readonly onError: (error: unknown) => void,
	) {
		if (!('recordUsage' in redis)) redis.defineCommand('recordUsage', { numberOfKeys: 3, lua: RECORD });
		this.redis = redis as UsageRedis;
	}

	record(job: Job): void {
		if (!FINAL_STATES.has(job.state)) return;
		const guild = job.requester.guildId ?? 'dm';
		const increments: Partial<Usage> =
			job.state === 'failed'
				? { failures: 1 }
				: { jobs: 1, [job.kind === 'image' ? 'images' : 'videoSeconds']: job.quota.amount, spend: spendOf(job, this.prices) };
		const pairs = Object.entries(increments).flatMap(([field, amount]) => [field, String(amount)]);
		void this.redis
			.recordUsage(COUNTED_PREFIX + job.id, `${USAGE_PREFIX}${guild}:${job.requester.userId}`, MEMBERS_PREFIX + guild, COUNTED_MS, job.requester.userId, ...pairs)
			.catch(this.onError);
	}

	async member(guildId: string | null, userId: string): Promise<Usage> {
		return toUsage(await this.redis.hgetall(`${USAGE_PREFIX}${guildId ?? 'dm'}:${userId}`));
	}

	async server(guildId: string): Promise<{ members: Array<{ userId: string; usage: Usage }>; total: Usage }> {
		const userIds = await this.redis.smembers(MEMBERS_PREFIX + guildId);
		const pipeline = this.redis.pipeline();
		for (const userId of userIds) pipeline.hgetall(`${USAGE_PREFIX}${guildId}:${userId}`);
		const hashes = (await pipeline.exec()) ?? [];
		const members = userIds.map((userId, index) => ({ userId, usage: toUsage((hashes[index]?.[1] as Record<string, string>) ?? {}) }));
		const total = emptyUsage();
		for (const { usage } of members) for (const field of Object.keys(total) as Array<keyof Usage>) total[field] += usage[field];
		return { members, total };
	}

	get hasPrices(): boolean {
		return Object.keys(this.prices).length > 0;
	}
}

function toUsage(hash: Record<string, string>): Usage {
	const usage = emptyUsage();
	for (const field of Object.keys(usage) as Array<keyof Usage>) if (hash[field] !== undefined) usage[field] = Number(hash[field]);
	return usage;
}
