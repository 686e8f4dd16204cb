import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Keyv } from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionOf } from '../../../src/services/cluster/cluster.js';
import { FencedJobWriter } from '../../../src/services/cluster/fenced-job-writer.js';
import { FencedRecords } from '../../../src/services/cluster/fenced-records.js';
import { ADMITTED_KEY, QUEUE_NAME, QUEUE_PREFIX } from '../../../src/services/cluster/names.js';
import { IMAGES, VIDEO_SECONDS } from '../../../src/services/quota/quota.js';
import { RedisActiveJobs } from '../../../src/services/quota/redis-active-jobs.js';
import { RedisAdmission } from '../../../src/services/quota/redis-admission.js';
import { RedisQuota } from '../../../src/services/quota/redis-quota.js';
import { Reconciler } from '../../../src/services/cluster/reconciler.js';
import { JOB_KEY_PREFIX, JobStore } from '../../../src/services/jobs/job-store.js';
import type { JobState, VideoJob } from '../../../src/services/jobs/job.js';
import { createLogger } from '../../../src/logger.js';
import { openStore } from '../../../src/services/store/store.js';
import { REDIS_URL, redisDb, warnIfSkipped } from '../../support/redis.js';

warnIfSkipped('Reconciler suite');

const INTERVAL = 1_000;
/** Half an interval on: the soonest a second sweep gives back, or writes, what a sweep now found missing. */
const nextSweep = () => Date.now() + INTERVAL / 2;

