import { ApplicationCommandType, ContextMenuCommandBuilder, type MessageContextMenuCommandInteraction, type ModalSubmitInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { formId } from '../discord/custom-ids.js';
import type { VideoDraft } from '../services/jobs/drafts.js';
import { MAX_REFERENCES, planVideo, referenceKindOf, REFERENCE_KINDS, type ReferenceInput } from '../services/jobs/video-request.js';
import { clip } from '../services/text.js';
import { UserError } from '../services/user-error.js';
import { acceptJob } from './accept.js';
import { assertMayGenerate, botServerId } from './access.js';
import { planLimits, videoDefaults } from './video-defaults.js';
import { referenceFrom, type AttachmentLike } from './attachment-reference.js';
import type { MessageCommand } from './command.js';
import { readVideoForm, videoForm, withImageRole } from './video-form.js';
import { resolveLocale, t } from '../i18n/index.js';

/** The command's name is fixed: scripts outside the project look for it. */
export const MAKE_A_VIDEO = 'Make a video';

/**
 * The message's image, video and audio attachments in message order, up to 9 / 3 / 3, each
 * numbered within its kind (the images become `@image1`…); the rest named as left out.
 */
export function takeAttachments(attachments: AttachmentLike[]): Pick<VideoDraft, 'references' | 'leftOut'> {
	const references: ReferenceInput[] = [];
	const leftOut: string[] = [];
	for (const attachment of attachments) {
		const name = clip(attachment.name, 60);
		const kind = referenceKindOf(attachment.name, attachment.contentType ?? undefined);
		if (!kind) {
			leftOut.push(`${name} (not an image, video or audio file)`);
			continue;
		}
		const slot = references.filter((reference) => reference.kind === kind).length + 1;
		if (slot > MAX_REFERENCES[kind]) {
			leftOut.push(`${name} (one request takes at most ${MAX_REFERENCES[kind]} ${kind}s)`);
			continue;
		}
		references.push(referenceFrom(kind, slot, attachment));
	}
	return { references, leftOut };
}

/**
 * Right-click a message → Apps → **Make a video**: takes its attachments, keeps them as a draft in
 * the store, and opens the video form; its submit runs the same flow as `/video`.
 */
export const makeVideo = {
	data: new ContextMenuCommandBuilder().setName(MAKE_A_VIDEO).setType(ApplicationCommandType.Message),
	async execute(interaction: MessageContextMenuCommandInteraction, context: BotContext) {
		assertMayGenerate(interaction, context);
		const taken = takeAttachments([...interaction.targetMessage.attachments.values()]);
		if (taken.references.length === 0) {
			if (taken.leftOut.length === 0) throw new UserError('NoUsableAttachments', 'refusal.noAttachments');
			throw new UserError('NoUsableAttachments', 'refusal.noAttachmentsLeftOut', { leftOut: taken.leftOut.join(', ') });
		}
		const draftId = await context.drafts.put({ userId: interaction.user.id, ...taken });
		const citations = REFERENCE_KINDS.flatMap((kind) => taken.references.filter((reference) => reference.kind === kind).map((reference) => `@${kind}${reference.slot}`));
		const locale = resolveLocale(interaction.locale);
		const form = videoForm(
			formId('make-video', draftId),
			{ title: t(locale, 'form.makeVideoTitle'), prompt: `${citations.join(' ')} `, promptHint: t(locale, 'form.citeHint', { citations: citations.join(', ') }), ...(oneImage(taken.references) && { imageRole: 'reference' }) },
			videoDefaults(context, botServerId(interaction)),
			locale,
		);
		await interaction.showModal(form);
	},
} satisfies MessageCommand;

/** The Make a video form, sent: the draft's references and the form's settings, through `/video`'s checks and quota. */
export async function submitMakeVideo(interaction: ModalSubmitInteraction, draftId: string, context: BotContext): Promise<void> {
	const claimed = await context.drafts.claim(draftId);
	if (!claimed || claimed.draft.userId !== interaction.user.id) {
		await claimed?.done(false);
		throw new UserError('FormExpired', 'refusal.formExpired');
	}
	const { draft } = claimed;
	let started = false;
	try {
		const values = readVideoForm(interaction);
		const defaults = videoDefaults(context, botServerId(interaction));
		const media = oneImage(draft.references) ? withImageRole(values, draft.references[0]!) : { prompt: values.prompt, references: draft.references };
		const plan = planVideo(
			{ ...values, ...media, model: defaults.model, resolution: defaults.resolution, ...(draft.leftOut.length > 0 && { leftOut: draft.leftOut }) },
			planLimits(context),
		);
		await acceptJob(interaction, context, { kind: 'video', plan });
		started = true;
	} finally {
		await claimed.done(started).catch(() => {});
	}
}

/** A message with one image and nothing else: its form asks whether the image is the start frame or a reference. */
function oneImage(references: ReferenceInput[]): boolean {
	return references.length === 1 && references[0]!.kind === 'image';
}
