import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Keyv } from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { FairLine } from '../../../src/services/jobs/fair-line.js';
import type { Job, VideoJob } from '../../../src/services/jobs/job.js';
import { JobRunner } from '../../../src/services/jobs/job-runner.js';
import { JobStore } from '../../../src/services/jobs/job-store.js';
import type { JobView, JobViews } from '../../../src/services/jobs/job-view.js';
import { IMAGES, QuotaService, VIDEO_SECONDS } from '../../../src/services/quota/quota.js';
import { RelayDanceClient } from '../../../src/services/relaydance/client.js';
import { CreditGate } from '../../../src/services/relaydance/credit-gate.js';
import { openStore } from '../../../src/services/store/store.js';
import { WriteBehind } from '../../../src/services/store/write-behind.js';
import { startRelayDanceSimulator, type RelayDanceSimulator } from '../../../stand-ins/relaydance/simulator.js';

let relaydance: RelayDanceSimulator;
let store: Keyv;
let writer: WriteBehind;
beforeAll(async () => {
	relaydance = await startRelayDanceSimulator({ queuedMs: 50, durationMs: 300 });
	store = await openStore(`sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-runner-')), 'store.sqlite')}`);
	writer = new WriteBehind(store, 5);
});
afterAll(async () => {
	await relaydance.close();
	await store.disconnect();
});

/** The member's side of the job: what each message would have said last (Discord's stand-in is not needed here). */
function recordingViews(): JobViews & { failed: Job[] } {
	const failed: Job[] = [];
	const view: JobView = {
		update: () => {},
		deliver: async () => ({ delivery: 'attachment' }),
		deliverImages: async () => ({ delivery: 'attachment', shown: 0 }),
		fail: async (job) => void failed.push(structuredClone(job)),
	};
	return { failed, open: () => view, showWaiting: async () => {} };
}

/** A store whose write of each job's `submitting` record waits for `written` (the store is slow, or Redis is away). */
class SlowSubmittingStore extends JobStore {
	reached!: () => void;
	readonly submittingWrite = new Promise<void>((resolve) => (this.reached = resolve));
	written!: () => void;
	private readonly gate = new Promise<void>((resolve) => (this.written = resolve));
	override save(job: Job, options?: { now?: boolean }): Promise<void> {
		if (job.state !== 'submitting') return super.save(job, options);
		this.reached();
		return this.gate.then(() => super.save(job, options));
	}
}

/** A runner wired as the bot wires it, on the simulator and a SQLite store. */
function runnerWith() {
	const jobs = new SlowSubmittingStore(store, writer);
	const quotas = { video: new QuotaService(writer, 30, 60 * 60_000, undefined, VIDEO_SECONDS), image: new QuotaService(writer, 4, 60 * 60_000, undefined, IMAGES) };
	const views = recordingViews();
	const runner = new JobRunner({
		client: new RelayDanceClient({ baseUrl: relaydance.apiUrl, apiKey: 'sk-test-secret-key' }),
		jobs,
		quotas,
		logger: createLogger('silent'),
		views,
		poll: { intervalMs: 40, maxIntervalMs: 100, timeoutMs: 10_000 },
		maxReferenceBytes: 1_000_000,
		maxOutputBytes: 10_000_000,
		outputHosts: [new URL(relaydance.apiUrl).hostname],
		referenceHosts: [],
		tmpDir: mkdtempSync(join(tmpdir(), 'rd-runner-tmp-')),
		maxSubmitting: 2,
		referenceMemoryBytes: 10_000_000,
		taskSlots: new FairLine(4),
		credit: new CreditGate(60_000),
	});
	return { runner, jobs, quotas, views };
}

function videoJob(id: string, prompt: string, quotas: ReturnType<typeof runnerWith>['quotas']): VideoJob {
	const userId = `user-${id}`;
	return {
		id,
		kind: 'video',
		state: 'queued',
		createdAt: Date.now(),
		updatedAt: Date.now(),
		requester: { userId, guildId: 'g1' },
		reply: { credential: 'interaction-token' },
		settings: { prompt, apiPrompt: prompt, model: 'seedance-1-5-pro', seconds: 10, audio: false, references: [] },
		quota: quotas.video.reserve(userId, 10, id),
	};
}

describe('JobRunner', () => {
	it('honours a Cancel pressed before the job says submitting: no task is created, the quota comes back', async () => {
		const prompt = `cancel-before-submit ${Date.now()}`;
		const { runner, jobs, quotas, views } = runnerWith();
		const job = videoJob('job-cancel-before', prompt, quotas);
		const run = runner.start(job);
		expect(runner.cancel(job.id)).toBe('cancelled');
		jobs.written();
		await run;

		expect(relaydance.requestsFor(prompt).filter((request) => request.path === '/v1/video/generations')).toHaveLength(0);
		expect(job).toMatchObject({ state: 'failed', failure: { kind: 'Cancelled' }, refunded: true });
		expect(quotas.video.status(job.requester.userId).used).toBe(0);
		expect(views.failed.map((failed) => failed.failure?.kind)).toEqual(['Cancelled']);
		expect(await jobs.get(job.id)).toMatchObject({ state: 'failed', refunded: true });
		await runner.stop(1_000);
	});

	it('answers a Cancel pressed while the submitting record is written "too late", and the task it then sends is made and charged', async () => {
		const prompt = `cancel-during-submitting-write ${Date.now()}`;
		const { runner, jobs, quotas, views } = runnerWith();
		const job = videoJob('job-cancel-late', prompt, quotas);
		const run = runner.start(job);
		await jobs.submittingWrite;
		expect(runner.cancel(job.id)).toBe('too-late');
		jobs.written();
		await run;

		expect(relaydance.requestsFor(prompt).filter((request) => request.path === '/v1/video/generations')).toHaveLength(1);
		expect(job.state).toBe('delivered');
		expect(quotas.video.status(job.requester.userId).used).toBe(10);
		expect(views.failed).toEqual([]);
		await runner.stop(1_000);
	});
});