describe.skipIf(!REDIS_URL)('the reconciler', () => {
	let redis: Redis;
	let keyv: Keyv;
	let queue: Queue;
	let jobs: JobStore;
	let reconciler: Reconciler;
	beforeAll(async () => {
		redis = new Redis(redisDb(5));
		await redis.flushdb(); // this suite's own database
		keyv = await openStore(redisDb(5));
		const fences = new FencedRecords(redis);
		jobs = new JobStore(keyv, new FencedJobWriter(keyv, fences, JOB_KEY_PREFIX, 5, () => {}));
		queue = new Queue(QUEUE_NAME, { connection: connectionOf(redisDb(5)), prefix: QUEUE_PREFIX });
		reconciler = new Reconciler(redis, queue, jobs, { intervalMs: INTERVAL, holder: 'test', quotaPrefixes: ['rd:quota:video:'] }, createLogger('silent'));
	});
	afterAll(async () => {
		await queue.close();
		await keyv.disconnect();
		redis.disconnect();
	});
	let next = 0;
	const record = async (state: JobState, ageMs = 10 * INTERVAL): Promise<VideoJob> => {
		const job: VideoJob = {
			id: `job-${++next}`,
			kind: 'video',
			state,
			createdAt: Date.now() - ageMs,
			updatedAt: 0,
			requester: { userId: 'u1', guildId: 'g1' },
			reply: { credential: 'token' },
			settings: { prompt: 'p', apiPrompt: 'p', model: 'm', seconds: 5, audio: true, references: [] },
			quota: { userId: 'u1', jobId: 'x', amount: 5, windowStart: 0 },
		};
		await jobs.save(job, { now: true });
		// The store stamps the write; the record is made to look as old as asked.
		await redis.set(`relaydance-bot::relaydance-bot:job:${job.id}`, JSON.stringify({ value: { ...job, updatedAt: Date.now() - ageMs } }));
		return job;
	};

	it('queues again, under a fresh id, a record that is in no queue, once', async () => {
		const orphan = await record('running');
		const fresh = await record('queued', 0); // maybe on its way into the queue: left for the next sweep
		await queue.add('run', {}, { jobId: (await record('queued')).id }); // queued: left alone
		expect((await reconciler.sweep()).requeued).toBe(1);
		const again = await queue.getJob(`${orphan.id}-r1`);
		expect(again?.data).toEqual({ jobId: orphan.id });
		expect(await queue.getJob(fresh.id)).toBeUndefined();
		expect((await reconciler.sweep()).requeued).toBe(0);
	});

	it('queues again a job whose id sits in the failed set', async () => {
		const failedBefore = await record('submitted');
		const queued = await queue.add('run', {}, { jobId: failedBefore.id });
		await redis.multi().lrem(`${QUEUE_PREFIX}:${QUEUE_NAME}:wait`, 0, queued.id!).zadd(`${QUEUE_PREFIX}:${QUEUE_NAME}:failed`, Date.now(), queued.id!).exec();
		await reconciler.sweep();
		expect(await queue.getJobState(`${failedBefore.id}-r1`)).toBe('waiting');
	});

	it('refunds a reservation whose job never got a record, at the second sweep that finds it so', async () => {
		const key = 'rd:quota:video:g1:u9';
		const live = await record('running');
		await redis.hset(key, '@window', Date.now(), '@used', 12, 'ghost-job', 5, live.id, 7);
		await reconciler.sweep();
		expect(await redis.hget(key, '@used')).toBe('12');
		await reconciler.sweep(nextSweep());
		expect(await redis.hmget(key, '@used', 'ghost-job', live.id)).toEqual(['7', null, '7']);
	});

	it('gives back what it found missing only half an interval after it first found it so, however many sweeps come in between (sweeps queued behind a slow one)', async () => {
		const key = 'rd:quota:video:g1:u8';
		await redis.hset(key, '@window', Date.now(), '@used', 5, 'being-written', 5);
		await redis.zadd('rd:active:u8', Date.now() + 60_000, 'being-written');
		const first = Date.now();
		await reconciler.sweep(first);
		await reconciler.sweep(first);
		await reconciler.sweep(first + 0.3 * INTERVAL); // counted from the first sighting, not the last
		expect(await redis.hget(key, '@used')).toBe('5');
		expect(await redis.zrange('rd:active:u8', '0', '-1')).toEqual(['being-written']);
		await reconciler.sweep(Math.max(first + 0.6 * INTERVAL, nextSweep()));
		expect(await redis.hget(key, '@used')).toBe('0');
		expect(await redis.zrange('rd:active:u8', '0', '-1')).toEqual([]);
	});

	describe('a job its gateway deferred but never wrote (the gateway died in between)', () => {
		const HOUR = 60 * 60_000;
		const admit = async (userId: string, seconds: number) => {
			const video = new RedisQuota(redis, 100, HOUR, VIDEO_SECONDS);
			const admission = new RedisAdmission(redis, new RedisActiveJobs(redis, 5, HOUR), { video, image: new RedisQuota(redis, 4, HOUR, IMAGES) });
			const now = Date.now();
			const job: Omit<VideoJob, 'quota'> = {
				id: randomUUID(),
				kind: 'video',
				state: 'queued',
				createdAt: now,
				updatedAt: now,
				requester: { userId, guildId: 'g1' },
				reply: { credential: `token-${userId}` },
				settings: { prompt: 'a kite over the dunes', apiPrompt: 'a kite over the dunes', model: 'm', seconds, audio: true, references: [] },
			};
			const claims = [{ subject: `g1:${userId}`, limit: 100, scope: 'member' as const }];
			const { reservation } = await admission.admit({ userId, jobId: job.id, kind: 'video', claims, amount: seconds, admitted: () => ({ job, subjects: ['g1:' + userId], amount: seconds }) });
			return { job, reservation, video };
		};

		it('is written from what its admission kept and queued by the next sweep, half an interval or more later, that finds no record, its charge kept', async () => {
			const { job, reservation } = await admit(randomUUID(), 6);
			await reconciler.sweep(); // maybe its gateway is writing it right now: left for the next sweep
			expect(await jobs.get(job.id)).toBeUndefined();
			await reconciler.sweep(); // sweeps queued behind a slow one, back to back: still left
			expect(await jobs.get(job.id)).toBeUndefined();
			await reconciler.sweep(nextSweep());
			const written = await jobs.get(job.id);
			expect(written).toMatchObject({ id: job.id, state: 'queued', reply: job.reply, settings: job.settings, quota: reservation });
			expect(await queue.getJobState(`${job.id}-r1`)).toBe('waiting');
			// The next sweeps find a live job: its reservation and its slot stay.
			await reconciler.sweep();
			await reconciler.sweep();
			expect(await redis.hget(`rd:quota:video:${reservation.userId}`, job.id)).toBe('6');
			expect(await redis.hexists(ADMITTED_KEY, job.id)).toBe(0);
		});

		it('is left alone once its gateway writes the record, and dropped when its reservation was given back (Discord refused the deferral)', async () => {
			const written = await admit(randomUUID(), 4);
			await jobs.save({ ...written.job, quota: written.reservation }, { now: true });
			const refused = await admit(randomUUID(), 4);
			await refused.video.refund(refused.reservation);
			await reconciler.sweep();
			await reconciler.sweep(nextSweep());
			expect(await redis.hlen(ADMITTED_KEY)).toBe(0);
			expect(await jobs.get(refused.job.id)).toBeUndefined();
			expect(await queue.getJob(`${written.job.id}-r1`)).toBeUndefined();
		});
	});

	it('frees the active-job slot of a job that has ended', async () => {
		const ended = await record('delivered');
		const running = await record('running');
		await redis.zadd('rd:active:u1', Date.now() + 60_000, ended.id, Date.now() + 60_000, running.id);
		expect((await reconciler.sweep()).released).toBe(1);
		expect(await redis.zrange('rd:active:u1', '0', '-1')).toEqual([running.id]);
	});
});
