import type { LocalizationMap } from 'discord.js';
import { SOURCE_LOCALE } from './locales.js';
import type { MessageKey, Params } from './messages.js';
import { localizations, t } from './translate.js';

interface Describable<T> {
	setDescription(description: string): T;
	setDescriptionLocalizations(localizedDescriptions: LocalizationMap | null): T;
}

/**
 * Gives a command, subcommand or option its description from the dictionaries: the source's as
 * `description`, every other kept locale's in `description_localizations` (Discord shows each
 * member the one for their client's language). Names stay English.
 */
export function describe<T extends Describable<T>>(target: T, key: MessageKey, params?: Params): T {
	return target.setDescription(t(SOURCE_LOCALE, key, params)).setDescriptionLocalizations(localizations(key, params));
}
