import { botServerId } from './access.js';
import { SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { API_MAX_SECONDS } from '../services/relaydance/model-catalog.js';
import {
	MAX_REFERENCES,
	PROMPT_MAX_LENGTH,
	RATIOS,
	RESOLUTIONS,
	planVideo,
	REFERENCE_KINDS,
	FRAME_ROLES,
	type ReferenceInput,
	type VideoOptions,
} from '../services/jobs/video-request.js';
import { acceptJob } from './accept.js';
import { referenceFrom } from './attachment-reference.js';
import { planLimits, videoDefaults } from './video-defaults.js';
import type { Command } from './command.js';
import { FRAME_OPTIONS } from '../discord/render-creative.js';


const data = new SlashCommandBuilder()
	.setName('video')
	.setDescription('Generate a video with RelayDance from a prompt and optional reference media')
	.addStringOption((option) =>
		option.setName('prompt').setDescription('What happens; cite references as @image1, @video1, @audio1').setRequired(true).setMaxLength(PROMPT_MAX_LENGTH),
	)
	.addStringOption((option) => option.setName('model').setDescription('Video model').setAutocomplete(true))
	.addIntegerOption((option) => option.setName('seconds').setDescription('Length of the clip in seconds').setMinValue(1).setMaxValue(API_MAX_SECONDS))
	.addBooleanOption((option) => option.setName('audio').setDescription('Generate a soundtrack (on unless the server says otherwise)'))
	.addStringOption((option) =>
		option
			.setName('ratio')
			.setDescription('Aspect ratio')
			.addChoices(...RATIOS.map((ratio) => ({ name: ratio, value: ratio }))),
	)
	.addStringOption((option) =>
		option
			.setName('resolution')
			.setDescription('Output resolution')
			.addChoices(...RESOLUTIONS.map((resolution) => ({ name: resolution, value: resolution }))),
	);
for (const frame of Object.values(FRAME_OPTIONS)) {
	data.addAttachmentOption((option) => option.setName(frame.name).setDescription(frame.description).setFileTypes('image'));
}
for (const kind of REFERENCE_KINDS) {
	for (let slot = 1; slot <= MAX_REFERENCES[kind]; slot++) {
		data.addAttachmentOption((option) =>
			option
				.setName(`${kind}${slot}`)
				.setDescription(`Reference ${kind} cited in the prompt as @${kind}${slot}`)
				.setFileTypes(kind),
		);
	}
}

function readOptions(interaction: ChatInputCommandInteraction, context: BotContext): VideoOptions {
	const defaults = videoDefaults(context, botServerId(interaction));
	const { options } = interaction;
	const references: ReferenceInput[] = [];
	for (const kind of REFERENCE_KINDS) {
		for (let slot = 1; slot <= MAX_REFERENCES[kind]; slot++) {
			const attachment = options.getAttachment(`${kind}${slot}`);
			if (!attachment) continue;
			references.push(referenceFrom(kind, slot, attachment));
		}
	}
	for (const [slot, role] of FRAME_ROLES.entries()) {
		const attachment = options.getAttachment(role);
		if (attachment) references.push({ ...referenceFrom('image', slot + 1, attachment), role });
	}
	return {
		prompt: options.getString('prompt', true),
		model: options.getString('model') ?? defaults.model,
		seconds: options.getInteger('seconds') ?? defaults.seconds,
		audio: options.getBoolean('audio') ?? defaults.audio,
		ratio: options.getString('ratio') ?? defaults.ratio,
		resolution: options.getString('resolution') ?? defaults.resolution,
		references,
	};
}

/**
 * `/video`: refuses bad input before anything slow, then starts the job (`acceptJob`: reserve,
 * defer, hand to the runner) and returns; the runner edits the deferred reply until the video is there.
 */
export const video = {
	data,
	async execute(interaction, context) {
		const plan = planVideo(readOptions(interaction, context), planLimits(context));
		await acceptJob(interaction, context, { kind: 'video', plan });
	},
	async autocomplete(interaction, context) {
		const focused = interaction.options.getFocused();
		await interaction.respond(context.catalog.search(focused).map((id) => ({ name: id, value: id })));
	},
} satisfies Command;
