/**
 * The locales the bot speaks, as Discord names them (`locale` and `guild_locale` on an
 * interaction). `en-US` is the source: every other dictionary is typed from it.
 */
export const LOCALES = ['en-US', 'de', 'fr', 'es-ES', 'pt-BR', 'it', 'pl', 'ru', 'tr', 'ja', 'ko', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

export const SOURCE_LOCALE: Locale = 'en-US';

/**
 * Discord locales that are not kept but read one that is: Latin American Spanish reads the
 * Spanish dictionary (written without vosotros), British English the source. Anything else
 * not kept falls back to the source.
 */
const NEAREST: Readonly<Record<string, Locale>> = { 'es-419': 'es-ES', 'en-GB': 'en-US' };

/** The kept locale to speak for a locale Discord gave (possibly none, or one not kept). */
export function resolveLocale(locale: string | null | undefined): Locale {
	if (!locale) return SOURCE_LOCALE;
	if ((LOCALES as readonly string[]).includes(locale)) return locale as Locale;
	return NEAREST[locale] ?? SOURCE_LOCALE;
}

/**
 * Who reads a message decides its language: what only the member sees is in their own `locale`;
 * what others in the server see is in the server's `guild_locale`, or the member's outside servers.
 */
export function audienceLocale(where: { locale?: string | null; guildLocale?: string | null }): Locale {
	return resolveLocale(where.guildLocale ?? where.locale);
}
