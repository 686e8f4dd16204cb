import safeRegex from 'safe-regex2';

/**
 * A server's blocklist, matched the way a moderator means it: after Unicode NFKC normalisation
 * (full-width `ｃａｔ` is `cat`) and case folding (`CAT` is `cat`), with invisible characters
 * (zero-width, format, variation selectors, tags) and combining marks removed. A plain term matches as a whole word or phrase; `/pattern/` is a regular expression
 * (case-insensitive) tried on the same normalised text.
 */
export function normalizeForMatching(text: string): string {
	return text
		.normalize('NFKC')
		.replace(/[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Mn}]/gu, '')
		.toLowerCase()
		.replace(/ß/g, 'ss')
		.replace(/ς/g, 'σ');
}

/**
 * The index of the first rule `prompt` breaks, or -1. A pattern that is not valid or not safe (one
 * that could backtrack for ever on a crafted prompt) is skipped: both are refused when added.
 */
export function brokenRule(prompt: string, rules: readonly string[]): number {
	if (rules.length === 0) return -1;
	const text = normalizeForMatching(prompt);
	return rules.findIndex((rule) => {
		let pattern: RegExp | undefined;
		try {
			pattern = asPattern(rule);
		} catch {
			return false;
		}
		if (pattern && !isSafePattern(pattern)) return false;
		if (pattern) return pattern.test(text);
		const term = normalizeForMatching(rule).trim();
		if (!term) return false;
		return new RegExp(`(?<![\\p{L}\\p{N}])${escape(term)}(?![\\p{L}\\p{N}])`, 'u').test(text);
	});
}

/**
 * Whether a pattern runs in bounded time: no nested quantifiers (star height above 1, as in
 * `(a+)+`), checked by fastify's safe-regex2, and not too many quantifiers in all. Patterns run on
 * the event loop, so one that backtracks exponentially would stall the bot for every server.
 */
export function isSafePattern(pattern: RegExp): boolean {
	return safeRegex(pattern) && (pattern.source.match(/[*+?}]/g)?.length ?? 0) <= MAX_QUANTIFIERS;
}
const MAX_QUANTIFIERS = 10;

/** `/…/` as a case-insensitive regular expression; undefined for a plain term; throws for an invalid pattern. */
export function asPattern(rule: string): RegExp | undefined {
	const match = /^\/(.+)\/$/s.exec(rule.trim());
	return match ? new RegExp(match[1]!, 'iu') : undefined;
}

function escape(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
