import type { ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../../context.js';
import type { Rendered } from '../../discord/render.js';
import type { Limits } from '../../services/guilds/guild-settings.js';
import { UserError } from '../../services/user-error.js';
import type { Param } from '../../i18n/index.js';

/** One `/relaydance-admin` run, once the member is shown to manage `guildId`. */
export interface AdminCall {
	interaction: ChatInputCommandInteraction;
	context: BotContext;
	guildId: string;
}

/** A subcommand: changes what it must through `context.guilds` and says what it did (shown ephemerally). */
export type AdminHandler = (call: AdminCall) => Promise<Rendered>;

/** The `video_seconds` and `images` options given (0 allowed), or a refusal when neither is and `clear` is not set either. */
export function amountsGiven(interaction: ChatInputCommandInteraction, what: Param, clearing = false): Limits {
	const videoSeconds = interaction.options.getInteger('video_seconds');
	const images = interaction.options.getInteger('images');
	if (videoSeconds === null && images === null && !clearing) throw new UserError('BadSetting', 'refusal.amountsMissing', { what });
	return { ...(videoSeconds !== null && { videoSeconds }), ...(images !== null && { images }) };
}
