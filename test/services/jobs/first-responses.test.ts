import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FirstResponses } from '../../../src/services/jobs/first-responses.js';

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

/** Lets pending promises run, without moving the clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);
/** Runs the next timer: with a batch waiting for its turn, the next turn of the event loop. */
const nextTurn = () => vi.advanceTimersToNextTimerAsync();

/** A first response the test settles by hand. */
function deferral() {
	let settle!: () => void;
	let fail!: (error: Error) => void;
	const done = new Promise<string>((resolve, reject) => {
		settle = () => resolve('deferred');
		fail = reject;
	});
	return { respond: () => done, settle, fail };
}

/** Starts `count` jobs' turns and records the order they start in. */
function jobs(gate: FirstResponses, count: number, started: number[]) {
	for (let index = 0; index < count; index++) void gate.turn().then(() => started.push(index));
}

describe('FirstResponses', () => {
	it('lets a job start at once when no first response is in flight', async () => {
		const gate = new FirstResponses({}, () => Date.now());
		const started: number[] = [];
		jobs(gate, 1, started);
		await settle();
		expect(started).toEqual([0]);
	});

	it('holds job starts while a first response is in flight, and lets them go, in order, once it is out', async () => {
		const gate = new FirstResponses({}, () => Date.now());
		const first = deferral();
		const sent = gate.send(first.respond);
		const started: number[] = [];
		jobs(gate, 3, started);
		await settle();
		expect(started).toEqual([]);
		first.settle();
		await expect(sent).resolves.toBe('deferred');
		await nextTurn();
		expect(started).toEqual([0, 1, 2]);
	});

	it('counts a deferral Discord refused as out, and passes its error on', async () => {
		const gate = new FirstResponses({}, () => Date.now());
		const refused = deferral();
		const sent = gate.send(refused.respond);
		const started: number[] = [];
		jobs(gate, 1, started);
		refused.fail(new Error('Unknown interaction'));
		await expect(sent).rejects.toThrow('Unknown interaction');
		await nextTurn();
		expect(started).toEqual([0]);
	});

	it('lets jobs go a batch per turn of the event loop, and stops between batches when a new first response goes out', async () => {
		const gate = new FirstResponses({ batch: 2 }, () => Date.now());
		const first = deferral();
		const firstSent = gate.send(first.respond);
		const started: number[] = [];
		jobs(gate, 5, started);
		first.settle();
		await firstSent;
		await nextTurn();
		expect(started).toEqual([0, 1]);
		const second = deferral();
		const secondSent = gate.send(second.respond);
		await nextTurn();
		expect(started).toEqual([0, 1]);
		second.settle();
		await secondSent;
		await nextTurn();
		expect(started).toEqual([0, 1, 2, 3]);
		await nextTurn();
		expect(started).toEqual([0, 1, 2, 3, 4]);
	});

	it('never holds a job longer than maxHoldMs, even while first responses keep going out', async () => {
		const gate = new FirstResponses({ maxHoldMs: 1_000 }, () => Date.now());
		const endless = deferral();
		void gate.send(endless.respond);
		const started: number[] = [];
		jobs(gate, 2, started);
		await vi.advanceTimersByTimeAsync(999);
		expect(started).toEqual([]);
		await vi.advanceTimersByTimeAsync(1);
		await nextTurn();
		expect(started).toEqual([0, 1]);
	});

	it('puts a job that arrives while others wait behind them', async () => {
		const gate = new FirstResponses({ batch: 1 }, () => Date.now());
		const first = deferral();
		const sent = gate.send(first.respond);
		const started: string[] = [];
		for (const name of ['early 1', 'early 2']) void gate.turn().then(() => started.push(name));
		first.settle();
		await sent;
		await nextTurn();
		expect(started).toEqual(['early 1']);
		void gate.turn().then(() => started.push('late'));
		await nextTurn();
		await nextTurn();
		expect(started).toEqual(['early 1', 'early 2', 'late']);
	});
});
