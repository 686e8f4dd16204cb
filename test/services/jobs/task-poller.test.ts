import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
	APIConnectionError,
	APITimeoutError,
	AuthenticationError,
	BadRequestError,
	InternalServerError,
	InvalidResponseError,
	NotFoundError,
	PermissionDeniedError,
	RateLimitError,
} from '../../../src/services/relaydance/errors.js';
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

	it('waits out any number of 5xx in a row, then delivers what the task became', async () => {
		const { read } = scripted([...Array.from({ length: 40 }, () => new InternalServerError(502, 'bad gateway', undefined, undefined, undefined)), task('succeeded')]);
		const done = waitForTask(read, () => {}, { ...options, timeoutMs: 30 * 60_000 });
		await vi.runAllTimersAsync();
		await expect(done).resolves.toMatchObject({ status: 'succeeded' });
		expect(read).toHaveBeenCalledTimes(41);
	});

	it.each([
		['401', new AuthenticationError(401, 'revoked', undefined, undefined, undefined)],
		['403', new PermissionDeniedError(403, 'no', undefined, undefined, undefined)],
		['429', new RateLimitError(429, 'slow down', undefined, undefined, undefined)],
		['a reset', new APIConnectionError('Could not reach RelayDance (ECONNRESET)', true)],
		['a time-out', new APITimeoutError()],
		['a body off the contract', new InvalidResponseError('/video/generations/t', 'not JSON')],
	])('waits out %s like any other passing error', async (_name, error) => {
		const { read } = scripted([error, error, error, task('running', 50), error, task('succeeded')]);
		const done = waitForTask(read, () => {}, options);
		await vi.runAllTimersAsync();
		await expect(done).resolves.toMatchObject({ status: 'succeeded' });
		expect(read).toHaveBeenCalledTimes(6);
	});

	it('backs off after failed reads up to the cap, and waits longer when RelayDance sends Retry-After', async () => {
		const bad = () => new InternalServerError(502, 'x', undefined, undefined, undefined);
		const { read, times } = scripted([...Array.from({ length: 8 }, bad), new InternalServerError(503, 'x', undefined, undefined, 20_000), task('succeeded')]);
		const start = Date.now();
		const done = waitForTask(read, () => {}, options);
		await vi.runAllTimersAsync();
		await done;
		const gaps = times.map((time, index) => time - (index === 0 ? start : times[index - 1]!));
		expect(gaps.slice(0, 3)).toEqual([1_000, 1_300, 1_690]);
		expect(gaps.slice(6, 9)).toEqual([4_000, 4_000, 4_000]);
		expect(gaps[9]).toBe(20_000);
	});

	it('ends at once when RelayDance does not know the task (404, or a gateway\'s 400 task_not_exist)', async () => {
		for (const error of [new NotFoundError(404, 'task t not found', undefined, undefined, undefined), new BadRequestError(400, 'task_not_exist', 'task_not_exist', undefined, undefined)]) {
			const { read } = scripted([new InternalServerError(502, 'x', undefined, undefined, undefined), error]);
			const done = waitForTask(read, () => {}, options);
			const assertion = expect(done).rejects.toBe(error);
			await vi.runAllTimersAsync();
			await assertion;
			expect(read).toHaveBeenCalledTimes(2);
		}
	});

	it('ends with the task when RelayDance says it failed', async () => {
		const { read } = scripted([new InternalServerError(502, 'x', undefined, undefined, undefined), task('running', 10), task('failed')]);
		const done = waitForTask(read, () => {}, options);
		await vi.runAllTimersAsync();
		await expect(done).resolves.toMatchObject({ status: 'failed' });
		expect(read).toHaveBeenCalledTimes(3);
	});

	it('ends at once on an error that is not RelayDance\'s (a bug in onTask)', async () => {
		const { read } = scripted([task('running', 10)]);
		const bug = new TypeError('x is undefined');
		const done = waitForTask(read, () => {
			throw bug;
		}, options);
		const assertion = expect(done).rejects.toBe(bug);
		await vi.runAllTimersAsync();
		await assertion;
		expect(read).toHaveBeenCalledTimes(1);
	});

	it('gives up at the deadline during an outage, with the last read error as the cause', async () => {
		const last = new InternalServerError(504, 'gateway timeout', undefined, undefined, undefined);
		const start = Date.now();
		const read = vi.fn(async (): Promise<Task> => {
			throw Date.now() >= start + 30_000 ? last : new InternalServerError(502, 'x', undefined, undefined, undefined);
		});
		const done = waitForTask(read, () => {}, { ...options, timeoutMs: 30_000 });
		const assertion = expect(done).rejects.toSatisfy((error) => error instanceof PollTimeoutError && error.cause === last);
		await vi.runAllTimersAsync();
		await assertion;
		expect(Date.now() - start).toBe(30_000);
	});

	it('warns of failed reads once per interval, not on every poll, and says when reads work again', async () => {
		const log = { warn: vi.fn(), info: vi.fn() };
		const { read } = scripted([...Array.from({ length: 50 }, () => new InternalServerError(502, 'x', undefined, undefined, undefined)), task('succeeded')]);
		const start = Date.now();
		const done = waitForTask(read, () => {}, { ...options, timeoutMs: 30 * 60_000, log, errorLogIntervalMs: 60_000 });
		await vi.runAllTimersAsync();
		await done;
		const failingFor = Date.now() - start;
		expect(log.warn.mock.calls.length).toBe(1 + Math.floor((failingFor - 1_000) / 60_000));
		expect(log.warn.mock.calls[0]![0]).toMatchObject({ status: 502, errorsInRow: 1 });
		expect(log.info).toHaveBeenCalledTimes(1);
		expect(log.info.mock.calls[0]![0]).toMatchObject({ errorsInRow: 50 });
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
