import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthenticationError, InternalServerError } from '../../../src/services/relaydance/errors.js';
import type { Task } from '../../../src/services/relaydance/schemas.js';
import { PollTimeoutError, waitForTask } from '../../../src/services/jobs/task-poller.js';

const task = (status: Task['status'], progress?: number): Task => ({ taskId: 't', status, progress, url: status === 'succeeded' ? 'https://x/v.mp4' : undefined, errorCode: undefined, errorMessage: undefined });
const options = { intervalMs: 1_000, maxIntervalMs: 4_000, timeoutMs: 60_000 };

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** Runs `read` answers in order, recording the fake time of each read. */
function scripted(answers: Array<Task | Error>) {
	const times: number[] = [];
	const read = vi.fn(async () => {
		times.push(Date.now());
		const next = answers.shift() ?? task('running');
		if (next instanceof Error) throw next;
		return next;
	});
	return { read, times };
}

describe('waitForTask', () => {
	it('reads until a final state and reports every reading', async () => {
		const { read } = scripted([task('submitted'), task('running', 10), task('running', 60), task('succeeded')]);
		const seen: string[] = [];
		const done = waitForTask(read, (reading) => void seen.push(`${reading.status}:${reading.progress ?? ''}`), options);
		await vi.runAllTimersAsync();
		await expect(done).resolves.toMatchObject({ status: 'succeeded' });
		expect(seen).toEqual(['submitted:', 'running:10', 'running:60', 'succeeded:']);
	});

	it('backs off with each poll, up to the cap', async () => {
		const { read, times } = scripted([...Array.from({ length: 8 }, (_, index) => task('running', index * 10)), task('succeeded')]);
		const start = Date.now();
		const done = waitForTask(read, () => {}, options);
		await vi.runAllTimersAsync();
		await done;
		const gaps = times.map((time, index) => time - (index === 0 ? start : times[index - 1]!));
		expect(gaps[0]).toBe(1_000);
		expect(gaps[1]).toBe(1_300);
		expect(gaps[2]).toBe(1_690);
		expect(Math.max(...gaps)).toBe(4_000);
		expect(gaps.every((gap, index) => index === 0 || gap >= gaps[index - 1]!)).toBe(true);
	});

	it('tolerates transient errors in a row up to the limit', async () => {
		const { read } = scripted([new InternalServerError(502, 'bad gateway', undefined, undefined, undefined), new InternalServerError(500, 'x', undefined, undefined, undefined), task('succeeded')]);
		const done = waitForTask(read, () => {}, options);
		await vi.runAllTimersAsync();
		await expect(done).resolves.toMatchObject({ status: 'succeeded' });
	});

	it('gives up after too many transient errors in a row', async () => {
		const { read } = scripted(Array.from({ length: 10 }, () => new InternalServerError(500, 'x', undefined, undefined, undefined)));
		const done = waitForTask(read, () => {}, { ...options, maxConsecutiveErrors: 3 });
		const assertion = expect(done).rejects.toBeInstanceOf(InternalServerError);
		await vi.runAllTimersAsync();
		await assertion;
		expect(read).toHaveBeenCalledTimes(4);
	});

	it('stops at once on an error that will not pass (401)', async () => {
		const { read } = scripted([new AuthenticationError(401, 'revoked', undefined, undefined, undefined)]);
		const done = waitForTask(read, () => {}, options);
		const assertion = expect(done).rejects.toBeInstanceOf(AuthenticationError);
		await vi.runAllTimersAsync();
		await assertion;
		expect(read).toHaveBeenCalledTimes(1);
	});

	it('gives up on a stuck task at the overall deadline', async () => {
		const { read } = scripted([]);
		const start = Date.now();
		const done = waitForTask(read, () => {}, { ...options, timeoutMs: 30_000 });
		const assertion = expect(done).rejects.toBeInstanceOf(PollTimeoutError);
		await vi.runAllTimersAsync();
		await assertion;
		expect(Date.now() - start).toBe(30_000);
		expect(read.mock.calls.length).toBeLessThan(15);
	});
});
