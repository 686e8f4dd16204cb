import { LabelBuilder, ModalBuilder, StringSelectMenuBuilder, StringSelectMenuOptionBuilder, type ButtonInteraction, type ModalSubmitInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { FORM_FIELDS, formId } from '../discord/custom-ids.js';
import { planImages } from '../services/jobs/image-request.js';
import type { ImageJob, VideoJob } from '../services/jobs/job.js';
import { planVideo } from '../services/jobs/video-request.js';
import { imageSizes, MAX_IMAGES } from '../services/relaydance/image-models.js';
import { acceptJob } from './accept.js';
import { assertMayGenerate } from './access.js';
import { requestersJob } from './job-lookup.js';
import { planLimits } from './video-defaults.js';
import { promptField, readVideoForm, videoForm } from './video-form.js';
import { resolveLocale, translator, type Locale } from '../i18n/index.js';

/**
 * **Edit** under a result: the form of the job the button is under, filled with its prompt and
 * settings (read from the store, so it works after a restart); only its requester may open it.
 */
export async function pressEdit(interaction: ButtonInteraction, jobId: string, context: BotContext): Promise<void> {
	const job = await requestersJob(context, jobId, interaction.user.id, 'edit');
	assertMayGenerate(interaction, context);
	const locale = resolveLocale(interaction.locale);
	await interaction.showModal(job.kind === 'image' ? imageEditForm(job, locale) : videoEditForm(job, locale));
}

/**
 * The Edit form, sent: a new job with the form's prompt and settings and the old job's model and
 * references (frames too), which RelayDance's copies cite as Again does; through the checks and quota of any request.
 */
export async function submitEdit(interaction: ModalSubmitInteraction, jobId: string, context: BotContext): Promise<void> {
	const job = await requestersJob(context, jobId, interaction.user.id, 'edit');
	if (job.kind === 'image') {
		const { fields } = interaction;
		const count = Number(fields.getStringSelectValues(FORM_FIELDS.count)[0] ?? job.settings.count);
		const size = fields.getStringSelectValues(FORM_FIELDS.size)[0] ?? job.settings.size;
		const plan = planImages({ ...structuredClone(job.settings), prompt: fields.getTextInputValue(FORM_FIELDS.prompt), count, size }, planLimits(context, context.imageCatalog));
		return acceptJob(interaction, context, { kind: 'image', plan });
	}
	const { prompt, seconds, ratio, audio } = readVideoForm(interaction);
	const plan = planVideo({ ...structuredClone(job.settings), prompt, seconds, ratio, audio }, planLimits(context));
	await acceptJob(interaction, context, { kind: 'video', plan });
}

/** The video form, as Animate's, in the member's language. */
export function videoEditForm(job: VideoJob, locale: Locale): ModalBuilder {
	const { settings } = job;
	const tr = translator(locale);
	return videoForm(formId('edit', job.id), { title: tr('form.editVideoTitle'), prompt: settings.prompt, ...(settings.ratio && { ratio: settings.ratio }) }, settings, locale);
}

/** The image form: the prompt, how many images, and the sizes the job's model makes. */
export function imageEditForm(job: ImageJob, locale: Locale): ModalBuilder {
	const { settings } = job;
	const tr = translator(locale);
	const prompt = promptField(tr, settings.prompt);
	const counts = Array.from({ length: MAX_IMAGES }, (_, index) => index + 1);
	const count = new LabelBuilder().setLabel(tr('field.images')).setStringSelectMenuComponent(
		new StringSelectMenuBuilder()
			.setCustomId(FORM_FIELDS.count)
			.setRequired(true)
			.addOptions(counts.map((value) => new StringSelectMenuOptionBuilder().setLabel(tr('unit.images', { count: value })).setValue(String(value)).setDefault(value === settings.count))),
	);
	const size = new LabelBuilder().setLabel(tr('field.size')).setStringSelectMenuComponent(
		new StringSelectMenuBuilder()
			.setCustomId(FORM_FIELDS.size)
			.setRequired(true)
			.addOptions(imageSizes(settings.model).map((value) => new StringSelectMenuOptionBuilder().setLabel(value).setValue(value).setDefault(value === settings.size))),
	);
	return new ModalBuilder().setCustomId(formId('edit', job.id)).setTitle(tr('form.editImagesTitle')).addLabelComponents(prompt, count, size);
}
