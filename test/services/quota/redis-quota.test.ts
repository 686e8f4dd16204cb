import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetExceededError, QuotaExceededError, type Claim } from '../../../src/services/quota/quota.js';
import { RedisQuota } from '../../../src/services/quota/redis-quota.js';
import { REDIS_URL, redisDb, warnIfSkipped } from '../../support/redis.js';

warnIfSkipped('Redis quota suite');

const HOUR = 60 * 60_000;

describe.skipIf(!REDIS_URL)('quotas kept in Redis', () => {
	const connections: Redis[] = [];
	const connect = () => {
		const redis = new Redis(redisDb(11), { lazyConnect: false });
		connections.push(redis);
		return redis;
	};
	beforeAll(async () => {
		await connect().flushdb();
	});
	afterAll(async () => {
		await Promise.all(connections.map((redis) => redis.quit()));
	});
	const member = (limit: number): Claim => ({ subject: `g:${randomUUID()}`, limit, scope: 'member' });

	it('reserves, refunds once, and settles a reservation to what was made', async () => {
		const quota = new RedisQuota(connect(), 30, HOUR);
		const claim = member(30);
		const first = await quota.reserveAll([claim], 20, 'job-1');
		expect((await quota.status(claim.subject)).used).toBe(20);
		await expect(quota.reserveAll([claim], 11, 'job-2')).rejects.toThrow(QuotaExceededError);
		await expect(quota.reserveAll([claim], 11, 'job-2')).rejects.toThrow('This needs 11 s of video; you have 10 s of your 30 s left.');
		await quota.settle(first, 8);
		expect((await quota.status(claim.subject)).used).toBe(8);
		await quota.refund(first);
		await quota.refund(first);
		expect((await quota.status(claim.subject)).used).toBe(0);
	});

	it('takes nothing from any budget when one of them has no room', async () => {
		const quota = new RedisQuota(connect(), 30, HOUR);
		const own = member(30);
		const server: Claim = { subject: `server:${randomUUID()}`, limit: 10, scope: 'server' };
		await quota.reserveAll([member(30), server], 8, 'other');
		const refused = await quota.reserveAll([own, server], 5, 'mine').catch((error: unknown) => error);
		expect(refused).toBeInstanceOf(BudgetExceededError);
		expect((await quota.status(own.subject)).used).toBe(0);
		expect((await quota.status(server.subject)).used).toBe(8);
	});

	it('starts a new window once the old one has ended, and a refund from the old window gives nothing back', async () => {
		let now = Date.now();
		const quota = new RedisQuota(connect(), 10, HOUR, undefined, () => now);
		const claim = member(10);
		const old = await quota.reserveAll([claim], 10, 'old');
		now += HOUR;
		await quota.reserveAll([claim], 4, 'new');
		await quota.refund(old);
		const status = await quota.status(claim.subject);
		expect(status.used).toBe(4);
		expect(status.resetsAt.getTime()).toBe(now + HOUR);
	});

	it('lets four processes racing for one budget take exactly what it holds', async () => {
		const books = [0, 1, 2, 3].map(() => new RedisQuota(connect(), 1_000, HOUR));
		const bot: Claim = { subject: `bot-${randomUUID()}`, limit: 10, scope: 'bot' };
		const outcomes = await Promise.allSettled(
			Array.from({ length: 50 }, (_, index) => books[index % 4]!.reserveAll([member(100), bot], 1, `job-${index}`)),
		);
		expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(10);
		expect((await books[0]!.status(bot.subject)).used).toBe(10);
	});
});
