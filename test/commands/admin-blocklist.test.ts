import { describe, expect, it } from 'vitest';
import { validateTerm } from '../../src/commands/admin/blocklist.js';
import { brokenRule } from '../../src/services/guilds/prompt-rules.js';
import { UserError } from '../../src/services/user-error.js';

function refused(term: string): string {
	try {
		validateTerm(term);
	} catch (error) {
		expect(error).toBeInstanceOf(UserError);
		expect((error as UserError).identifier).toBe('BadSetting');
		return (error as UserError).message;
	}
	throw new Error(`expected ${term} to be refused`);
}

describe('blocklist terms', () => {
	it('keeps a word, a phrase or a valid /pattern/ as given (trimmed)', () => {
		expect(validateTerm('cat')).toBe('cat');
		expect(validateTerm('  Big Cat ')).toBe('Big Cat');
		expect(validateTerm('/c[a@]t/')).toBe('/c[a@]t/');
		expect(validateTerm('/\\bdo+g\\b/')).toBe('/\\bdo+g\\b/');
	});

	it('refuses an invalid pattern, saying so plainly and showing how one is written', () => {
		const message = refused('/[cat/');
		expect(message).toContain('is not a valid pattern');
		expect(message).toContain('`/[cat/`');
		expect(message).toContain('between slashes');
		expect(refused('/(a/')).toContain('is not a valid pattern');
		expect(refused('/a{2,1}/')).toContain('is not a valid pattern');
	});

	it('refuses a pattern that matches an empty prompt (it would refuse every prompt)', () => {
		expect(refused('/x*/')).toContain('refuse every prompt');
		expect(refused('/^/')).toContain('refuse every prompt');
		expect(refused('/\\s*/')).toContain('refuse every prompt');
	});

	it('refuses a term with nothing to match', () => {
		expect(refused('   ')).toContain('Give a word');
		expect(refused('\u200B\u200B')).toContain('no visible text');
	});

	it('matches what it keeps across width and case, and a pattern on the normalised prompt', () => {
		const rules = [validateTerm('cat'), validateTerm('/d[o0]g/')];
		expect(brokenRule('a ｃａｔ sleeps', rules)).toBe(0);
		expect(brokenRule('A CAT sleeps', rules)).toBe(0);
		expect(brokenRule('a category of things', rules)).toBe(-1);
		expect(brokenRule('a Ｄ0G barks', rules)).toBe(1);
	});
});
