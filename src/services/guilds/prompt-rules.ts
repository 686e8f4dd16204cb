/**
 * A server's blocklist, matched the way a moderator means it: after Unicode NFKC normalisation
 * (full-width `ｃａｔ` is `cat`) and case folding (`CAT` is `cat`), with zero-width characters
 * removed. A plain term matches as a whole word or phrase; `/pattern/` is a regular expression
 * (case-insensitive) tried on the same normalised text.
 */
export function normalizeForMatching(text: string): string {
	return text.normalize('NFKC').replace(/[\u200B-\u200D\u2060\uFEFF\u00AD]/g, '').toLowerCase();
}

/** The index of the first rule `prompt` breaks, or -1. Invalid patterns are skipped (they were refused when added). */
export function brokenRule(prompt: string, rules: readonly string[]): number {
	const text = normalizeForMatching(prompt);
	return rules.findIndex((rule) => {
		const pattern = asPattern(rule);
		if (pattern) return pattern.test(text);
		const term = normalizeForMatching(rule).trim();
		if (!term) return false;
		return new RegExp(`(?<![\\p{L}\\p{N}])${escape(term)}(?![\\p{L}\\p{N}])`, 'u').test(text);
	});
}

/** `/…/` as a case-insensitive regular expression; undefined for a plain term; throws for an invalid pattern. */
export function asPattern(rule: string): RegExp | undefined {
	const match = /^\/(.+)\/$/s.exec(rule.trim());
	return match ? new RegExp(match[1]!, 'iu') : undefined;
}

function escape(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
