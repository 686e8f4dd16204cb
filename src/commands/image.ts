import { SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { MAX_IMAGE_REFERENCES, planImages, type ImageOptions } from '../services/jobs/image-request.js';
import { PROMPT_MAX_LENGTH, type ReferenceInput } from '../services/jobs/video-request.js';
import { imageSizes, MAX_IMAGES } from '../services/relaydance/image-models.js';
import { acceptJob } from './accept.js';
import { referenceFrom } from './attachment-reference.js';
import { planLimits } from './video-defaults.js';
import type { Command } from './command.js';

// `prompt` (required) and `count` are fixed names: scripts outside the project use them.
const data = new SlashCommandBuilder()
	.setName('image')
	.setDescription('Generate images with RelayDance from a prompt and optional reference images')
	.addStringOption((option) => option.setName('prompt').setDescription('What the image shows').setRequired(true).setMaxLength(PROMPT_MAX_LENGTH))
	.addStringOption((option) => option.setName('model').setDescription('Image model').setAutocomplete(true))
	.addIntegerOption((option) => option.setName('count').setDescription(`How many images (1–${MAX_IMAGES})`).setMinValue(1).setMaxValue(MAX_IMAGES))
	.addStringOption((option) => option.setName('size').setDescription('Image size (the sizes the chosen model takes)').setAutocomplete(true));
for (let slot = 1; slot <= MAX_IMAGE_REFERENCES; slot++) {
	data.addAttachmentOption((option) => option.setName(`image${slot}`).setDescription(`Reference image ${slot}`).setFileTypes('image'));
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
