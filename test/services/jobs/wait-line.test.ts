import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WaitLine } from '../../../src/services/jobs/wait-line.js';

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

/** Lets granted promises settle without moving the clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

/** Starts an acquire and records when it is granted. */
function request(budget: WaitLine, bytes: number, order: string[], name: string, options: Parameters<WaitLine['acquire']>[1] = {}) {
	const held: { release?: () => void; error?: unknown } = {};
	budget.acquire(bytes, options).then(
		(release) => {
			order.push(name);
			held.release = release;
		},
		(error: unknown) => {
			held.error = error;
		},
	);
	return held;
}

describe('WaitLine', () => {
	it('grants at once while there is room, and frees on release (once, however often it is called)', async () => {
		const budget = new WaitLine(100);
		const release = await budget.acquire(60);
		expect(budget.freeBytes).toBe(40);
		release();
		release();
		expect(budget.freeBytes).toBe(100);
	});

	it('serves first come first served: a small request does not overtake a big one that is waiting', async () => {
		const budget = new WaitLine(100);
		const order: string[] = [];
		const first = request(budget, 60, order, 'first');
		await settle();
		const big = request(budget, 50, order, 'big');
		const small = request(budget, 10, order, 'small'); // would fit now, but 'big' came first
		await settle();
		expect(order).toEqual(['first']);
		expect(budget.waiting).toBe(2);

		first.release!();
		await settle();
		expect(order).toEqual(['first', 'big', 'small']);
		expect(budget.freeBytes).toBe(40);
		big.release!();
		small.release!();
		expect(budget.freeBytes).toBe(100);
	});

	it('clamps a request larger than the whole budget: it runs alone', async () => {
		const budget = new WaitLine(100);
		const order: string[] = [];
		const a = request(budget, 30, order, 'a');
		const b = request(budget, 30, order, 'b');
		await settle();
		const huge = request(budget, 1_000, order, 'huge');
		const after = request(budget, 1, order, 'after');
		await settle();
		a.release!();
		await settle();
		expect(order).toEqual(['a', 'b']);
		b.release!();
		await settle();
		expect(order).toEqual(['a', 'b', 'huge']);
		expect(budget.freeBytes).toBe(0);
		huge.release!();
		await settle();
		expect(order).toEqual(['a', 'b', 'huge', 'after']);
		expect(budget.freeBytes).toBe(99);
		after.release!();
	});

	it('reports each waiter its place in line, at once and then at most once a second', async () => {
		const budget = new WaitLine(1);
		const order: string[] = [];
		const holder = request(budget, 1, order, 'holder');
		await settle();
		const positions: Record<string, number[]> = { w1: [], w2: [], w3: [] };
		const waiters = Object.keys(positions).map((name) => request(budget, 1, order, name, { onPosition: (position) => positions[name]!.push(position) }));
		expect(positions).toEqual({ w1: [1], w2: [2], w3: [3] });

		holder.release!(); // w1 granted at once; w2 and w3 move up, but were told less than a second ago
		await vi.advanceTimersByTimeAsync(999);
		expect(order).toEqual(['holder', 'w1']);
		expect(positions).toEqual({ w1: [1], w2: [2], w3: [3] });
		await vi.advanceTimersByTimeAsync(1);
		expect(positions).toEqual({ w1: [1], w2: [2, 1], w3: [3, 2] });

		waiters[0]!.release!(); // w2 granted; w3 was told just now, so it hears about place 1 a second later
		await vi.advanceTimersByTimeAsync(500);
		expect(positions.w3).toEqual([3, 2]);
		await vi.advanceTimersByTimeAsync(500);
		expect(positions.w3).toEqual([3, 2, 1]);
		expect(positions.w2).toEqual([2, 1]); // granted: no more reports
	});

	it('costs one report per waiter per second however many releases happen, with 5,000 waiting', async () => {
		const budget = new WaitLine(1);
		const order: string[] = [];
		const holder = request(budget, 1, order, 'holder');
		await settle();
		let reports = 0;
		const waiters = Array.from({ length: 5_000 }, (_, index) => request(budget, 1, order, `w${index}`, { onPosition: () => reports++ }));
		expect(reports).toBe(5_000);
		holder.release!();
		await settle();
		for (let index = 0; index < 1_000; index++) {
			waiters[index]!.release!(); // 1,000 grants in the same instant
			await settle();
		}
		expect(order).toHaveLength(1_002);
		expect(reports).toBe(5_000);
		const clockReads = vi.spyOn(Date, 'now'); // read once per pass over the line
		await vi.advanceTimersByTimeAsync(1_000);
		expect(reports).toBe(5_000 + 3_999); // the ones still waiting, once each
		expect(clockReads.mock.calls.length).toBeLessThanOrEqual(4); // a pass or two, not one per millisecond
		clockReads.mockRestore();
		await vi.advanceTimersByTimeAsync(10_000);
		expect(reports).toBe(5_000 + 3_999); // nothing moved since
	});

	it('an aborted waiter leaves the line with the abort reason, and those behind it move up', async () => {
		const budget = new WaitLine(100);
		const order: string[] = [];
		const holder = request(budget, 60, order, 'holder');
		await settle();
		const controller = new AbortController();
		const big = request(budget, 80, order, 'big', { signal: controller.signal });
		const positions: number[] = [];
		const small = request(budget, 40, order, 'small', { onPosition: (position) => positions.push(position) });
		await settle();
		expect(order).toEqual(['holder']);

		const reason = new Error('job cancelled');
		controller.abort(reason);
		await settle();
		expect(big.error).toBe(reason);
		expect(order).toEqual(['holder', 'small']); // the big head no longer blocks it
		expect(budget.waiting).toBe(0);
		expect(positions).toEqual([2]);

		holder.release!();
		small.release!();
		expect(budget.freeBytes).toBe(100); // the aborted request took nothing
	});

	it('refuses at once when the signal is already aborted', async () => {
		const budget = new WaitLine(100);
		const reason = new Error('gone');
		await expect(budget.acquire(10, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
		expect(budget.freeBytes).toBe(100);
	});
});
