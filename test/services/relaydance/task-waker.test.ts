import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TaskWaker } from '../../../src/services/relaydance/task-waker.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** Starts a wait and reports when (in fake ms from now) it ended. */
function timedWait(waker: TaskWaker, key: string, ms: number, signal?: AbortSignal) {
	const start = Date.now();
	const state: { endedAfter?: number } = {};
	const done = waker.wait(key, ms, signal).then(() => {
		state.endedAfter = Date.now() - start;
	});
	return Object.assign(state, { done });
}

describe('TaskWaker', () => {
	it('ends a wait early when its key is woken', async () => {
		const waker = new TaskWaker();
		waker.register('job');
		const wait = timedWait(waker, 'job', 60_000);
		await vi.advanceTimersByTimeAsync(1_000);
		expect(waker.wake('job')).toBe(true);
		await wait.done;
		expect(wait.endedAfter).toBe(1_000);
	});

	it('keeps a wake that came while no one waited for the next wait', async () => {
		const waker = new TaskWaker();
		waker.register('job');
		waker.wake('job');
		const wait = timedWait(waker, 'job', 60_000);
		await vi.advanceTimersByTimeAsync(0);
		expect(wait.endedAfter).toBe(0);
	});

	it('refuses a key that is not registered, or no longer is, and lets its wait run its course', async () => {
		const waker = new TaskWaker();
		expect(waker.wake('never')).toBe(false);
		waker.register('job');
		waker.unregister('job');
		expect(waker.wake('job')).toBe(false);
		const wait = timedWait(waker, 'job', 3_000);
		await vi.advanceTimersByTimeAsync(2_999);
		expect(wait.endedAfter).toBeUndefined();
		await vi.advanceTimersByTimeAsync(1);
		expect(wait.endedAfter).toBe(3_000);
	});

	it('coalesces a burst of wakes into one re-read now and at most one more after the gap', async () => {
		const waker = new TaskWaker({ minGapMs: 5_000 });
		waker.register('job');
		const ends: number[] = [];
		const start = Date.now();
		// A poller: wait, "read", wait again, four times.
		const poller = (async () => {
			for (let read = 0; read < 4; read++) {
				await waker.wait('job', 20_000);
				ends.push(Date.now() - start);
			}
		})();
		await vi.advanceTimersByTimeAsync(100);
		for (let index = 0; index < 100; index++) {
			expect(waker.wake('job')).toBe(true);
			await vi.advanceTimersByTimeAsync(10);
		}
		await vi.advanceTimersByTimeAsync(50_000);
		await poller;
		// 100 → the first wake at once, the other 99 as one read 5 s after it; then the 20 s rhythm.
		expect(ends).toEqual([100, 5_100, 25_100, 45_100]);
	});

	it('never drops a deferred wake, even when no one waits at the moment it falls due', async () => {
		const waker = new TaskWaker({ minGapMs: 5_000 });
		waker.register('job');
		const first = timedWait(waker, 'job', 60_000);
		waker.wake('job');
		await first.done;
		waker.wake('job'); // too soon: deferred to 5 s after the first
		await vi.advanceTimersByTimeAsync(7_000); // the poller is "reading" meanwhile, not waiting
		const second = timedWait(waker, 'job', 60_000);
		await vi.advanceTimersByTimeAsync(0);
		expect(second.endedAfter).toBe(0);
	});

	it('lets a wake through at once when the last re-read it caused is older than the gap', async () => {
		const waker = new TaskWaker({ minGapMs: 5_000 });
		waker.register('job');
		const first = timedWait(waker, 'job', 60_000);
		waker.wake('job');
		await first.done;
		const second = timedWait(waker, 'job', 60_000);
		await vi.advanceTimersByTimeAsync(6_000);
		waker.wake('job');
		await vi.advanceTimersByTimeAsync(0);
		expect(second.endedAfter).toBe(6_000);
	});

	it('drops a deferred wake when the job is unregistered', async () => {
		const waker = new TaskWaker({ minGapMs: 5_000 });
		waker.register('job');
		const first = timedWait(waker, 'job', 60_000);
		waker.wake('job');
		await first.done;
		waker.wake('job');
		waker.unregister('job');
		expect(vi.getTimerCount()).toBe(0);
	});

	it('rejects a wait when its signal aborts', async () => {
		const waker = new TaskWaker();
		waker.register('job');
		const abort = new AbortController();
		const wait = waker.wait('job', 60_000, abort.signal);
		abort.abort(new Error('shutting down'));
		await expect(wait).rejects.toThrow('shutting down');
	});
});
