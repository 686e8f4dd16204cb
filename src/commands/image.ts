import { SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { MAX_IMAGE_REFERENCES, planImages, type ImageOptions } from '../services/jobs/image-request.js';
import { PROMPT_MAX_LENGTH, type ReferenceInput } from '../services/jobs/video-request.js';
import { imageSizes, MAX_IMAGES } from '../services/relaydance/image-models.js';
import { acceptJob } from './accept.js';
import { referenceFrom } from './attachment-reference.js';
import { planLimits } from './video-defaults.js';
import type { Command } from './command.js';
import { localizations, SOURCE_LOCALE, t, type MessageKey, type Params } from '../i18n/index.js';

/** A description in the source locale (the one Discord shows where it has no localization). */
const en = (key: MessageKey, params?: Params) => t(SOURCE_LOCALE, key, params);

// `prompt` (required) and `count` are fixed names: scripts outside the project use them.
const data = new SlashCommandBuilder()
	.setName('image')
	.setDescription(en('cmd.image')).setDescriptionLocalizations(localizations('cmd.image'))
	.addStringOption((option) => option.setName('prompt').setDescription(en('cmd.image.prompt')).setDescriptionLocalizations(localizations('cmd.image.prompt')).setRequired(true).setMaxLength(PROMPT_MAX_LENGTH))
	.addStringOption((option) => option.setName('model').setDescription(en('cmd.image.model')).setDescriptionLocalizations(localizations('cmd.image.model')).setAutocomplete(true))
	.addIntegerOption((option) => option.setName('count').setDescription(en('cmd.image.count', { max: MAX_IMAGES })).setDescriptionLocalizations(localizations('cmd.image.count', { max: MAX_IMAGES })).setMinValue(1).setMaxValue(MAX_IMAGES))
	.addStringOption((option) => option.setName('size').setDescription(en('cmd.image.size')).setDescriptionLocalizations(localizations('cmd.image.size')).setAutocomplete(true));
for (let slot = 1; slot <= MAX_IMAGE_REFERENCES; slot++) {
	data.addAttachmentOption((option) => option.setName(`image${slot}`).setDescription(en('cmd.image.image', { slot: String(slot) })).setDescriptionLocalizations(localizations('cmd.image.image', { slot: String(slot) })).setFileTypes('image'));
}

function readOptions(interaction: ChatInputCommandInteraction, { config }: BotContext): ImageOptions {
	const { options } = interaction;
	const references: ReferenceInput[] = [];
	for (let slot = 1; slot <= MAX_IMAGE_REFERENCES; slot++) {
		const attachment = options.getAttachment(`image${slot}`);
		if (!attachment) continue;
		references.push(referenceFrom('image', slot, attachment));
	}
	return {
		prompt: options.getString('prompt', true),
		model: options.getString('model') ?? config.DEFAULT_IMAGE_MODEL,
		count: options.getInteger('count') ?? 1,
		size: options.getString('size') ?? undefined,
		references,
	};
}

/**
 * `/image`: the same flow as `/video` on the images endpoint. Bad input is refused at once with its
 * own message, nothing spent; the images are charged to the member's image quota, one per image made.
 */
export const image = {
	data,
	async execute(interaction, context) {
		const plan = planImages(readOptions(interaction, context), planLimits(context, context.imageCatalog));
		await acceptJob(interaction, context, { kind: 'image', plan });
	},
	async autocomplete(interaction, context) {
		const focused = interaction.options.getFocused(true);
		if (focused.name === 'size') {
			// The sizes of the model chosen so far (or the default one), narrowed by what is typed.
			const model = interaction.options.getString('model') ?? context.config.DEFAULT_IMAGE_MODEL;
			const sizes = imageSizes(model).filter((size) => size.includes(focused.value.trim()));
			await interaction.respond(sizes.slice(0, 25).map((size) => ({ name: size, value: size })));
			return;
		}
		await interaction.respond(context.imageCatalog.search(focused.value).map((id) => ({ name: id, value: id })));
	},
} satisfies Command;
