import { describe, expect, it } from 'vitest';
import { estimateCost, needsConfirmation, type JobRequest } from '../../../src/services/jobs/cost.js';

const video = (model: string, seconds: number) => ({ kind: 'video', plan: { model, seconds } }) as unknown as JobRequest;
const images = (model: string, count: number) => ({ kind: 'image', plan: { model, count } }) as unknown as JobRequest;

describe('estimateCost', () => {
	it('is the price per second times the seconds, or per image times the images, to the cent', () => {
		const prices = { v: 0.1, i: 0.25 };
		expect(estimateCost(video('v', 3), prices)).toBe(0.3);
		expect(estimateCost(images('i', 3), prices)).toBe(0.75);
	});

	it('is undefined for a model without a price (a price of 0 is a price)', () => {
		expect(estimateCost(video('other', 5), { v: 0.1 })).toBeUndefined();
		expect(estimateCost(video('free', 5), { free: 0 })).toBe(0);
	});
});

describe('needsConfirmation', () => {
	it('holds only an estimate above a set threshold', () => {
		expect(needsConfirmation(2, 1.5)).toBe(true);
		expect(needsConfirmation(1.5, 1.5)).toBe(false);
		expect(needsConfirmation(0.3, 0.3)).toBe(false);
		expect(needsConfirmation(2, undefined)).toBe(false);
		expect(needsConfirmation(undefined, 1)).toBe(false);
		expect(needsConfirmation(2, 0)).toBe(false);
	});
});
