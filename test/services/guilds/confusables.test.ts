import { describe, expect, it } from 'vitest';
import { foldConfusables } from '../../../src/services/guilds/confusables.js';

describe('folding look-alike letters to Latin', () => {
	it('writes Cyrillic and Greek look-alikes as the Latin letters they pass for', () => {
		expect(foldConfusables('\u0441at')).toBe('cat');
		expect(foldConfusables('\u0421\u0410\u0422').toLowerCase()).toBe('cat');
		expect(foldConfusables('\u041D\u0410\u0422').toLowerCase()).toBe('hat');
		expect(foldConfusables('\u0456\u0406').toLowerCase()).toBe('ii');
		expect(foldConfusables('\u03B9\u03BF')).toBe('io');
	});

	it('leaves ASCII alone, where the full UTS #39 skeleton would not (m is not rn, I is not l)', () => {
		expect(foldConfusables('m I l 1 0 O rn')).toBe('m I l 1 0 O rn');
	});

	it('leaves letters that look like no Latin letter as they are', () => {
		expect(foldConfusables('日本語 한국어 ж')).toBe('日本語 한국어 ж');
	});
});
