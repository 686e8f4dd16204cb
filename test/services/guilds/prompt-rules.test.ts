import { describe, expect, it } from 'vitest';
import { brokenRule, normalizeForMatching } from '../../../src/services/guilds/prompt-rules.js';

describe('a blocklist term', () => {
	it('matches through a combining mark written apart from its letter (decomposed before marks are removed)', () => {
		expect(brokenRule('a ca\u0301t dancing', ['cat'])).toBe(0);
		expect(brokenRule('a c\u0327a\u0308t dancing', ['cat'])).toBe(0);
		expect(brokenRule('a cát dancing', ['cat'])).toBe(0);
	});

	it('matches through Cyrillic and Greek look-alike letters, in small and capital forms', () => {
		for (const prompt of ['a \u0441at dancing', 'a c\u0430t dancing', 'a \u0441\u0430t dancing', 'A \u0421\u0410T DANCING']) expect(brokenRule(prompt, ['cat']), JSON.stringify(prompt)).toBe(0);
		expect(brokenRule('a \u039A\u0399T', ['kit'])).toBe(0);
		expect(brokenRule('HAT', ['\u041D\u0410\u0422'])).toBe(0);
	});

	it('matches full-width letters', () => {
		expect(brokenRule('a ｃａｔ dancing', ['cat'])).toBe(0);
	});

	it('matches whole words only, in every view', () => {
		expect(brokenRule('cat.', ['cat'])).toBe(0);
		expect(brokenRule('(\u0441at)', ['cat'])).toBe(0);
		expect(brokenRule('concatenate the clips', ['cat'])).toBe(-1);
		expect(brokenRule('con\u0441atenate the clips', ['cat'])).toBe(-1);
		expect(brokenRule('a category of things', ['cat'])).toBe(-1);
		expect(brokenRule('cats', ['cat'])).toBe(-1);
	});

	it('written in Cyrillic, matches its own script and what looks the same', () => {
		expect(brokenRule('большой кот', ['кот'])).toBe(0);
		expect(brokenRule('собака', ['кот'])).toBe(-1);
		expect(brokenRule('\u0441\u043E\u0440', ['cop'])).toBe(0);
	});

	it('takes a /pattern/ on the folded text too, and a Cyrillic pattern on its own script', () => {
		expect(brokenRule('a \u0441at', ['/c[a@]t/'])).toBe(0);
		expect(brokenRule('кот', ['/к[оа]т/'])).toBe(0);
		expect(brokenRule('a calm lake', ['/c[a@]t/'])).toBe(-1);
	});
});

describe('normalised text', () => {
	it('keeps Japanese, Korean and Russian as written (composed again, voicing marks kept)', () => {
		expect(normalizeForMatching('がっこう')).toBe('がっこう');
		expect(normalizeForMatching('한국어')).toBe('한국어');
		expect(normalizeForMatching('Привет мир')).toBe('привет мир');
		expect(brokenRule('がっこう', ['かっこう'])).toBe(-1);
	});
});
