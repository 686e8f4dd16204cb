export { LOCALES, SOURCE_LOCALE, audienceLocale, resolveLocale, type Locale } from './locales.js';
export { text, type MessageKey, type Messages, type Param, type Params, type PluralForms, type Text } from './messages.js';
export { formatDuration, formatList, formatNumber, formatSeconds, formatSize, localizations, render, t, translator, type Translator } from './translate.js';
