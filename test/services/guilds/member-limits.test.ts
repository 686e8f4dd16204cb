import { describe, expect, it } from 'vitest';
import { emptySettings } from '../../../src/services/guilds/guild-settings.js';
import { memberLimit } from '../../../src/services/guilds/member-limits.js';
import { asPattern, brokenRule, isSafePattern } from '../../../src/services/guilds/prompt-rules.js';

describe('a member\'s limit', () => {
	const settings = { ...emptySettings(), memberDefault: { videoSeconds: 20 }, roles: { fans: { videoSeconds: 40 }, patrons: { videoSeconds: 90 }, imagers: { images: 50 } }, grants: { vip: { videoSeconds: 5 } } };

	it('is the best of their roles\' limits, over the server default', () => {
		expect(memberLimit(settings, { userId: 'u', roleIds: ['fans', 'patrons'] }, 'videoSeconds', 60)).toEqual({ limit: 90, source: 'role' });
	});

	it('is a grant when there is one, even below the roles\' limits', () => {
		expect(memberLimit(settings, { userId: 'vip', roleIds: ['patrons'] }, 'videoSeconds', 60)).toEqual({ limit: 5, source: 'grant' });
	});

	it('falls back to the server default, then to the bot default, per unit', () => {
		expect(memberLimit(settings, { userId: 'u', roleIds: ['imagers'] }, 'videoSeconds', 60)).toEqual({ limit: 20, source: 'server' });
		expect(memberLimit(settings, { userId: 'u', roleIds: [] }, 'images', 12)).toEqual({ limit: 12, source: 'bot' });
		expect(memberLimit(undefined, { userId: 'u', roleIds: [] }, 'videoSeconds', 60)).toEqual({ limit: 60, source: 'bot' });
	});
});

describe('the blocklist', () => {
	it('matches a term through full-width letters, capitals and zero-width characters', () => {
		for (const prompt of ['a ｃａｔ dancing', 'A CAT dancing', 'a c\u200Bat dancing', 'Cat!']) expect(brokenRule(prompt, ['dog', 'cat']), prompt).toBe(1);
	});

	it('matches whole words, so a term inside another word passes', () => {
		expect(brokenRule('concatenate the clips', ['cat'])).toBe(-1);
	});

	it('takes /patterns/, case-insensitive, on the normalised text', () => {
		expect(brokenRule('ＧＯＲＥ fest', ['/g[o0]re/'])).toBe(0);
		expect(brokenRule('a calm lake', ['/g[o0]re/'])).toBe(-1);
	});

	it('sees through other invisible characters and combining marks', () => {
		for (const prompt of ['c\u2063at', 'c\u200Eat', 'c\u034Fat', 'c\uFE0Fat', 'c\u{E0020}at', 'c\u180Eat']) expect(brokenRule(prompt, ['cat']), JSON.stringify(prompt)).toBe(0);
	});

	it('calls a pattern with nested repetition unsafe, and never runs one', () => {
		expect(isSafePattern(asPattern('/(a+)+$/')!)).toBe(false);
		expect(isSafePattern(asPattern('/c[a@]t/')!)).toBe(true);
		const started = Date.now();
		expect(brokenRule(`${'a'.repeat(40)}!`, ['/(a+)+$/'])).toBe(-1);
		expect(Date.now() - started).toBeLessThan(100);
	});
});
