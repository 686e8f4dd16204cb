import type { Locale } from './locales.js';
import type { Messages } from './messages.js';
import { de } from './locales/de.js';
import { enUS } from './locales/en-US.js';
import { es } from './locales/es-ES.js';
import { fr } from './locales/fr.js';
import { it } from './locales/it.js';
import { ja } from './locales/ja.js';
import { ko } from './locales/ko.js';
import { pl } from './locales/pl.js';
import { ptBR } from './locales/pt-BR.js';
import { ru } from './locales/ru.js';
import { tr } from './locales/tr.js';
import { zhCN } from './locales/zh-CN.js';

/** One dictionary per kept locale (adding a locale: its file, its line here, and its code in `LOCALES`). */
export const DICTIONARIES: Readonly<Record<Locale, Messages>> = {
	'en-US': enUS,
	de,
	fr,
	'es-ES': es,
	'pt-BR': ptBR,
	it,
	pl,
	ru,
	tr,
	ja,
	ko,
	'zh-CN': zhCN,
};
