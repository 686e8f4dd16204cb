import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Keyv } from 'keyv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../src/services/jobs/job.js';
import { JobStore } from '../../../src/services/jobs/job-store.js';
import { DECIDING_LEASE_MS, ReviewDecisions } from '../../../src/services/moderation/reviews.js';
import { openStore } from '../../../src/services/store/store.js';
import { WriteBehind } from '../../../src/services/store/write-behind.js';

let store: Keyv;
let jobs: JobStore;
let now = 1_000_000;
beforeEach(async () => {
	store = await openStore(`sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-reviews-')), 'r.sqlite')}`);
	jobs = new JobStore(store, new WriteBehind(store, 5));
});
afterEach(() => store.disconnect());

function held(id: string, review: Job['review'] | null = { channelId: 'c', messageId: 'm' }, state: Job['state'] = 'delivered'): Job {
	return {
		id,
		kind: 'video',
		state,
		createdAt: 1,
		updatedAt: 1,
		requester: { userId: 'u', guildId: 'g' },
		reply: { credential: 'token' },
		settings: { prompt: 'p', apiPrompt: 'p', model: 'm', seconds: 5, audio: true, references: [] },
		quota: { userId: 'u', jobId: id, amount: 5, windowStart: 0 },
		...(review && { review }),
	} as Job;
}

describe('ReviewDecisions', () => {
	it('lets one press claim the decision, settles it with the token dropped, and answers decided after', async () => {
		const decisions = new ReviewDecisions(jobs, () => now);
		await jobs.save(held('j1'), { now: true });
		const claim = await decisions.claim('j1', 'approve', 'mod-a');
		expect(claim.outcome).toBe('claimed');
		expect((await decisions.claim('j1', 'reject', 'mod-b')).outcome).toBe('busy');
		expect(await decisions.settle('j1', { by: 'mod-a', at: now })).toBe(true);
		const stored = await jobs.get('j1');
		expect(stored?.review?.decision).toMatchObject({ verdict: 'approve', by: 'mod-a' });
		expect(stored?.review?.deciding).toBeUndefined();
		expect(stored?.reply.credential).toBeUndefined();
		expect((await decisions.claim('j1', 'reject', 'mod-b')).outcome).toBe('decided');
	});

	it('lets a press take over a claim older than the lease (cut off by a restart); the old claim can then settle nothing', async () => {
		const decisions = new ReviewDecisions(jobs, () => now);
		await jobs.save(held('j2'), { now: true });
		const first = now;
		expect((await decisions.claim('j2', 'approve', 'mod-a')).outcome).toBe('claimed');
		now += DECIDING_LEASE_MS - 1;
		expect((await decisions.claim('j2', 'reject', 'mod-b')).outcome).toBe('busy');
		now += 2;
		expect((await decisions.claim('j2', 'reject', 'mod-b')).outcome).toBe('claimed');
		expect(await decisions.settle('j2', { by: 'mod-a', at: first })).toBe(false);
		expect(await decisions.settle('j2', { by: 'mod-b', at: now })).toBe(true);
		expect((await jobs.get('j2'))?.review?.decision?.verdict).toBe('reject');
	});

	it('gives a released claim back, and tells a job not yet with the moderators, or never under review, apart', async () => {
		const decisions = new ReviewDecisions(jobs, () => now);
		await jobs.save(held('j3'), { now: true });
		expect((await decisions.claim('j3', 'approve', 'mod-a')).outcome).toBe('claimed');
		await decisions.release('j3', { by: 'mod-a', at: now });
		expect((await decisions.claim('j3', 'approve', 'mod-b')).outcome).toBe('claimed');
		await jobs.save(held('j4', { channelId: 'c' }, 'delivering'), { now: true });
		expect((await decisions.claim('j4', 'approve', 'mod-a')).outcome).toBe('not-ready');
		await jobs.save(held('j5', null), { now: true });
		expect((await decisions.claim('j5', 'approve', 'mod-a')).outcome).toBe('gone');
		expect((await decisions.claim('nothing', 'approve', 'mod-a')).outcome).toBe('gone');
	});
});
