import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActiveJobs } from '../../../src/services/quota/active-jobs.js';
import { LocalAdmission, type JobAdmission } from '../../../src/services/quota/admission.js';
import { IMAGES, QuotaService, VIDEO_SECONDS, type Claim, type QuotaBook } from '../../../src/services/quota/quota.js';
import { RedisActiveJobs } from '../../../src/services/quota/redis-active-jobs.js';
import { RedisAdmission } from '../../../src/services/quota/redis-admission.js';
import { RedisQuota } from '../../../src/services/quota/redis-quota.js';
import { WriteBehind } from '../../../src/services/store/write-behind.js';
import { REDIS_URL, redisDb, warnIfSkipped } from '../../support/redis.js';

warnIfSkipped('Redis admission suite');

const HOUR = 60 * 60_000;
const MAX_ACTIVE = 2;

interface Setup {
	admission: JobAdmission;
	video: QuotaBook;
	/** Slots the member holds now, as a new job sees them. */
	slotsHeld: (userId: string) => Promise<number>;
}

/** The same behaviour, whichever store decides it. */
function admissionBehaviour(setup: () => Setup) {
	const member = (limit: number): Claim => ({ subject: `g:${randomUUID()}`, limit, scope: 'member' });
	const admit = async (s: Setup, userId: string, claims: Claim[], amount: number, jobId = randomUUID()) => s.admission.admit({ userId, jobId, kind: 'video', claims, amount });

	it('takes the slot and the quota together, and gives both back', async () => {
		const s = setup();
		const userId = randomUUID();
		const claim = member(30);
		const { reservation, release } = await admit(s, userId, [claim], 10);
		expect((await s.video.status(claim.subject)).used).toBe(10);
		expect(await s.slotsHeld(userId)).toBe(1);
		release();
		await s.video.refund(reservation);
		await expect.poll(() => s.slotsHeld(userId)).toBe(0);
		expect((await s.video.status(claim.subject)).used).toBe(0);
	});

	it('refuses when the member has no free slot, without taking quota', async () => {
		const s = setup();
		const userId = randomUUID();
		const claim = member(100);
		for (let index = 0; index < MAX_ACTIVE; index++) await admit(s, userId, [claim], 5);
		await expect(admit(s, userId, [claim], 5)).rejects.toMatchObject({ identifier: 'TooManyActiveJobs', message: expect.stringContaining('You already have 2 generations running') });
		expect((await s.video.status(claim.subject)).used).toBe(5 * MAX_ACTIVE);
	});

	it('refuses when the quota has no room, without taking a slot', async () => {
		const s = setup();
		const userId = randomUUID();
		const claim = member(8);
		await expect(admit(s, userId, [claim], 9)).rejects.toMatchObject({ identifier: 'QuotaExceeded', message: 'This needs 9 s of video; you have 8 s of your 8 s left.' });
		expect(await s.slotsHeld(userId)).toBe(0);
		const server: Claim = { subject: `server:${randomUUID()}`, limit: 3, scope: 'server' };
		await expect(admit(s, userId, [claim, server], 4)).rejects.toMatchObject({ identifier: 'BudgetExceeded' });
		expect(await s.slotsHeld(userId)).toBe(0);
		expect((await s.video.status(claim.subject)).used).toBe(0);
		await admit(s, userId, [claim, server], 3);
		expect(await s.slotsHeld(userId)).toBe(1);
	});
}

describe('admission in one process', () => {
	admissionBehaviour(() => {
		const writer = new WriteBehind({ setMany: async () => [], deleteMany: async () => true } as never, 10);
		const slots = new ActiveJobs(MAX_ACTIVE);
		const video = new QuotaService(writer, 30, HOUR, undefined, VIDEO_SECONDS);
		const image = new QuotaService(writer, 4, HOUR, undefined, IMAGES);
		return { admission: new LocalAdmission(slots, { video, image }), video, slotsHeld: async (userId) => slots.held(userId) };
	});
});

describe.skipIf(!REDIS_URL)('admission on Redis: one script', () => {
	const connections: Redis[] = [];
	beforeAll(async () => {
		const redis = new Redis(redisDb(7));
		connections.push(redis);
		await redis.flushdb();
	});
	afterAll(async () => {
		await connections[0]?.flushdb();
		await Promise.all(connections.map((redis) => redis.quit()));
	});
	admissionBehaviour(() => {
		const redis = new Redis(redisDb(7));
		connections.push(redis);
		const video = new RedisQuota(redis, 30, HOUR, VIDEO_SECONDS);
		const image = new RedisQuota(redis, 4, HOUR, IMAGES);
		const slots = new RedisActiveJobs(redis, MAX_ACTIVE, HOUR);
		return {
			admission: new RedisAdmission(redis, slots, { video, image }),
			video,
			slotsHeld: (userId) => redis.zcard(`rd:active:${userId}`),
		};
	});
});
