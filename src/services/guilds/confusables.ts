import { createRequire } from 'node:module';

/**
 * Unicode's confusables table (UTS #39, `confusables.txt`) as kept by the `unhomoglyph` package:
 * each character that can pass for another, mapped to its prototype. Read as data rather than
 * through the package's own function, whose full skeleton also rewrites plain ASCII (`m` to `rn`,
 * `I` and `1` to `l`, `0` to `O`) and would make matching case-sensitive and `/patterns/` surprising.
 */
const confusables = createRequire(import.meta.url)('unhomoglyph/data.json') as Record<string, string>;

/** Every non-ASCII character whose prototype is made of Latin letters: Cyrillic `с` → `c`, Greek `ι` → `i`, `Н` → `H`. */
const TO_LATIN = new Map(Object.entries(confusables).filter(([from, to]) => /[^\x00-\x7F]/.test(from) && /^[A-Za-z]+$/.test(to)));

/**
 * `text` with each letter that looks like Latin written as that Latin letter (`сat` with a Cyrillic
 * `с` becomes `cat`), for matching only: the result is not meant to be read or stored. ASCII is
 * left alone. A character's lower case is looked up first, so `І` (Cyrillic, capital) folds to `i`
 * as its small form does, not to the `l` that the table gives for capital I; letters whose
 * capital alone looks Latin (`Н`, `К`, `М`) fold through the capital.
 */
export function foldConfusables(text: string): string {
	let folded = '';
	for (const char of text) {
		if (char.charCodeAt(0) < 0x80) folded += char;
		else folded += TO_LATIN.get(char.toLowerCase()) ?? TO_LATIN.get(char) ?? char;
	}
	return folded;
}
