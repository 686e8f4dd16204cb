import { ButtonStyle, ComponentType, TimestampStyles, time, type APIActionRowComponent, type APIButtonComponent, type APIEmbed } from 'discord.js';
import { CANCELLABLE_STATES, EXACT_PLACES, type ImageJob, type Job, type JobState, type VideoJob } from '../services/jobs/job.js';
import type { FinishedVideo } from '../services/media/finished-video.js';
import type { GeneratedImage, ImageSource } from '../services/media/generated-images.js';
import { BudgetExceededError, QuotaExceededError } from '../services/quota/quota.js';
import { UserError } from '../services/user-error.js';
import { clip } from '../services/text.js';
import { SOURCE_LOCALE, formatList, formatNumber, formatSeconds, render, t, text, translator, type Locale, type Translator } from '../i18n/index.js';
import { REFERENCE_KINDS } from '../services/jobs/video-request.js';
import { jobLocale, missingChannelPermissions } from './reply-address.js';
import { VIDEO_LINK_LIFETIME_MS } from './render-jobs.js';
import { jobButtonId, parseModerationButton } from './custom-ids.js';
import { resultModerationRow } from './render-moderation.js';
import { formatCost } from './render-cost.js';

/** Everything a user sees goes through here: one place decides wording, limits and mentions. */
export interface Rendered {
	content?: string;
	embeds?: APIEmbed[];
	/** Buttons under the message; a message rendered without them shows none. */
	components?: Array<APIActionRowComponent<APIButtonComponent>>;
	/** The message's own files shown in it (a job's card: its media gallery), with their alt text. */
	media?: Array<{ fileName: string; description?: string }>;
	/** A result that is a link: shown as a Link button as well. */
	link?: { url: string; label: string };
}

/** The buttons' labels in the source locale (a job's message shows them in its own language; custom ids never change). */
export const BUTTON_LABELS = { again: t(SOURCE_LOCALE, 'button.again'), animate: t(SOURCE_LOCALE, 'button.animate'), cancel: t(SOURCE_LOCALE, 'button.cancel') } as const;
/** Tells apart the Animate buttons of a message with several images (the label itself stays `Animate`). */
const NUMBER_EMOJIS = ['1️⃣', '2️⃣', '3️⃣', '4️⃣'];

const COLORS = { working: 0x5865f2, done: 0x57f287, failed: 0xed4245 } as const;

const IMAGE_STATES: ReadonlySet<JobState> = new Set(['submitting', 'delivering', 'delivered', 'failed']);

function headline(tr: Translator, job: Job): string {
	return job.kind === 'image' && IMAGE_STATES.has(job.state) ? tr(`imageState.${job.state as 'submitting' | 'delivering' | 'delivered' | 'failed'}`) : tr(`state.${job.state}`);
}

/**
 * The reply while a job is under way: status (with its place in line while queued), elapsed time
 * as a live Discord timestamp, settings; and, where the bot could not post in the channel by
 * itself, a plain note that the video can only arrive in this reply.
 */
export function renderProgress(job: Job, locale: Locale = jobLocale(job.reply)): Rendered {
	const tr = translator(locale);
	const progress = job.kind === 'video' && job.state === 'running' && job.progress !== undefined ? ` · ${formatNumber(locale, Math.round(job.progress) / 100, { style: 'percent' })}` : '';
	const place = job.state === 'queued' && job.queuePosition !== undefined ? ` · ${inLine(locale, job.queuePosition)}` : '';
	const lines = [quote(job.settings.prompt), '', tr('progress.started', { time: time(new Date(job.createdAt), TimestampStyles.RelativeTime) })];
	const cancellable = CANCELLABLE_STATES.has(job.state);
	if (!cancellable) lines.push(tr('progress.cannotCancel'));
	if (job.paused) lines.push(tr('progress.paused'));
	const note = cannotPostNote(tr, job);
	return {
		...(note && { content: note }),
		embeds: [withEstimate(tr, job, embed(tr, job, COLORS.working, `${headline(tr, job)}${place}${progress}`, lines))],
		components: cancellable ? [row(button(tr, 'cancel', job.id, ButtonStyle.Danger))] : [],
	};
}

