import { Redis } from 'ioredis';
import type { Keyv } from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FencedJobWriter } from '../../../src/services/cluster/fenced-job-writer.js';
import { FencedRecords } from '../../../src/services/cluster/fenced-records.js';
import { OPEN_JOBS_KEY } from '../../../src/services/cluster/names.js';
import { JobMovedError } from '../../../src/services/jobs/job-runner.js';
import { JOB_KEY_PREFIX, JobStore } from '../../../src/services/jobs/job-store.js';
import type { JobState, VideoJob } from '../../../src/services/jobs/job.js';
import { openStore } from '../../../src/services/store/store.js';
import { REDIS_URL, redisDb, warnIfSkipped } from '../../support/redis.js';

warnIfSkipped('Fenced record suite');

/** Two workers on one Redis, each with its own connection, fences and store, as two processes have. */
describe.skipIf(!REDIS_URL)('job records fenced in Redis', () => {
	const opened: Array<{ redis: Redis; keyv: Keyv }> = [];
	const worker = async () => {
		const redis = new Redis(redisDb(6));
		const keyv = await openStore(redisDb(6));
		opened.push({ redis, keyv });
		const fences = new FencedRecords(redis);
		return { fences, jobs: new JobStore(keyv, new FencedJobWriter(keyv, fences, JOB_KEY_PREFIX, 5, () => {})) };
	};
	beforeAll(async () => {
		const redis = new Redis(redisDb(6));
		await redis.flushdb(); // this suite's own database
		redis.disconnect();
	});
	afterAll(async () => {
		for (const { redis, keyv } of opened) {
			redis.disconnect();
			await keyv.disconnect();
		}
	});
	let next = 0;
	const job = (state: JobState): VideoJob => ({
		id: `job-${++next}`,
		kind: 'video',
		state,
		createdAt: Date.now(),
		updatedAt: Date.now(),
		requester: { userId: 'u1', guildId: 'g1' },
		reply: { credential: 'token' },
		settings: { prompt: ':colon first', apiPrompt: 'p', model: 'm', seconds: 5, audio: true, references: [] },
		quota: { userId: 'u1', jobId: 'x', amount: 5, windowStart: 0 },
	});

	it('refuses every write of a worker that lost the job to another, and keeps the new owner’s record', async () => {
		const [a, b] = [await worker(), await worker()];
		const mine = job('queued');
		await a.jobs.save(mine, { now: true }); // a gateway's write: no claim
		await a.fences.claim(mine.id);
		await a.jobs.save({ ...mine, state: 'running' }, { now: true });
		// A stops answering; B takes the job over.
		await b.fences.claim(mine.id);
		await b.jobs.save({ ...mine, state: 'running', taskId: 'task-b' }, { now: true });
		await expect(a.jobs.save({ ...mine, state: 'submitted', taskId: 'task-a' }, { now: true })).rejects.toThrow(JobMovedError);
		expect(await a.fences.claimCheck(mine.id)!()).toBe(false);
		expect(await b.fences.claimCheck(mine.id)!()).toBe(true);
		expect(await b.jobs.get(mine.id)).toMatchObject({ state: 'running', taskId: 'task-b' });
	});

	it('never overwrites a final record with another state, even without a claim', async () => {
		const { jobs } = await worker();
		const done = job('failed');
		await jobs.save(done, { now: true });
		await expect(jobs.save({ ...done, state: 'queued' }, { now: true })).rejects.toThrow(JobMovedError);
		await jobs.save({ ...done, state: 'failed' }, { now: true }); // the same final state again is fine
		expect((await jobs.get(done.id))?.state).toBe('failed');
	});

	it('keeps the set of open jobs with the records, for the reconciler', async () => {
		const { jobs } = await worker();
		const redis = opened.at(-1)!.redis;
		const open = job('queued');
		await jobs.save(open, { now: true });
		expect(await redis.sismember(OPEN_JOBS_KEY, open.id)).toBe(1);
		await jobs.save({ ...open, state: 'delivered' }, { now: true });
		expect(await redis.sismember(OPEN_JOBS_KEY, open.id)).toBe(0);
	});

	it('lets the holder write again after Redis lost the fence with its data', async () => {
		const { fences, jobs } = await worker();
		const redis = opened.at(-1)!.redis;
		const held = job('running');
		await fences.claim(held.id);
		await jobs.save(held, { now: true });
		await redis.del(`rd:jobmeta:${held.id}`, `relaydance-bot::relaydance-bot:job:${held.id}`);
		await jobs.save({ ...held, state: 'delivered' }, { now: true });
		expect((await jobs.get(held.id))?.state).toBe('delivered');
		expect((await jobs.get(held.id))?.settings.prompt).toBe(':colon first'); // Keyv's own escaping, read back by Keyv
	});

	it('writes delivered from the process that showed it over a newer fence, after which the holder writes and edits nothing', async () => {
		const [a, b] = [await worker(), await worker()];
		const shown = job('running');
		await a.fences.claim(shown.id);
		await a.jobs.save(shown, { now: true });
		// A posted the video while Redis was away from it; B took the job meanwhile.
		await b.fences.claim(shown.id);
		await b.jobs.save({ ...shown, state: 'running', taskId: 'task-b' }, { now: true });
		await a.jobs.save({ ...shown, state: 'delivered' }, { now: true });
		expect((await b.jobs.get(shown.id))?.state).toBe('delivered');
		await expect(b.jobs.save({ ...shown, state: 'delivering' }, { now: true })).rejects.toThrow(JobMovedError);
		expect(await b.fences.claimCheck(shown.id)!()).toBe(false);
	});

	it('never writes delivered for a failed job, and a failed write from a worker that lost the job is refused', async () => {
		const [a, b] = [await worker(), await worker()];
		const failed = job('running');
		await a.fences.claim(failed.id);
		await b.fences.claim(failed.id);
		await expect(a.jobs.save({ ...failed, state: 'failed' }, { now: true })).rejects.toThrow(JobMovedError);
		await b.jobs.save({ ...failed, state: 'failed' }, { now: true });
		await expect(a.jobs.save({ ...failed, state: 'delivered' }, { now: true })).rejects.toThrow(JobMovedError);
		expect((await b.jobs.get(failed.id))?.state).toBe('failed');
	});

	it('writes a record back after a data loss only where Redis has none', async () => {
		const [gateway, holder] = [await worker(), await worker()];
		const waiting = job('queued');
		const running = job('queued');
		await holder.fences.claim(running.id);
		await holder.jobs.save({ ...running, state: 'running', taskId: 'task-1' }, { now: true });
		expect(await gateway.jobs.restore(waiting)).toBe(true);
		expect(await gateway.jobs.restore(running)).toBe(false);
		expect(await gateway.jobs.get(waiting.id)).toMatchObject({ state: 'queued' });
		expect(await gateway.jobs.get(running.id)).toMatchObject({ state: 'running', taskId: 'task-1' });
		expect(await opened.at(-1)!.redis.sismember(OPEN_JOBS_KEY, waiting.id)).toBe(1);
	});

	it('counts a job as this process’s for as long as its lease runs, and no longer', async () => {
		const { fences } = await worker();
		const held = job('running');
		fences.lease(held.id, Date.now() + 60_000); // not claimed: no lease
		expect(fences.leaseHolds(held.id)).toBe(false);
		await fences.claim(held.id);
		fences.lease(held.id, Date.now() + 10_000);
		expect(fences.leaseHolds(held.id, 5_000)).toBe(true);
		expect(fences.leaseHolds(held.id, 15_000)).toBe(false);
		fences.release(held.id);
		expect(fences.leaseHolds(held.id)).toBe(false);
	});

	it('lets a progress edit out only while the lease runs, asked at the moment it goes (no guard where this process holds no claim)', async () => {
		const { fences } = await worker();
		const held = job('running');
		expect(fences.writeGuard(held.id)).toBeUndefined();
		await fences.claim(held.id);
		fences.lease(held.id, Date.now() + 10_000);
		const mayWrite = fences.writeGuard(held.id)!;
		expect(mayWrite()).toBe(true);
		fences.lease(held.id, 0); // a lock renewal failed
		expect(mayWrite()).toBe(false);
		fences.lease(held.id, Date.now() + 10_000);
		expect(mayWrite()).toBe(true);
		fences.release(held.id);
		expect(mayWrite()).toBe(false);
	});
});
