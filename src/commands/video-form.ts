import {
	LabelBuilder,
	ModalBuilder,
	StringSelectMenuBuilder,
	StringSelectMenuOptionBuilder,
	TextInputBuilder,
	TextInputStyle,
	type ModalSubmitInteraction,
} from 'discord.js';
import type { VideoDefaults } from './video-defaults.js';
import { FORM_FIELDS } from '../discord/custom-ids.js';
import { PROMPT_MAX_LENGTH, RATIOS, type ReferenceInput } from '../services/jobs/video-request.js';
import { secondsRange } from '../services/relaydance/model-catalog.js';
import { clip } from '../services/text.js';
import { UserError } from '../services/user-error.js';
import { SOURCE_LOCALE, formatNumber, text, translator, type Locale, type Translator } from '../i18n/index.js';

/** What the form starts with: the prompt written so far, and a hint on citing the references. */
export interface FormDefaults {
	title: string;
	prompt: string;
	/** Shown under the prompt's label, e.g. how to cite the images. */
	promptHint?: string;
	ratio?: string;
	/** Set when the form is about one image: it asks whether that image is the start frame or a reference, this one chosen. */
	imageRole?: ImageRole;
}

/** What a form's single image is: the video's start frame, or a reference cited as `@image1`. */
export type ImageRole = 'first_frame' | 'reference';

/** The settings a member chose in the form. */
export interface FormValues {
	prompt: string;
	seconds: number;
	ratio: string | undefined;
	audio: boolean;
	/** Only from a form that asked (one image). */
	imageRole?: ImageRole;
}

/**
 * The form Animate and Make a video open: the prompt (its text input's id is `prompt`), and the
 * video settings that matter there (seconds, ratio, audio). The model, resolution and the rest
 * come from the server's defaults, else the bot's.
 */
export function videoForm(customId: string, defaults: FormDefaults, video: VideoDefaults, locale: Locale = SOURCE_LOCALE): ModalBuilder {
	const tr = translator(locale);
	const range = secondsRange(video.model);
	const prompt = promptField(tr, defaults.prompt);
	if (defaults.promptHint) prompt.setDescription(clip(defaults.promptHint, 100));
	const seconds = new LabelBuilder()
		.setLabel(tr('form.seconds'))
		.setDescription(`${formatNumber(locale, range.min)}–${formatNumber(locale, range.max)}`)
		.setTextInputComponent(new TextInputBuilder().setCustomId(FORM_FIELDS.seconds).setStyle(TextInputStyle.Short).setRequired(true).setMaxLength(2).setValue(String(video.seconds)));
	const chosenRatio = defaults.ratio ?? video.ratio ?? 'adaptive';
	const ratio = new LabelBuilder().setLabel(tr('form.ratio')).setStringSelectMenuComponent(
		new StringSelectMenuBuilder()
			.setCustomId(FORM_FIELDS.ratio)
			.setRequired(true)
			.addOptions(RATIOS.map((value) => new StringSelectMenuOptionBuilder().setLabel(value).setValue(value).setDefault(value === chosenRatio))),
	);
	const audio = new LabelBuilder().setLabel(tr('form.audio')).setStringSelectMenuComponent(
		new StringSelectMenuBuilder()
			.setCustomId(FORM_FIELDS.audio)
			.setRequired(true)
			.addOptions(
				new StringSelectMenuOptionBuilder().setLabel(tr('form.audioOn')).setValue('on').setDefault(video.audio),
				new StringSelectMenuOptionBuilder().setLabel(tr('form.audioOff')).setValue('off').setDefault(!video.audio),
			),
	);
	const labels = [prompt, seconds, ratio, audio];
	if (defaults.imageRole) labels.push(imageRoleField(tr, defaults.imageRole));
	return new ModalBuilder().setCustomId(customId).setTitle(clip(defaults.title, 45)).addLabelComponents(...labels);
}

/** A form's prompt: a paragraph input (its id says "prompt") holding `value`, at most what the model reads. */
export function promptField(tr: Translator, value: string): LabelBuilder {
	return new LabelBuilder()
		.setLabel(tr('form.prompt'))
		.setTextInputComponent(
			new TextInputBuilder()
				.setCustomId(FORM_FIELDS.prompt)
				.setStyle(TextInputStyle.Paragraph)
				.setRequired(true)
				.setMaxLength(PROMPT_MAX_LENGTH)
				.setValue(clip(value, PROMPT_MAX_LENGTH)),
		);
}

/** The question a form about one image asks: start frame or reference (a select in a label, as the ratio is). */
function imageRoleField(tr: Translator, chosen: ImageRole): LabelBuilder {
	return new LabelBuilder().setLabel(tr('form.imageRole')).setStringSelectMenuComponent(
		new StringSelectMenuBuilder()
			.setCustomId(FORM_FIELDS.imageRole)
			.setRequired(true)
			.addOptions(
				new StringSelectMenuOptionBuilder().setLabel(tr('form.imageRoleFirstFrame')).setValue('first_frame').setDefault(chosen === 'first_frame'),
				new StringSelectMenuOptionBuilder().setLabel(tr('form.imageRoleReference')).setValue('reference').setDefault(chosen === 'reference'),
			),
	);
}

/** Reads the form back; a value that is not one gets its own message. */
export function readVideoForm(interaction: ModalSubmitInteraction): FormValues {
	const { fields } = interaction;
	const rawSeconds = fields.getTextInputValue(FORM_FIELDS.seconds).trim();
	if (!/^\d{1,2}$/.test(rawSeconds)) throw new UserError('BadModalValue', 'refusal.secondsNotNumber', { value: rawSeconds ? `\`${clip(rawSeconds, 20)}\`` : text('word.nothing') });
	const ratio = fields.getStringSelectValues(FORM_FIELDS.ratio)[0];
	const audio = fields.getStringSelectValues(FORM_FIELDS.audio)[0];
	const role = fields.fields.has(FORM_FIELDS.imageRole) ? fields.getStringSelectValues(FORM_FIELDS.imageRole)[0] : undefined;
	return {
		prompt: fields.getTextInputValue(FORM_FIELDS.prompt),
		seconds: Number(rawSeconds),
		ratio: ratio === 'adaptive' ? 'adaptive' : ratio,
		audio: audio ? audio === 'on' : true,
		...(role && { imageRole: role === 'first_frame' ? 'first_frame' : 'reference' }),
	};
}

/**
 * The one image of a form, as the form says to use it: a reference as it is, or the start frame;
 * then `@image1`, which the form's prompt may still cite, is taken out (frames are not cited).
 */
export function withImageRole(values: FormValues, image: ReferenceInput): { prompt: string; references: ReferenceInput[] } {
	if (values.imageRole !== 'first_frame') return { prompt: values.prompt, references: [image] };
	const prompt = values.prompt.replace(/\s*@image1\b\s*/gi, ' ').trim();
	return { prompt, references: [{ ...image, slot: 1, role: 'first_frame' }] };
}

/** The ratio nearest to an image's `WxH` size, so Animate keeps the image's shape. */
export function ratioOfSize(size: string): string | undefined {
	const match = /^(\d+)x(\d+)$/.exec(size);
	if (!match) return undefined;
	const wanted = Number(match[1]) / Number(match[2]);
	let best: string | undefined;
	let bestDistance = Number.POSITIVE_INFINITY;
	for (const ratio of RATIOS) {
		const [w, h] = ratio.split(':').map(Number);
		if (!w || !h) continue;
		const distance = Math.abs(Math.log(w / h) - Math.log(wanted));
		if (distance < bestDistance) [best, bestDistance] = [ratio, distance];
	}
	return best;
}
