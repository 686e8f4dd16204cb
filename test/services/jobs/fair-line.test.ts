import { describe, expect, it } from 'vitest';
import { FairLine } from '../../../src/services/jobs/fair-line.js';

describe('FairLine', () => {
	it('serves servers in turn: one server\'s ten requests do not put another\'s one ten places back', async () => {
		const line = new FairLine(1, 0);
		const holder = await line.acquire('busy');
		const served: string[] = [];
		const waits = [
			...Array.from({ length: 10 }, (_, index) => line.acquire('busy').then((release) => (served.push(`busy${index}`), release()))),
			line.acquire('quiet').then((release) => (served.push('quiet'), release())),
		];
		expect(line.order().map((waiter) => waiter.group).slice(0, 3)).toEqual(['busy', 'quiet', 'busy']);
		holder();
		await Promise.all(waits);
		expect(served.slice(0, 3)).toEqual(['busy0', 'quiet', 'busy1']);
		expect(served).toHaveLength(11);
	});

	it('tells each waiter its place as the line moves, and forgets one whose wait is aborted', async () => {
		const line = new FairLine(1, 0);
		const release = await line.acquire('a');
		const places: number[] = [];
		const controller = new AbortController();
		const first = line.acquire('a', { signal: controller.signal });
		const second = line.acquire('b', { onPosition: (position) => places.push(position) });
		expect(places).toEqual([2]);
		controller.abort(new Error('cancelled'));
		await expect(first).rejects.toThrow('cancelled');
		await new Promise((resolve) => setTimeout(resolve, 5));
		expect(places).toEqual([2, 1]);
		release();
		const next = await second;
		expect(line.running).toBe(1);
		next();
		expect(line.running).toBe(0);
	});

	it('gives a slot at once to a job whose task already exists, past the cap', async () => {
		const line = new FairLine(1, 0);
		await line.acquire('a');
		await line.acquire('b', { force: true });
		expect(line.running).toBe(2);
	});
});
