import { describe, expect, it } from 'vitest';
import type { Job } from '../../../../src/services/jobs/job.js';
import { dayOf, lineOf } from '../../../../src/services/ops/page/overview.js';

const NOW = Date.UTC(2026, 0, 2, 12, 30);
const job = (id: string, fields: Partial<Job> & { model?: string; guildId?: string | null }): Job =>
	({
		id,
		kind: 'video',
		state: 'delivered',
		createdAt: NOW - 120_000,
		updatedAt: NOW - 60_000,
		requester: { userId: `u-${id}`, guildId: fields.guildId === undefined ? 'g1' : fields.guildId },
		reply: {},
		quota: { amount: 5 },
		settings: { model: fields.model ?? 'm1', prompt: 'p' },
		...fields,
	}) as unknown as Job;

describe('operator page overview', () => {
	it('splits the line into waiting and running, as this process holds each job when it does', () => {
		const queued = job('a', { state: 'queued' });
		const line = lineOf([queued, job('b', { state: 'running' }), job('c', {})], (id) => (id === 'a' ? { ...queued, queuePosition: 2 } : undefined), NOW);
		expect(line.waiting).toEqual([expect.objectContaining({ id: 'a', place: 2, cancellable: true, ageMs: 120_000 })]);
		expect(line.running).toEqual([expect.objectContaining({ id: 'b', cancellable: false })]);
	});

	it('counts the last day by outcome, lists failures with their reasons, and puts spend and seconds in the hour they were delivered', () => {
		const day = dayOf(
			[
				job('ok', { submittedAt: NOW - 100_000, result: { madeAt: NOW - 70_000, delivery: 'link', url: 'u', fileName: 'f', bytes: 1 } }),
				job('dm', { guildId: null, model: 'm2', quota: { amount: 10 } as Job['quota'] }),
				job('bad', { state: 'failed', failure: { kind: 'TaskFailed', message: 'blocked' } }),
				job('old', { updatedAt: NOW - 25 * 60 * 60_000 }),
			],
			{ m1: 2 },
			NOW,
		);
		expect(day.outcomes).toEqual({ delivered: 2, TaskFailed: 1 });
		expect(day.failures).toEqual([expect.objectContaining({ id: 'bad', outcome: 'TaskFailed', reason: 'blocked' })]);
		expect(day.ended.find((row) => row.id === 'ok')).toMatchObject({ delivery: 'link', canRedeliver: true });
		expect(day.hours).toHaveLength(24);
		expect(day.videoSeconds.byServer).toEqual({ g1: expect.any(Array), dm: expect.any(Array) });
		expect(day.videoSeconds.byServer.g1![23]).toBe(5);
		expect(day.videoSeconds.byModel.m2![23]).toBe(10);
		expect(day.spend.byModel.m1![23]).toBe(10);
		expect(day.spend.byModel.m2![23]).toBe(0);
		expect(day.stages.map((stage) => [stage.stage, stage.count, stage.medianS])).toEqual([
			['accepted_to_submitted', 1, 20],
			['submitted_to_finished', 1, 30],
			['finished_to_delivered', 1, 10],
		]);
	});
});
