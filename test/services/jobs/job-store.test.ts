import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Keyv } from 'keyv';
import type { Job, JobState } from '../../../src/services/jobs/job.js';
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

const job = (id: string, state: JobState, userId = 'u1', guildId: string | null = 'g1'): Job =>
	({ id, state, createdAt: Date.now(), updatedAt: 1, requester: { userId, guildId }, reply: {}, settings: { prompt: id } }) as unknown as Job;

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
		const all = await jobs.load();
		for (const listed of all) if (listed.id !== 'new-done') listed.updatedAt = 1_000;
		expect(await jobs.prune(all, 2_000)).toBe(1);
		expect((await jobs.scan()).map((left) => left.id).sort()).toEqual(['new-done', 'old-running']);
		expect((await jobs.recent('u1', 'g1')).map((listed) => listed.id)).toEqual(['new-done', 'old-running']);
	});
});
