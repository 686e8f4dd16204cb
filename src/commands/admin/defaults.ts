import type { AutocompleteInteraction } from 'discord.js';
import type { BotContext } from '../../context.js';
import { formatSpend, renderDefaults } from '../../discord/render-admin.js';
import type { JobDefaults } from '../../services/guilds/guild-settings.js';
import { secondsRange } from '../../services/relaydance/model-catalog.js';
import { UserError } from '../../services/user-error.js';
import type { AdminHandler } from './handler.js';

function botDefaults(context: BotContext) {
	const { config } = context;
	return { model: config.DEFAULT_VIDEO_MODEL, seconds: config.DEFAULT_SECONDS, audio: config.DEFAULT_AUDIO };
}

/**
 * `defaults`: only the options given change (`reset` first forgets them all); none given shows
 * them. The model must be one the bot knows, and the seconds in range for the model they go with.
 * `confirm_above` (0: off) holds any job estimated above it (`MODEL_PRICES`) for its member's Start.
 */
export const defaults: AdminHandler = async ({ interaction, context, guildId }) => {
	const { options } = interaction;
	const given: JobDefaults = {};
	const model = options.getString('model')?.trim();
	const seconds = options.getInteger('seconds');
	const audio = options.getBoolean('audio');
	const ratio = options.getString('ratio');
	const resolution = options.getString('resolution');
	const confirmAbove = options.getNumber('confirm_above');
	const reset = options.getBoolean('reset') === true;
	if (model) given.model = model;
	if (seconds !== null) given.seconds = seconds;
	if (audio !== null) given.audio = audio;
	if (ratio) given.ratio = ratio;
	if (resolution) given.resolution = resolution;
	// To the cent, as estimates are shown and compared.
	if (confirmAbove !== null) given.confirmAbove = Math.round(confirmAbove * 100) / 100;
	const current = context.guilds.get(guildId)!.defaults;
	const hasPrices = Object.keys(context.config.MODEL_PRICES).length > 0;
	if (Object.keys(given).length === 0 && !reset) return renderDefaults(current, botDefaults(context), undefined, hasPrices);

	const next: JobDefaults = { ...(reset ? {} : current), ...given };
	// 0 asks for no confirmation: the setting goes.
	if (next.confirmAbove === 0) delete next.confirmAbove;
	if (given.model && !context.catalog.has(given.model)) {
		const known = context.catalog.search(given.model, 5);
		const model = `\`${given.model}\``;
		if (known.length === 0) throw new UserError('UnknownModel', 'refusal.unknownDefaultModel', { model });
		throw new UserError('UnknownModel', 'refusal.unknownDefaultModelHint', { model, models: { list: known.map((id) => `\`${id}\``), type: 'or' } });
	}
	if (next.seconds !== undefined) {
		const effectiveModel = next.model ?? botDefaults(context).model;
		const range = secondsRange(effectiveModel);
		if (next.seconds < range.min || next.seconds > range.max) {
			const key = given.seconds === undefined ? 'refusal.defaultSecondsOutOfRangeKept' : 'refusal.defaultSecondsOutOfRange';
			throw new UserError('SecondsOutOfRange', key, { model: `\`${effectiveModel}\``, min: range.min, max: range.max, seconds: { seconds: next.seconds } });
		}
	}
	const saved = await context.guilds.update(guildId, (settings) => {
		settings.defaults = next;
	});
	return renderDefaults(saved.defaults, botDefaults(context), savedNote(given, reset), hasPrices);
};

function savedNote(given: JobDefaults, reset: boolean): string {
	if (reset && Object.keys(given).length === 0) return "Forgot this server's defaults: the bot's apply.";
	const { confirmAbove, ...videoDefaults } = given;
	if (Object.keys(videoDefaults).length > 0 || confirmAbove === undefined) return 'Saved. `/video`, Animate and Make a video use these when a member leaves them out.';
	if (confirmAbove === 0) return 'Saved. Members no longer confirm a job before it starts.';
	return `Saved. A member confirms any job estimated above ${formatSpend(confirmAbove)} before anything is spent.`;
}

/** The model option's autocomplete: video models from the catalog. */
export async function autocompleteDefaults(interaction: AutocompleteInteraction, context: BotContext): Promise<void> {
	const focused = interaction.options.getFocused(true);
	if (focused.name !== 'model') return interaction.respond([]);
	await interaction.respond(context.catalog.search(String(focused.value)).map((id) => ({ name: id.slice(0, 100), value: id.slice(0, 100) })));
}