/** Why a made video is a link: it is over the upload limit, or Discord kept failing the upload. */
/** Why a link went out instead of the file: over the channel's limit, Discord failing the upload, or over what the bot downloads (`MAX_OUTPUT_MB`). */
export type LinkReason = 'too-large' | 'upload-failed' | 'not-downloaded';

/** The final message around a delivered video: an attachment, or a link (too large, or the upload kept failing). */
export function renderDelivered(
	job: VideoJob,
	video: Pick<FinishedVideo, 'bytes' | 'fileName' | 'url'>,
	delivery: 'attachment' | 'link',
	sizeLimit: number,
	linkReason: LinkReason = 'too-large',
	locale: Locale = jobLocale(job.reply),
): Rendered {
	const tr = translator(locale);
	const took = Math.max(1, Math.round((Date.now() - job.createdAt) / 1000));
	const lines = [quote(job.settings.prompt), '', tr('delivered.madeIn', { seconds: { seconds: took }, size: { bytes: video.bytes } })];
	if (delivery === 'link') {
		// A job resumed after a restart may be delivered well after the video was made.
		const expires = new Date((job.result?.madeAt ?? Date.now()) + VIDEO_LINK_LIFETIME_MS);
		const why = ({ 'too-large': 'delivered.tooLarge', 'upload-failed': 'delivered.uploadFailed', 'not-downloaded': 'delivered.notDownloaded' } as const)[linkReason];
		lines.push(
			'',
			tr(why, { limit: { bytes: sizeLimit }, link: `[${video.fileName}](${video.url})` }),
			tr('delivered.linkExpires', { time: time(expires, TimestampStyles.RelativeTime) }),
		);
	}
	return {
		embeds: [withEstimate(tr, job, embed(tr, job, COLORS.done, tr('state.delivered'), lines))],
		components: [row(button(tr, 'again', job.id), button(tr, 'edit', job.id)), resultModerationRow(job.id, { report: true, locale })],
		...(delivery === 'attachment' ? { media: [{ fileName: video.fileName, description: job.settings.prompt }] } : { link: { url: video.url, label: tr('result.openVideo') } }),
	};
}

/**
 * The one message holding an `/image` job's images as attachments: the prompt (and the model's
 * rewrite of it when it differs), any image that could only be linked, and under it one Animate
 * button per attached image, then Again.
 */
export function renderImages(
	job: ImageJob,
	images: Pick<GeneratedImage, 'fileName' | 'revisedPrompt'>[],
	linked: Pick<ImageSource, 'fileName' | 'url'>[] = [],
	locale: Locale = jobLocale(job.reply),
): Rendered {
	const tr = translator(locale);
	const made = images.length + linked.length;
	const asked = { made, count: job.settings.count };
	const title = made < job.settings.count ? tr('images.someReady', asked) : tr('imageState.delivered');
	const lines = [quote(job.settings.prompt)];
	const revised = images.find((image) => image.revisedPrompt)?.revisedPrompt;
	if (revised && revised.trim() !== job.settings.prompt.trim()) lines.push('', tr('images.revised'), quote(revised));
	if (linked.length > 0) {
		const expires = new Date((job.result?.madeAt ?? Date.now()) + IMAGE_LINK_LIFETIME_MS);
		const links = linked.map((item) => `[${item.fileName}](${item.url})`).join(' · ');
		lines.push('', tr('images.linked', { count: linked.length, time: time(expires, TimestampStyles.RelativeTime), links }));
	}
	if (made < job.settings.count) lines.push('', tr('images.partial', asked));
	const animate = images.map((_, index) => ({ ...button(tr, 'animate', job.id, ButtonStyle.Primary, index + 1), ...(images.length > 1 && { emoji: { name: NUMBER_EMOJIS[index]! } }) }));
	const shown = embed(tr, job, COLORS.done, title, lines);
	return {
		// Fewer images than asked cost less than the estimate: it is shown only when all of them came.
		embeds: [made < job.settings.count ? shown : withEstimate(tr, job, shown)],
		components: [...rows(...animate, button(tr, 'again', job.id), button(tr, 'edit', job.id)), resultModerationRow(job.id, { report: true, locale })],
		media: images.map((image) => ({ fileName: image.fileName, description: image.revisedPrompt ?? job.settings.prompt })),
	};
}

/** RelayDance's image links are temporary; the contract gives no figure, so the bot promises an hour. */
export const IMAGE_LINK_LIFETIME_MS = 60 * 60_000;

