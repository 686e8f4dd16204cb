import type { ButtonInteraction, ModalSubmitInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { formId } from '../discord/custom-ids.js';
import type { ImageJob } from '../services/jobs/job.js';
import { planVideo, type ReferenceInput } from '../services/jobs/video-request.js';
import { UserError } from '../services/user-error.js';
import { acceptJob } from './accept.js';
import { assertMayGenerate, botServerId } from './access.js';
import { planLimits, videoDefaults } from './video-defaults.js';
import { referenceFrom } from './attachment-reference.js';
import { requestersJob } from './job-lookup.js';
import { ratioOfSize, readVideoForm, videoForm, withImageRole } from './video-form.js';
import { resolveLocale, t } from '../i18n/index.js';

/** **Animate** under image N of an `/image` result: opens the video form (a modal must be the first answer). */
export async function pressAnimate(interaction: ButtonInteraction, jobId: string, index: number, context: BotContext): Promise<void> {
	const job = await imageJob(context, jobId, interaction.user.id);
	assertMayGenerate(interaction, context);
	const locale = resolveLocale(interaction.locale);
	const form = videoForm(
		formId('animate', job.id, index),
		{ title: t(locale, 'form.animateTitle', { index }), prompt: job.settings.prompt, promptHint: t(locale, 'form.animateFrameHint'), ratio: ratioOfSize(job.settings.size), imageRole: 'first_frame' },
		videoDefaults(context, botServerId(interaction)),
		locale,
	);
	await interaction.showModal(form);
}

/**
 * The Animate form, sent: a `/video` from the image as its start frame, or with it as `@image1`
 * when the form says it is a reference. The image is read from the
 * message the button is under (Discord gives a fresh link to it); RelayDance's own link is the
 * fallback when the message did not come with the form.
 */
export async function submitAnimate(interaction: ModalSubmitInteraction, jobId: string, index: number, context: BotContext): Promise<void> {
	const job = await imageJob(context, jobId, interaction.user.id);
	const values = readVideoForm(interaction);
	const defaults = videoDefaults(context, botServerId(interaction));
	const plan = planVideo(
		{ ...values, model: defaults.model, resolution: defaults.resolution, ...withImageRole(values, imageReference(interaction, job, index)) },
		planLimits(context),
	);
	await acceptJob(interaction, context, { kind: 'video', plan });
}

async function imageJob(context: BotContext, jobId: string, userId: string): Promise<ImageJob> {
	const job = await requestersJob(context, jobId, userId, 'animate');
	if (job.kind !== 'image') throw new UserError('JobGone', 'refusal.notAnimatable');
	return job;
}

function imageReference(interaction: ModalSubmitInteraction, job: ImageJob, index: number): ReferenceInput {
	const attachment = interaction.message?.attachments.at(index - 1);
	if (attachment) {
		return referenceFrom('image', 1, { ...attachment, contentType: attachment.contentType ?? 'image/png' });
	}
	const saved = job.images?.[index - 1];
	if (!saved?.url) throw new UserError('JobGone', 'refusal.imageGone', { index });
	return { kind: 'image', slot: 1, name: saved.fileName, contentType: 'image/png', size: saved.bytes ?? 0, url: saved.url, hostedUrl: saved.url };
}
