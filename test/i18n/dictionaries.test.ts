import { describe, expect, it } from 'vitest';
import { DICTIONARIES } from '../../src/i18n/dictionaries.js';
import { LOCALES, SOURCE_LOCALE, resolveLocale, t, type Locale } from '../../src/i18n/index.js';
import { ORDINAL_KEYS } from '../../src/i18n/translate.js';
import type { MessageKey } from '../../src/i18n/messages.js';

const source = DICTIONARIES[SOURCE_LOCALE] as Record<string, unknown>;

function forms(entry: unknown): string[] {
	return typeof entry === 'string' ? [entry] : Object.values(entry as Record<string, string>);
}

function placeholders(entry: unknown): string[] {
	return [...new Set(forms(entry).flatMap((form) => [...form.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!)))].sort();
}

describe.each(LOCALES.filter((locale) => locale !== SOURCE_LOCALE))('the %s dictionary', (locale: Locale) => {
	const dictionary = DICTIONARIES[locale] as Record<string, unknown>;

	it('has every key of en-US and no other', () => {
		expect(Object.keys(dictionary).filter((key) => !(key in source))).toEqual([]);
		expect(Object.keys(source).filter((key) => !(key in dictionary))).toEqual([]);
	});

	it("uses the same placeholders as en-US's in every message", () => {
		const differing = Object.keys(source).filter((key) => JSON.stringify(placeholders(dictionary[key])) !== JSON.stringify(placeholders(source[key])));
		expect(differing.map((key) => `${key}: ${placeholders(dictionary[key]).join(',')} vs ${placeholders(source[key]).join(',')}`)).toEqual([]);
	});

	it('has plural forms where en-US has them, exactly in the categories the locale uses', () => {
		const wrong = Object.keys(source).flatMap((key) => {
			const mine = dictionary[key];
			if (typeof source[key] === 'string') return typeof mine === 'string' ? [] : [`${key}: plural forms where en-US has a string`];
			if (typeof mine === 'string') return [`${key}: a string where en-US has plural forms`];
			const type = ORDINAL_KEYS.has(key as MessageKey) ? 'ordinal' : 'cardinal';
			const expected = [...new Intl.PluralRules(locale, { type }).resolvedOptions().pluralCategories].sort();
			const given = Object.keys(mine as object).sort();
			return JSON.stringify(given) === JSON.stringify(expected) ? [] : [`${key}: ${given.join(',')} (the locale uses ${expected.join(',')})`];
		});
		expect(wrong).toEqual([]);
	});

	it('translates rather than copies (at most a few messages equal to the English)', () => {
		const same = Object.keys(source).filter((key) => typeof source[key] === 'string' && dictionary[key] === source[key] && !/^[\s\p{P}\p{S}{}\w]*\{\w+\}[\s\p{P}\p{S}{}\w]*$/u.test(source[key] as string));
		expect(same.length).toBeLessThan(25);
	});
});

describe('en-US', () => {
	it('has plural forms in exactly the categories English uses', () => {
		for (const [key, entry] of Object.entries(source)) {
			if (typeof entry === 'string') continue;
			const type = ORDINAL_KEYS.has(key as MessageKey) ? 'ordinal' : 'cardinal';
			expect(Object.keys(entry as object).sort(), key).toEqual([...new Intl.PluralRules('en-US', { type }).resolvedOptions().pluralCategories].sort());
		}
	});
});

describe('t', () => {
	it('chooses plural forms by the locale’s rules and formats numbers in its way', () => {
		expect(t('en-US', 'unit.images', { count: 1 })).toBe('1 image');
		expect(t('en-US', 'unit.images', { count: 1200 })).toBe('1,200 images');
		expect(t('pl', 'unit.images', { count: 2 })).toBe('2 obrazy');
		expect(t('pl', 'unit.images', { count: 5 })).toBe('5 obrazów');
		expect(t('ru', 'unit.images', { count: 21 })).toBe('21 изображение');
		expect(t('de', 'unit.images', { count: 1200 })).toBe('1.200 Bilder');
		expect(t('ja', 'unit.images', { count: 3 })).toBe('画像3枚');
	});

	it('reads places in line as ordinals', () => {
		expect([2, 3, 4, 11, 22].map((count) => t('en-US', 'place.nth', { count }))).toEqual(['2nd in line', '3rd in line', '4th in line', '11th in line', '22nd in line']);
		expect(t('fr', 'place.nth', { count: 1 })).toBe('1er dans la file');
	});

	it('formats seconds and sizes as units (the source keeps its own `5 s` and `20.0 MB`)', () => {
		expect(t('en-US', 'delivered.madeIn', { seconds: { seconds: 5 }, size: { bytes: 20 * 1024 * 1024 } })).toBe('Made in 5 s · 20.0 MB');
		expect(t('fr', 'delivered.madeIn', { seconds: { seconds: 5 }, size: { bytes: 20 * 1024 * 1024 } })).toBe('Créée en 5\u202fs · 20,0\u202fMo');
	});
});

describe('resolveLocale', () => {
	it.each([
		['de', 'de'],
		['en-GB', 'en-US'],
		['es-419', 'es-ES'],
		['zh-TW', 'en-US'],
		['nl', 'en-US'],
		[undefined, 'en-US'],
	])('%s reads %s', (given, kept) => expect(resolveLocale(given)).toBe(kept));
});