/**
 * A final message posted outside the reply, with a first line that says why: in the channel it
 * mentions the requester (the caller lets only that mention ping), in a DM it names the channel.
 */
export function renderElsewhere(
	rendered: Rendered,
	where: 'channel' | 'dm',
	to: { userId: string; channelId: string | null; command?: string },
	locale: Locale = SOURCE_LOCALE,
): Rendered {
	const command = to.command ?? '/video';
	const lead =
		where === 'channel'
			? t(locale, 'elsewhere.channel', { user: `<@${to.userId}>`, command })
			: t(locale, 'elsewhere.dm', { channel: to.channelId ? `<#${to.channelId}>` : text('elsewhere.theChannel'), command });
	// In a DM only the requester sees the result: there is no one else to report it.
	const components = where === 'dm' ? rendered.components?.map((line) => ({ ...line, components: line.components.filter((item) => !('custom_id' in item && parseModerationButton(item.custom_id)?.action === 'report')) })) : rendered.components;
	return { ...rendered, content: rendered.content ? `${lead}\n${rendered.content}` : lead, ...(components && { components }) };
}

export function renderFailed(job: Job, locale: Locale = jobLocale(job.reply)): Rendered {
	const tr = translator(locale);
	const failure = job.failure && (job.failure.text ? render(locale, job.failure.text) : job.failure.message);
	const lines = [quote(job.settings.prompt), '', failure ?? tr(job.kind === 'image' ? 'failed.images' : 'failed.video')];
	if (job.refunded) lines.push(tr('failed.refunded', { amount: job.kind === 'image' ? text('unit.images', { count: job.quota.amount }) : { seconds: job.quota.amount } }));
	const title = job.failure?.kind === 'Cancelled' ? tr('failed.cancelledTitle') : headline(tr, job);
	return { embeds: [embed(tr, job, COLORS.failed, title, lines)], components: [row(button(tr, 'again', job.id), button(tr, 'edit', job.id))] };
}

/**
 * A job's final word that is no result: the prompt, `text` and who asked under `title` (a result
 * held for review, or one a moderator rejected); `again` adds Again and Edit.
 */
export function renderNotice(job: Job, title: string, text: string, tone: 'working' | 'failed', options: { again?: boolean; locale?: Locale } = {}): Rendered {
	const locale = options.locale ?? jobLocale(job.reply);
	const tr = translator(locale);
	return {
		embeds: [embed(tr, job, COLORS[tone], title, [quote(job.settings.prompt), '', text])],
		components: options.again ? [row(button(tr, 'again', job.id), button(tr, 'edit', job.id))] : [],
	};
}

/** A refusal shown only to the user who asked (ephemeral), in their own language. */
export function renderRefusal(error: UserError, locale: Locale = SOURCE_LOCALE): Rendered {
	const message = render(locale, error.text);
	if (error instanceof QuotaExceededError || error instanceof BudgetExceededError) {
		const resets = time(error.status.resetsAt, TimestampStyles.RelativeTime);
		return { content: t(locale, error instanceof QuotaExceededError ? 'refusal.quotaResets' : 'refusal.budgetResets', { message, time: resets }) };
	}
	return { content: t(locale, 'refusal.plain', { message }) };
}

export function renderInternalError(referenceId: string, locale: Locale = SOURCE_LOCALE): Rendered {
	return { content: t(locale, 'refusal.internal', { ref: `\`${referenceId}\`` }) };
}

function embed(tr: Translator, job: Job, color: number, title: string, lines: string[]): APIEmbed {
	const leftOut = job.kind === 'video' && job.settings.leftOut?.length ? ['', tr('embed.leftOut', { list: job.settings.leftOut.join(', ') })] : [];
	return {
		title,
		color,
		description: clip([...lines, ...leftOut, '', tr('embed.requestedBy', { user: `<@${job.requester.userId}>` })].join('\n'), 4096),
		fields: job.kind === 'image' ? imageFields(tr, job) : videoFields(tr, job),
		footer: { text: tr('embed.footer', { id: job.id.slice(0, 8) }) },
	};
}

/**
 * The job's estimated cost (`MODEL_PRICES`), after its settings, in the card's small text: on its
 * progress from the start and on the result. A job whose model has no price shows none.
 */
