import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../src/services/jobs/job.js';
import { JobStore } from '../../../src/services/jobs/job-store.js';
import { openStore, scanStore } from '../../../src/services/store/store.js';
import { WriteBehind } from '../../../src/services/store/write-behind.js';

describe('JobStore', () => {
	it('keeps each job in Keyv under job:<id> with its latest state', async () => {
		const store = await openStore(`sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-jobs-')), 'j.sqlite')}`);
		const jobs = new JobStore(new WriteBehind(store, 5));
		const job = { id: 'job-1', state: 'queued', createdAt: 1, updatedAt: 1 } as Job;
		await jobs.save(job);
		job.state = 'submitted';
		job.taskId = 'task_1';
		await jobs.save(job);
		const saved = await scanStore<Job>(store, 'job:');
		expect(saved).toEqual([['job-1', expect.objectContaining({ state: 'submitted', taskId: 'task_1' })]]);
		expect(saved[0]![1].updatedAt).toBeGreaterThan(1);
		await store.disconnect();
	});
});
