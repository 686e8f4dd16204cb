import { describe, expect, it } from 'vitest';
import { BotMetrics, stagesOf } from '../../../src/services/ops/metrics.js';
import type { VideoJob } from '../../../src/services/jobs/job.js';

function deliveredVideo(overrides: Partial<VideoJob> = {}): VideoJob {
	return {
		id: 'job-1',
		kind: 'video',
		state: 'delivered',
		createdAt: 1_000,
		updatedAt: 400_000,
		submittedAt: 11_000,
		requester: { userId: '111111111111111111', guildId: '222222222222222222' },
		reply: {},
		settings: { prompt: 'a cat', apiPrompt: 'a cat', model: 'doubao-seedance-2-0-1080p', seconds: 5, audio: true, references: [] },
		quota: { userId: '111111111111111111', jobId: 'job-1', amount: 5, windowStart: 1_000 },
		result: { fileName: 'v.mp4', bytes: 10, url: 'https://x/v.mp4', madeAt: 191_000, delivery: 'attachment' },
		...overrides,
	};
}

/** One sample line of the metrics text, by name and labels in the order prom-client writes them. */
async function sample(metrics: BotMetrics, line: string): Promise<number | undefined> {
	const found = (await metrics.text()).split('\n').find((text) => text.startsWith(`${line} `));
	return found === undefined ? undefined : Number(found.split(' ').at(-1));
}

describe('BotMetrics', () => {
	it('splits a delivered job into its three stages from its record', () => {
		expect(stagesOf(deliveredVideo(), 196_000)).toEqual([
			['accepted_to_submitted', 10],
			['submitted_to_finished', 180],
			['finished_to_delivered', 5],
		]);
	});

	it('leaves out the stages a failed job never reached', () => {
		expect(stagesOf(deliveredVideo({ state: 'failed', submittedAt: undefined, result: undefined }), 5_000)).toEqual([]);
	});

	it('counts a job ended by its outcome, its stages, and the quota and spend it kept in its server', async () => {
		const metrics = new BotMetrics({ 'doubao-seedance-2-0-1080p': 0.5 });
		const job = deliveredVideo();
		metrics.jobStarted(job);
		metrics.jobEnded(job, 196_000);
		metrics.jobEnded(deliveredVideo({ id: 'job-2', state: 'failed', failure: { kind: 'TaskFailed', message: 'no' } }), 196_000);
		expect(await sample(metrics, 'relaydance_bot_jobs_started_total{kind="video",model="doubao-seedance-2-0-1080p"}')).toBe(1);
		expect(await sample(metrics, 'relaydance_bot_jobs_ended_total{kind="video",model="doubao-seedance-2-0-1080p",outcome="delivered"}')).toBe(1);
		expect(await sample(metrics, 'relaydance_bot_jobs_ended_total{kind="video",model="doubao-seedance-2-0-1080p",outcome="TaskFailed"}')).toBe(1);
		expect(await sample(metrics, 'relaydance_bot_job_stage_seconds_count{kind="video",stage="finished_to_delivered"}')).toBe(1);
		expect(await sample(metrics, 'relaydance_bot_job_stage_seconds_sum{kind="video",stage="submitted_to_finished"}')).toBe(360);
		expect(await sample(metrics, 'relaydance_bot_quota_used_total{guild="222222222222222222",unit="video_seconds"}')).toBe(5);
		expect(await sample(metrics, 'relaydance_bot_spend_total{guild="222222222222222222",model="doubao-seedance-2-0-1080p"}')).toBe(2.5);
	});

	it('reports no spend for a model without a price', async () => {
		const metrics = new BotMetrics({});
		metrics.jobEnded(deliveredVideo(), 196_000);
		expect(await metrics.text()).not.toMatch(/^relaydance_bot_spend_total\{/m);
	});

	it('reads the gauges from their sources at each scrape', async () => {
		const metrics = new BotMetrics();
		let inFlight = 2;
		metrics.watch({ tasks: () => ({ inFlight, waiting: 7 }), creditPaused: () => true, invalidRequests: () => 42, queue: async () => ({ waiting: 3, active: 1 }) });
		expect(await sample(metrics, 'relaydance_bot_tasks_in_flight')).toBe(2);
		inFlight = 4;
		expect(await sample(metrics, 'relaydance_bot_tasks_in_flight')).toBe(4);
		expect(await sample(metrics, 'relaydance_bot_jobs_waiting')).toBe(7);
		expect(await sample(metrics, 'relaydance_bot_credit_paused')).toBe(1);
		expect(await sample(metrics, 'relaydance_bot_discord_invalid_requests_10m')).toBe(42);
		expect(await sample(metrics, 'relaydance_bot_queue_jobs{state="waiting"}')).toBe(3);
		expect(await metrics.text()).toMatch(/^nodejs_eventloop_lag_seconds /m);
	});
});
