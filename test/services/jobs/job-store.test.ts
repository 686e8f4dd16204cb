import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Keyv } from 'keyv';
import type { Job as AnyJob, VideoJob as Job, JobState } from '../../../src/services/jobs/job.js';
import { JobStore } from '../../../src/services/jobs/job-store.js';
import { openStore, scanStore } from '../../../src/services/store/store.js';
import { WriteBehind } from '../../../src/services/store/write-behind.js';

let store: Keyv;
let writer: WriteBehind;
beforeEach(async () => {
	store = await openStore(`sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-jobs-')), 'j.sqlite')}`);
	writer = new WriteBehind(store, 5);
});
afterEach(() => store.disconnect());

const job = (id: string, state: JobState, userId = 'u1', guildId: string | null = 'g1'): Job => ({
	id,
	kind: 'video',
	state,
	createdAt: Date.now(),
	updatedAt: 1,
	requester: { userId, guildId },
	reply: { credential: 'interaction-token' },
	settings: { prompt: id, apiPrompt: id, model: 'm', seconds: 5, audio: true, references: [] },
	quota: { userId, jobId: id, amount: 5, windowStart: 0 },
});

describe('JobStore', () => {
	it('keeps each job in Keyv under job:<id> with its latest state, leaving out what is only shown', async () => {
		const jobs = new JobStore(store, writer);
		const saved = job('job-1', 'queued');
		saved.queuePosition = 3;
		await jobs.save(saved);
		saved.state = 'submitted';
		saved.taskId = 'task_1';
		await jobs.save(saved, { now: true });
		const stored = await scanStore<Job>(store, 'job:');
		expect(stored).toEqual([['job-1', expect.objectContaining({ state: 'submitted', taskId: 'task_1' })]]);
		expect(stored[0]![1]).not.toHaveProperty('queuePosition');
		expect(stored[0]![1].updatedAt).toBeGreaterThan(1);
	});

	it('lists a job still running here before its first write reaches the store, as the process holds it', async () => {
		const jobs = new JobStore(store, new WriteBehind(store, 60_000));
		const running = job('just-accepted', 'queued', 'u-live', 'g-live');
		void jobs.save(running);
		expect(await jobs.recent('u-live', 'g-live')).toEqual([]);
		running.state = 'submitted';
		expect((await jobs.recent('u-live', 'g-live', (id) => (id === running.id ? running : undefined))).map((listed) => listed.state)).toEqual(['submitted']);
	});

	it("lists a member's recent jobs in one server, newest first, from the store after a restart", async () => {
		const before = new JobStore(store, writer);
		for (const saved of [job('a', 'delivered'), job('b', 'failed'), job('elsewhere', 'delivered', 'u1', 'g2'), job('someone-else', 'delivered', 'u2')]) await before.save(saved);
		await writer.flush();
		const after = new JobStore(store, writer);
		await after.load();
		expect((await after.recent('u1', 'g1')).map((listed) => listed.id)).toEqual(['b', 'a']);
		expect((await after.recent('u1', 'g2')).map((listed) => listed.id)).toEqual(['elsewhere']);
	});

	it('prunes final jobs past their retention and keeps unfinished ones whatever their age', async () => {
		const jobs = new JobStore(store, writer);
		for (const saved of [job('old-done', 'delivered'), job('old-running', 'running'), job('new-done', 'failed')]) await jobs.save(saved);
		await writer.flush();
		const { jobs: all } = await jobs.load();
		for (const listed of all) if (listed.id !== 'new-done') listed.updatedAt = 1_000;
		expect(await jobs.prune(all, 2_000)).toBe(1);
		expect((await jobs.scan()).jobs.map((left) => left.id).sort()).toEqual(['new-done', 'old-running']);
		expect((await jobs.recent('u1', 'g1')).map((listed) => listed.id)).toEqual(['new-done', 'old-running']);
	});

	it('never stores the credential of a final job', async () => {
		const jobs = new JobStore(store, writer);
		const done = job('done', 'delivered');
		await jobs.save(done, { now: true });
		const [[, stored]] = (await scanStore<Job>(store, 'job:')) as [[string, Job]];
		expect(stored.reply).not.toHaveProperty('credential');
		expect(done.reply.credential).toBe('interaction-token');
	});

	it('reads records written before jobs had a reply address, and leaves records that are no job alone', async () => {
		await store.set('job:legacy', {
			id: 'legacy',
			state: 'running',
			createdAt: 5,
			updatedAt: 5,
			taskId: 'task_old',
			origin: { applicationId: 'a', interactionId: 'i', interactionToken: 'tok', interactionCreatedAt: 5, userId: 'u1', guildId: 'g1', channelId: 'c1', attachmentSizeLimit: 10 },
			settings: { prompt: 'old days', model: 'm', seconds: 5, audio: true, references: [{ kind: 'image', slot: 1, name: 'a.png', size: 3 }] },
			quota: { userId: 'u1', amount: 5, windowStart: 1 },
		});
		await store.set('job:old-done', {
			id: 'old-done',
			state: 'delivered',
			createdAt: 4,
			updatedAt: 4,
			origin: { applicationId: 'a', interactionId: 'i2', interactionToken: 'old-secret', interactionCreatedAt: 4, userId: 'u1', guildId: 'g1', channelId: 'c1', attachmentSizeLimit: 10 },
			settings: { prompt: 'done long ago', model: 'm', seconds: 5, audio: true, references: [] },
			quota: { userId: 'u1', amount: 5, windowStart: 1 },
		});
		await store.set('job:garbage', { hello: 'world' });
		const loaded = await new JobStore(store, writer).load();
		expect(JSON.stringify(await store.get('job:old-done'))).not.toContain('old-secret');
		const { unreadable } = loaded;
		const jobs = loaded.jobs.filter((job) => job.id === 'legacy');
		expect(unreadable).toEqual(['job:garbage']);
		expect(jobs).toEqual([
			expect.objectContaining({
				id: 'legacy',
				taskId: 'task_old',
				requester: { userId: 'u1', guildId: 'g1' },
				reply: expect.objectContaining({ credential: 'tok', channelId: 'c1', interactionCreatedAt: 5 }),
				settings: expect.objectContaining({ apiPrompt: 'old days', references: [expect.objectContaining({ url: '' })] }),
				quota: { userId: 'u1', jobId: 'legacy', amount: 5, windowStart: 1, legacy: true },
			}),
		]);
	});

	it('change writes a record only while it is as read: of two stores on one file changing it at once, one wins and the other sees its change', async () => {
		const other = await openStore((store.opts.store as { opts: { uri: string } }).opts.uri);
		try {
			const [a, b] = [new JobStore(store, writer), new JobStore(other, new WriteBehind(other, 5))];
			await a.save(job('job-cas', 'delivered'), { now: true });
			const mark = (by: string) => (stored: AnyJob) => (stored.failure ? undefined : { ...stored, failure: { kind: by, message: by } });
			const [first, second] = await Promise.all([a.change('job-cas', mark('a')), b.change('job-cas', mark('b'))]);
			expect([first.changed, second.changed].sort()).toEqual([false, true]);
			const winner = first.changed ? 'a' : 'b';
			expect((await a.get('job-cas'))?.failure?.kind).toBe(winner);
			expect((first.changed ? second : first).job?.failure?.kind).toBe(winner);
			expect(await a.change('missing', () => job('missing', 'delivered'))).toEqual({ job: undefined, changed: false });
		} finally {
			await other.disconnect();
		}
	});

	it('keeps the interaction token of a delivered job only while its result waits for review', async () => {
		const jobs = new JobStore(store, writer);
		const held: Job = { ...job('job-held', 'delivered'), review: { channelId: 'c', messageId: 'm' } };
		await jobs.save(held, { now: true });
		expect((await jobs.get('job-held'))?.reply.credential).toBe('interaction-token');
		held.review = { ...held.review!, decision: { verdict: 'approve', by: 'mod', at: 1 } };
		await jobs.save(held, { now: true });
		expect((await jobs.get('job-held'))?.reply.credential).toBeUndefined();
	});
});
