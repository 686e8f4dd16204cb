import { describe, expect, it } from 'vitest';
import { InvalidRequestWindow } from '../../../src/services/ops/invalid-requests.js';

function windowAt(start = 1_000_000) {
	const clock = { now: start };
	const events: string[] = [];
	const window = new InvalidRequestWindow({
		limit: 100,
		windowMs: 60_000,
		now: () => clock.now,
		onHigh: (count) => events.push(`high ${count}`),
		onCalm: (count) => events.push(`calm ${count}`),
	});
	return { window, clock, events };
}

describe('InvalidRequestWindow', () => {
	it('counts 401, 403 and 429 but not shared-scope 429s or other errors', () => {
		const { window } = windowAt();
		for (const status of [401, 403, 429, 404, 400, 500, 200]) window.record(status);
		window.record(429, 'shared');
		window.record(429, 'user');
		expect(window.count()).toBe(4);
	});

	it('forgets answers older than the window', () => {
		const { window, clock } = windowAt();
		window.record(401);
		clock.now += 30_000;
		window.record(401);
		expect(window.count()).toBe(2);
		clock.now += 40_000;
		expect(window.count()).toBe(1);
		clock.now += 40_000;
		expect(window.count()).toBe(0);
	});

	it('turns high once at half the limit, and calm again below a quarter', () => {
		const { window, clock, events } = windowAt();
		for (let index = 0; index < 49; index++) window.record(403);
		expect(window.high).toBe(false);
		window.record(403);
		expect(window.high).toBe(true);
		for (let index = 0; index < 30; index++) window.record(403);
		expect(events).toEqual(['high 50']);
		clock.now += 70_000;
		expect(window.high).toBe(false);
		expect(events).toEqual(['high 50', 'calm 0']);
		for (let index = 0; index < 50; index++) window.record(401);
		expect(events).toEqual(['high 50', 'calm 0', 'high 50']);
	});
});
