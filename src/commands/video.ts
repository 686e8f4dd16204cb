import { botServerId } from './access.js';
import { ApplicationCommandOptionType, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
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
	type FrameRole,
	type ReferenceInput,
	type ReferenceKind,
	type VideoOptions,
} from '../services/jobs/video-request.js';
import { acceptJob } from './accept.js';
import { referenceFrom } from './attachment-reference.js';
import { planLimits, videoDefaults } from './video-defaults.js';
import type { Command } from './command.js';
import { localizations, SOURCE_LOCALE, t, type MessageKey, type Params } from '../i18n/index.js';

/** A description in the source locale (the one Discord shows where it has no localization). */
const en = (key: MessageKey, params?: Params) => t(SOURCE_LOCALE, key, params);


const data = new SlashCommandBuilder()
	.setName('video')
	.setDescription(en('cmd.video')).setDescriptionLocalizations(localizations('cmd.video'))
	.addStringOption((option) =>
		option.setName('prompt').setDescription(en('cmd.video.prompt')).setDescriptionLocalizations(localizations('cmd.video.prompt')).setRequired(true).setMaxLength(PROMPT_MAX_LENGTH),
	)
	.addStringOption((option) => option.setName('model').setDescription(en('cmd.video.model')).setDescriptionLocalizations(localizations('cmd.video.model')).setAutocomplete(true))
	.addIntegerOption((option) => option.setName('seconds').setDescription(en('cmd.video.seconds')).setDescriptionLocalizations(localizations('cmd.video.seconds')).setMinValue(1).setMaxValue(API_MAX_SECONDS))
	.addBooleanOption((option) => option.setName('audio').setDescription(en('cmd.video.audio')).setDescriptionLocalizations(localizations('cmd.video.audio')))
	.addStringOption((option) =>
		option
			.setName('ratio')
			.setDescription(en('cmd.video.ratio')).setDescriptionLocalizations(localizations('cmd.video.ratio'))
			.addChoices(...RATIOS.map((ratio) => ({ name: ratio, value: ratio }))),
	)
	.addStringOption((option) =>
		option
			.setName('resolution')
			.setDescription(en('cmd.video.resolution')).setDescriptionLocalizations(localizations('cmd.video.resolution'))
			.addChoices(...RESOLUTIONS.map((resolution) => ({ name: resolution, value: resolution }))),
	);
const FRAME_KEYS = { first_frame: 'cmd.video.firstFrame', last_frame: 'cmd.video.lastFrame' } as const;
for (const role of FRAME_ROLES) {
	data.addAttachmentOption((option) => option.setName(role).setDescription(en(FRAME_KEYS[role])).setDescriptionLocalizations(localizations(FRAME_KEYS[role])).setFileTypes('image'));
}
const REFERENCE_KEYS = { image: 'cmd.video.image', video: 'cmd.video.video', audio: 'cmd.video.audioRef' } as const;
for (const kind of REFERENCE_KINDS) {
	for (let slot = 1; slot <= MAX_REFERENCES[kind]; slot++) {
		data.addAttachmentOption((option) =>
			option
				.setName(`${kind}${slot}`)
				.setDescription(en(REFERENCE_KEYS[kind], { slot: String(slot) }))
				.setDescriptionLocalizations(localizations(REFERENCE_KEYS[kind], { slot: String(slot) }))
				.setFileTypes(kind),
		);
	}
}

/** An attachment option that carries a reference: `image3` is the third image. */
const REFERENCE_OPTION = new RegExp(`^(${REFERENCE_KINDS.join('|')})(\\d+)$`);

function readOptions(interaction: ChatInputCommandInteraction, context: BotContext): VideoOptions {
	const defaults = videoDefaults(context, botServerId(interaction));
	const { options } = interaction;
	// One pass over what was given (most requests carry no file), not a lookup per attachment option.
	const references: ReferenceInput[] = [];
	for (const option of options.data) {
		if (option.type !== ApplicationCommandOptionType.Attachment || !option.attachment) continue;
		const frame = FRAME_ROLES.indexOf(option.name as FrameRole);
		if (frame >= 0) references.push({ ...referenceFrom('image', frame + 1, option.attachment), role: FRAME_ROLES[frame] });
		const reference = REFERENCE_OPTION.exec(option.name);
		if (reference) references.push(referenceFrom(reference[1] as ReferenceKind, Number(reference[2]), option.attachment));
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
