import safeRegex from 'safe-regex2';
import { foldConfusables } from './confusables.js';

/**
 * A server's blocklist, matched the way a moderator means it: after Unicode compatibility
 * decomposition (NFKD: full-width `ｃａｔ` is `cat`, `ca\u0301t` is `c`, `a`, a mark, `t`) with the
 * combining marks then removed (`cát` is `cat`), and case folding (`CAT` is `cat`), with invisible
 * characters (zero-width, format, variation selectors, tags) removed too. Kana voicing marks are
 * kept (`が` is not `か`) and the text is composed again, so Japanese and Korean match as written.
 * A plain term matches as a whole word or phrase; `/pattern/` is a regular expression
 * (case-insensitive) tried on the same normalised text.
 */
export function normalizeForMatching(text: string): string {
	return foldCase(decompose(text));
}

/**
 * The ways a prompt or a term is looked at: as normalised, and with look-alike letters folded to
 * Latin first (Cyrillic `сat` is `cat`, `НАТ` is `hat`). A rule matches if it matches in either, so
 * a term or pattern written in Cyrillic or Greek still matches its own script.
 */
function views(text: string): [string, string] {
	const decomposed = decompose(text);
	return [foldCase(decomposed), foldCase(foldConfusables(decomposed))];
}

function decompose(text: string): string {
	return text
		.normalize('NFKD')
		.replace(/(?![\u3099\u309A])[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Mn}]/gu, '')
		.normalize('NFC');
}

function foldCase(text: string): string {
	return text.toLowerCase().replace(/ß/g, 'ss').replace(/ς/g, 'σ');
}

/**
 * The index of the first rule `prompt` breaks, or -1. A pattern that is not valid or not safe (one
 * that could backtrack for ever on a crafted prompt) is skipped: both are refused when added.
 */
export function brokenRule(prompt: string, rules: readonly string[]): number {
	if (rules.length === 0) return -1;
	const texts = views(prompt);
	return rules.findIndex((rule) => {
		let pattern: RegExp | undefined;
		try {
			pattern = asPattern(rule);
		} catch {
			return false;
		}
		if (pattern && !isSafePattern(pattern)) return false;
		if (pattern) return texts.some((text) => pattern.test(text));
		return views(rule).some((term, view) => {
			const trimmed = term.trim();
			return trimmed !== '' && new RegExp(`(?<![\\p{L}\\p{N}])${escape(trimmed)}(?![\\p{L}\\p{N}])`, 'u').test(texts[view]!);
		});
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
