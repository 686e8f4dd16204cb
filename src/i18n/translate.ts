import { DICTIONARIES } from './dictionaries.js';
import { LOCALES, SOURCE_LOCALE, type Locale } from './locales.js';
import type { MessageKey, Param, Params, PluralForms, Text } from './messages.js';

/** Messages whose `{count}` is a place (1st, 2nd): chosen by ordinal rules, not cardinal ones. */
export const ORDINAL_KEYS: ReadonlySet<MessageKey> = new Set(['place.nth']);

const MB = 1024 * 1024;
const cache = new Map<string, Intl.PluralRules | Intl.NumberFormat | Intl.ListFormat>();

function cached<T extends Intl.PluralRules | Intl.NumberFormat | Intl.ListFormat>(id: string, make: () => T): T {
	let found = cache.get(id) as T | undefined;
	if (!found) cache.set(id, (found = make()));
	return found;
}

export function pluralRules(locale: Locale, type: Intl.PluralRuleType = 'cardinal'): Intl.PluralRules {
	return cached(`plural:${locale}:${type}`, () => new Intl.PluralRules(locale, { type }));
}

/** `1,234` / `1.234` / `1 234`. */
export function formatNumber(locale: Locale, value: number, options: Intl.NumberFormatOptions = {}): string {
	return cached(`number:${locale}:${JSON.stringify(options)}`, () => new Intl.NumberFormat(locale, options)).format(value);
}

/**
 * Seconds as a unit. The source locale keeps the bot's own `5 s` (what its members, scripts and
 * tests have always read); the others get `Intl.NumberFormat`'s short unit (`5 Sek.`, `5 秒`).
 */
export function formatSeconds(locale: Locale, seconds: number): string {
	if (locale === SOURCE_LOCALE) return `${formatNumber(locale, seconds)} s`;
	return formatNumber(locale, seconds, { style: 'unit', unit: 'second', unitDisplay: 'short' });
}

/** A size (bytes, KB, MB of 1024), as `formatBytes` in the source locale, through `Intl` units elsewhere. */
export function formatSize(locale: Locale, bytes: number): string {
	const [value, unit, digits] = bytes < 1024 ? [bytes, 'byte', 0] : bytes < MB ? [bytes / 1024, 'kilobyte', 0] : [bytes / MB, 'megabyte', 1];
	if (locale === SOURCE_LOCALE) return `${value.toFixed(digits)} ${{ byte: 'B', kilobyte: 'KB', megabyte: 'MB' }[unit]}`;
	return formatNumber(locale, value, { style: 'unit', unit, unitDisplay: 'short', minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A duration in words: seconds under a minute, minutes above (`2 minutes`, `2 Minuten`). */
export function formatDuration(locale: Locale, ms: number): string {
	const [value, unit] = ms < 60_000 ? [Math.round(ms / 1000), 'second'] : [Math.round(ms / 60_000), 'minute'];
	return formatNumber(locale, value, { style: 'unit', unit, unitDisplay: 'long' });
}

export function formatList(locale: Locale, items: readonly string[], type: 'and' | 'or' = 'and'): string {
	const type_ = type === 'or' ? 'disjunction' : 'conjunction';
	return cached(`list:${locale}:${type_}`, () => new Intl.ListFormat(locale, { type: type_ })).format(items);
}

function isText(value: object): value is Text {
	return 'key' in value;
}

function formatParam(locale: Locale, value: Param): string {
	if (typeof value === 'string') return value;
	if (typeof value === 'number') return formatNumber(locale, value);
	if (value === null || typeof value !== 'object') return String(value);
	if (isText(value)) return t(locale, value.key, value.params);
	if ('seconds' in value) return formatSeconds(locale, value.seconds);
	if ('bytes' in value) return formatSize(locale, value.bytes);
	if ('duration' in value) return formatDuration(locale, value.duration);
	if (!('list' in value)) return String(value);
	return formatList(locale, value.list.map((item) => formatParam(locale, item)), value.type);
}

/** The template for `count`: the locale's plural category, else `other`. */
function pick(locale: Locale, key: MessageKey, forms: PluralForms, count: number): string {
	const category = pluralRules(locale, ORDINAL_KEYS.has(key) ? 'ordinal' : 'cardinal').select(count);
	return forms[category] ?? forms.other;
}

/**
 * The message `key` in `locale`, its `{placeholders}` filled: numbers through `Intl.NumberFormat`,
 * plural forms chosen on `{count}`. A placeholder with no value is left as it is.
 */
export function t(locale: Locale, key: MessageKey, params: Params = {}): string {
	const entry = DICTIONARIES[locale][key] ?? DICTIONARIES[SOURCE_LOCALE][key];
	const template = typeof entry === 'string' ? entry : pick(locale, key, entry, typeof params.count === 'number' ? params.count : 0);
	return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
		const value = params[name];
		return value === undefined ? whole : formatParam(locale, value);
	});
}

/** A `Text` in `locale`. */
export function render(locale: Locale, value: Text): string {
	return t(locale, value.key, value.params);
}

/** `t` bound to one locale, for a renderer that writes many messages. */
export interface Translator {
	readonly locale: Locale;
	(key: MessageKey, params?: Params): string;
}

export function translator(locale: Locale): Translator {
	return Object.assign((key: MessageKey, params?: Params) => t(locale, key, params), { locale });
}

/** `{ de: …, fr: … }` for every kept locale but the source: a command's `description_localizations`. */
export function localizations(key: MessageKey, params?: Params): Record<Exclude<Locale, 'en-US'>, string> {
	return Object.fromEntries(LOCALES.filter((locale) => locale !== SOURCE_LOCALE).map((locale) => [locale, t(locale, key, params)])) as Record<Exclude<Locale, 'en-US'>, string>;
}
