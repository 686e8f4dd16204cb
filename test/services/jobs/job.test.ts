import { describe, expect, it } from 'vitest';
import { shownPlace } from '../../../src/services/jobs/job.js';

describe('shownPlace', () => {
	it('shows the first ten places exactly and rounds the rest up to a power of ten', () => {
		expect([1, 7, 10, 11, 100, 101, 999, 1000, 4900].map(shownPlace)).toEqual([1, 7, 10, 100, 100, 1000, 1000, 1000, 10000]);
	});

	it('changes a handful of times while a job walks from the back of a line of 5,000', () => {
		const shown = new Set(Array.from({ length: 5000 }, (_, index) => shownPlace(5000 - index)));
		expect(shown.size).toBeLessThanOrEqual(14);
	});
});