function withEstimate(tr: Translator, job: Job, shown: APIEmbed): APIEmbed {
	if (job.estimate === undefined) return shown;
	return { ...shown, fields: [...(shown.fields ?? []), { name: tr('field.estimate'), value: formatCost(tr.locale, job.estimate), inline: true }] };
}

function imageFields(tr: Translator, job: ImageJob): NonNullable<APIEmbed['fields']> {
	const { settings } = job;
	return [
		{ name: tr('field.model'), value: settings.model, inline: true },
		{ name: tr('field.size'), value: settings.size, inline: true },
		{ name: tr('field.images'), value: formatNumber(tr.locale, settings.count), inline: true },
		{ name: tr('field.references'), value: settings.references.length > 0 ? tr('unit.images', { count: settings.references.length }) : tr('word.none'), inline: true },
	];
}

const REFERENCE_UNITS = { image: 'unit.images', video: 'unit.videos', audio: 'unit.audios' } as const;

function videoFields(tr: Translator, job: VideoJob): NonNullable<APIEmbed['fields']> {
	const { settings } = job;
	const references = REFERENCE_KINDS
		.map((kind) => {
			const count = settings.references.filter((reference) => reference.kind === kind && !reference.role).length;
			return count === 0 ? undefined : tr(REFERENCE_UNITS[kind], { count });
		})
		.filter((part) => part !== undefined);
	const frames = settings.references.flatMap((reference) => reference.role ?? []);
	return [
		{ name: tr('field.model'), value: settings.model, inline: true },
		{ name: tr('field.length'), value: formatSeconds(tr.locale, settings.seconds), inline: true },
		{ name: tr('field.audio'), value: tr(settings.audio ? 'word.on' : 'word.off'), inline: true },
		{ name: tr('field.ratio'), value: settings.ratio ?? tr('field.modelDefault'), inline: true },
		{ name: tr('field.resolution'), value: settings.resolution ?? tr('field.modelDefault'), inline: true },
		frames.length > 0
			? { name: tr('field.frames'), value: formatList(tr.locale, frames.map((role) => tr(role === 'first_frame' ? 'frames.start' : 'frames.end'))), inline: true }
			: { name: tr('field.references'), value: references.length > 0 ? references.join(', ') : tr('word.none'), inline: true },
	];
}

function button(tr: Translator, action: 'again' | 'animate' | 'cancel' | 'edit', jobId: string, style: ButtonStyle.Primary | ButtonStyle.Secondary | ButtonStyle.Danger = ButtonStyle.Secondary, index?: number): APIButtonComponent {
	return { type: ComponentType.Button, style, label: tr(`button.${action}`), custom_id: jobButtonId(action, jobId, index) };
}

function row(...buttons: APIButtonComponent[]): APIActionRowComponent<APIButtonComponent> {
	return { type: ComponentType.ActionRow, components: buttons.slice(0, 5) };
}

/** As many rows of at most 5 as the buttons need (4 Animate, Again and Edit make 6). */
function rows(...buttons: APIButtonComponent[]): Array<APIActionRowComponent<APIButtonComponent>> {
	const made: Array<APIActionRowComponent<APIButtonComponent>> = [];
	for (let start = 0; start < buttons.length; start += 5) made.push(row(...buttons.slice(start, start + 5)));
	return made;
}

/** Said up front where `app_permissions` shows the bot could not post the video in the channel itself. */
function cannotPostNote(tr: Translator, job: Job): string | undefined {
	const { appPermissions } = job.reply;
	if (typeof appPermissions !== 'string') return undefined;
	const missing = missingChannelPermissions({ appPermissions });
	if (missing.length === 0) return undefined;
	// Permission names stay as Discord's English names: admins look them up by these.
	return tr('progress.cannotPost', { permissions: missing.join(', ') });
}

/** `next in line`, `2nd in line`; past the tenth, the rounded place the runner shows (`among the first 40 in line`). */
export function inLine(locale: Locale, position: number): string {
	if (position <= 1) return t(locale, 'place.next');
	if (position > EXACT_PLACES) return t(locale, 'place.among', { count: position });
	return t(locale, 'place.nth', { count: position });
}

function quote(text: string): string {
	return clip(text, 1000)
		.split('\n')
		.map((line) => `> ${line}`)
		.join('\n');
}
