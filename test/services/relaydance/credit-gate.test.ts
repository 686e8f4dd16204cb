import { describe, expect, it } from 'vitest';
import { CreditGate, isCreditExhausted } from '../../../src/services/relaydance/credit-gate.js';
import { APIError } from '../../../src/services/relaydance/errors.js';

describe('CreditGate', () => {
	it('tells the admins once per episode, however many submissions are refused, and opens on its own', async () => {
		let alerts = 0;
		const gate = new CreditGate(30, () => alerts++);
		gate.exhausted();
		gate.exhausted();
		expect(gate.paused).toBe(true);
		expect(alerts).toBe(1);
		await gate.whenOpen();
		expect(gate.paused).toBe(false);
		gate.exhausted(); // still the same episode: nothing went through yet
		expect(alerts).toBe(1);
		gate.succeeded(); // a submit already in flight when the gate closed again: not the end of the outage
		gate.exhausted();
		expect(alerts).toBe(1);
		await gate.whenOpen();
		gate.succeeded();
		gate.exhausted();
		expect(alerts).toBe(2);
	});

	it('lets a waiter go when its signal aborts', async () => {
		const gate = new CreditGate(60_000);
		gate.exhausted();
		const controller = new AbortController();
		const waiting = gate.whenOpen(controller.signal);
		controller.abort(new Error('stopping'));
		await expect(waiting).rejects.toThrow('stopping');
	});

	it('wakes its waiters even when the timer fires before the clock reaches the end of the pause', async () => {
		let now = 1_000;
		const gate = new CreditGate(20, () => {}, () => now);
		gate.exhausted();
		const waiting = gate.whenOpen();
		// The timer fires while the clock still says paused: the gate must set itself again.
		await new Promise((resolve) => setTimeout(resolve, 40));
		now = 1_010;
		await new Promise((resolve) => setTimeout(resolve, 5));
		now = 1_030;
		await expect(Promise.race([waiting.then(() => 'open'), new Promise((resolve) => setTimeout(() => resolve('stuck'), 200))])).resolves.toBe('open');
	});

	it('keeps a pause across a restart: still paused, and no second alert for the same outage', () => {
		const saved: Array<unknown> = [];
		let alerts = 0;
		let now = 1_000_000;
		const first = new CreditGate(60_000, () => alerts++, () => now, (state) => saved.push(state));
		first.exhausted();
		const state = saved.at(-1) as { pausedUntil: number };
		expect(state.pausedUntil).toBe(now + 60_000);
		const next = new CreditGate(60_000, () => alerts++, () => now, (change) => saved.push(change)).resume(state);
		expect(next.paused).toBe(true);
		next.exhausted();
		expect(alerts).toBe(1);
		now += 200_000; // the pause is over and a submission goes through: the record goes
		next.succeeded();
		expect(saved.at(-1)).toBeUndefined();
		// A record of a pause long over is dropped at start, and the next outage alerts again.
		const later = new CreditGate(60_000, () => alerts++, () => now, (change) => saved.push(change)).resume(state);
		expect(later.paused).toBe(false);
		later.exhausted();
		expect(alerts).toBe(2);
	});
});

describe('isCreditExhausted', () => {
	it('knows a spent balance by 402, or by a 403/429 that speaks of quota, balance or credit', () => {
		expect(isCreditExhausted(APIError.from(402, 'Insufficient account balance', 'insufficient_quota'))).toBe(true);
		expect(isCreditExhausted(APIError.from(403, 'user quota is not enough', 'insufficient_user_quota'))).toBe(true);
		expect(isCreditExhausted(APIError.from(429, 'You exceeded your current quota', 'insufficient_quota'))).toBe(true);
		expect(isCreditExhausted(APIError.from(429, 'Rate limit reached for requests', 'rate_limit_error'))).toBe(false);
		expect(isCreditExhausted(APIError.from(403, 'The API key is not allowed', 'forbidden'))).toBe(false);
		expect(isCreditExhausted(APIError.from(403, 'insufficient permissions for this model', 'forbidden'))).toBe(false);
		expect(isCreditExhausted(APIError.from(429, 'per-minute quota reached', 'rate_limit_error', undefined, 2_000))).toBe(false);
	});
});
