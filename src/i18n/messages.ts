import type { enUS } from './locales/en-US.js';

/** Plural forms of one message, by `Intl.PluralRules` category; `other` is always there. */
export type PluralForms = { readonly [category in Intl.LDMLPluralRule]?: string } & { readonly other: string };

export type MessageKey = keyof typeof enUS;

/**
 * What a locale's dictionary must hold: every key of the source, a string where the source has one
 * and plural forms where it has them. Written `{ … } satisfies Messages`, a missing key or one the
 * source lacks fails the build.
 */
export type Messages = { readonly [K in MessageKey]: (typeof enUS)[K] extends string ? string : PluralForms };

/** A placeholder's value, formatted when the text is rendered, in the reader's locale. */
export type Param =
	| string
	| number
	| Text
	/** A duration in seconds, as a unit (`5 s`, `5 Sek.`, `5秒`). */
	| { readonly seconds: number }
	/** A size in bytes (`20.0 MB`, `20,0 Mo`). */
	| { readonly bytes: number }
	/** A duration in ms, in words (`2 minutes`, `2 Minuten`). */
	| { readonly duration: number }
	/** Items joined as the locale joins a list (`a, b, and c`; `or` for alternatives). */
	| { readonly list: readonly Param[]; readonly type?: 'and' | 'or' };

export type Params = Readonly<Record<string, Param>>;

/**
 * A text not yet in any language: a key and its values. Refusals and job failures carry one, and
 * the job record stores it, so the words are chosen when (and for whom) the message is shown.
 */
export interface Text {
	readonly key: MessageKey;
	readonly params?: Params;
}

export function text(key: MessageKey, params?: Params): Text {
	return params ? { key, params } : { key };
}
