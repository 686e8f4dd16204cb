import { ButtonStyle, ComponentType, TimestampStyles, time, type APIActionRowComponent, type APIButtonComponent, type APIEmbed } from 'discord.js';
import { CANCELLABLE_STATES, EXACT_PLACES, type ImageJob, type Job, type JobState, type VideoJob } from '../services/jobs/job.js';
import type { FinishedVideo } from '../services/media/finished-video.js';
import type { GeneratedImage, ImageSource } from '../services/media/generated-images.js';
import { BudgetExceededError, QuotaExceededError } from '../services/quota/quota.js';
import { UserError } from '../services/user-error.js';
import { clip, formatBytes } from '../services/text.js';
import { REFERENCE_KINDS } from '../services/jobs/video-request.js';
import { missingChannelPermissions } from './reply-address.js';
import { VIDEO_LINK_LIFETIME_MS } from './render-jobs.js';
import { jobButtonId, parseModerationButton } from './custom-ids.js';
import { resultModerationRow } from './render-moderation.js';
import { EDIT_LABEL, FRAMES_FIELD } from './render-creative.js';

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

/** Button labels are fixed (scripts and tests outside the project look for them). */
export const BUTTON_LABELS = { again: 'Again', animate: 'Animate', cancel: 'Cancel' } as const;
/** Told instead of a Cancel button once a job has reached RelayDance. */
export const CANNOT_CANCEL = 'Sent to RelayDance: a submitted request cannot be cancelled.';
/** Shown on a waiting job while RelayDance's balance is spent. */
export const PAUSED_NOTE = "⏸ The bot's RelayDance credit has run out; the server's admins have been told. Your request waits and goes ahead on its own once it is topped up.";
/** Tells apart the Animate buttons of a message with several images (the label itself stays `Animate`). */
const NUMBER_EMOJIS = ['1️⃣', '2️⃣', '3️⃣', '4️⃣'];

const COLORS = { working: 0x5865f2, done: 0x57f287, failed: 0xed4245 } as const;

const HEADLINES: Record<JobState, string> = {
	queued: '⏳ Queued',
	uploading: '📤 Sending your references to RelayDance',
	submitting: '📤 Sending your request to RelayDance',
	submitted: '🕒 Waiting for RelayDance to start',
	running: '🎬 Generating your video',
	delivering: '📥 Fetching the finished video',
	delivered: '✅ Video ready',
	failed: '❌ Video failed',
};
const IMAGE_HEADLINES: Partial<Record<JobState, string>> = {
	submitting: '🎨 Making your images',
	delivering: '📥 Fetching your images',
	delivered: '✅ Images ready',
	failed: '❌ Images failed',
};

function headline(job: Job): string {
	return (job.kind === 'image' ? IMAGE_HEADLINES[job.state] : undefined) ?? HEADLINES[job.state];
}

/**
 * The reply while a job is under way: status (with its place in line while queued), elapsed time
 * as a live Discord timestamp, settings; and, where the bot could not post in the channel by
 * itself, a plain note that the video can only arrive in this reply.
 */
export function renderProgress(job: Job): Rendered {
	const progress = job.kind === 'video' && job.state === 'running' && job.progress !== undefined ? ` · ${Math.round(job.progress)}%` : '';
	const place = job.state === 'queued' && job.queuePosition !== undefined ? ` · ${inLine(job.queuePosition)}` : '';
	const lines = [quote(job.settings.prompt), '', `Started ${time(new Date(job.createdAt), TimestampStyles.RelativeTime)}`];
	const cancellable = CANCELLABLE_STATES.has(job.state);
	if (!cancellable) lines.push(CANNOT_CANCEL);
	if (job.paused) lines.push(PAUSED_NOTE);
	const note = cannotPostNote(job);
	return {
		...(note && { content: note }),
		embeds: [embed(job, COLORS.working, `${headline(job)}${place}${progress}`, lines)],
		components: cancellable ? [row(button('cancel', job.id, ButtonStyle.Danger))] : [],
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
): Rendered {
	const took = Math.max(1, Math.round((Date.now() - job.createdAt) / 1000));
	const lines = [quote(job.settings.prompt), '', `Made in ${took} s · ${formatBytes(video.bytes)}`];
	if (delivery === 'link') {
		// A job resumed after a restart may be delivered well after the video was made.
		const expires = new Date((job.result?.madeAt ?? Date.now()) + VIDEO_LINK_LIFETIME_MS);
		const why = {
			'too-large': `The file is larger than this channel's ${formatBytes(sizeLimit)} upload limit`,
			'upload-failed': 'Discord would not take the upload just now',
			'not-downloaded': 'The file is larger than this bot downloads',
		}[linkReason];
		lines.push(
			'',
			`${why}, so here is a link: [${video.fileName}](${video.url})`,
			`The link expires ${time(expires, TimestampStyles.RelativeTime)}: save the video before then.`,
		);
	}
	return {
		embeds: [embed(job, COLORS.done, HEADLINES.delivered, lines)],
		components: [row(button('again', job.id), button('edit', job.id)), resultModerationRow(job.id, { report: true })],
		...(delivery === 'attachment' ? { media: [{ fileName: video.fileName, description: job.settings.prompt }] } : { link: { url: video.url, label: 'Open the video' } }),
	};
}

/**
 * The one message holding an `/image` job's images as attachments: the prompt (and the model's
 * rewrite of it when it differs), any image that could only be linked, and under it one Animate
 * button per attached image, then Again.
 */
export function renderImages(job: ImageJob, images: Pick<GeneratedImage, 'fileName' | 'revisedPrompt'>[], linked: Pick<ImageSource, 'fileName' | 'url'>[] = []): Rendered {
	const made = images.length + linked.length;
	const title = made < job.settings.count ? `✅ ${made} of ${job.settings.count} images ready` : IMAGE_HEADLINES.delivered!;
	const lines = [quote(job.settings.prompt)];
	const revised = images.find((image) => image.revisedPrompt)?.revisedPrompt;
	if (revised && revised.trim() !== job.settings.prompt.trim()) lines.push('', 'The model rewrote the prompt as:', quote(revised));
	if (linked.length > 0) {
		const expires = new Date((job.result?.madeAt ?? Date.now()) + IMAGE_LINK_LIFETIME_MS);
		const what = linked.length === 1 ? 'One image' : `${linked.length} images`;
		lines.push('', `${what} could not be attached, so here ${linked.length === 1 ? 'is its link' : 'are their links'} (expiring ${time(expires, TimestampStyles.RelativeTime)}): ${linked.map((item) => `[${item.fileName}](${item.url})`).join(' · ')}`);
	}
	if (made < job.settings.count) lines.push('', `RelayDance made ${made} of the ${job.settings.count} images asked for: you were charged for ${made}.`);
	const animate = images.map((_, index) => ({ ...button('animate', job.id, ButtonStyle.Primary, index + 1), ...(images.length > 1 && { emoji: { name: NUMBER_EMOJIS[index]! } }) }));
	return {
		embeds: [embed(job, COLORS.done, title, lines)],
		components: [...rows(...animate, button('again', job.id), button('edit', job.id)), resultModerationRow(job.id, { report: true })],
		media: images.map((image) => ({ fileName: image.fileName, description: image.revisedPrompt ?? job.settings.prompt })),
	};
}

/** RelayDance's image links are temporary; the contract gives no figure, so the bot promises an hour. */
export const IMAGE_LINK_LIFETIME_MS = 60 * 60_000;

/**
 * A final message posted outside the reply, with a first line that says why: in the channel it
 * mentions the requester (the caller lets only that mention ping), in a DM it names the channel.
 */
export function renderElsewhere(rendered: Rendered, where: 'channel' | 'dm', to: { userId: string; channelId: string | null; command?: string }): Rendered {
	const command = to.command ?? '/video';
	const lead =
		where === 'channel'
			? `<@${to.userId}> I could no longer update my reply to your ${command}, so here is the result.`
			: `I couldn't post in ${to.channelId ? `<#${to.channelId}>` : 'the channel'}, so here is the result of your ${command}.`;
	// In a DM only the requester sees the result: there is no one else to report it.
	const components = where === 'dm' ? rendered.components?.map((line) => ({ ...line, components: line.components.filter((item) => !('custom_id' in item && parseModerationButton(item.custom_id)?.action === 'report')) })) : rendered.components;
	return { ...rendered, content: rendered.content ? `${lead}\n${rendered.content}` : lead, ...(components && { components }) };
}

export function renderFailed(job: Job): Rendered {
	const lines = [quote(job.settings.prompt), '', job.failure?.message ?? `The ${job.kind === 'image' ? 'images' : 'video'} could not be made.`];
	if (job.refunded) lines.push(`Your ${job.kind === 'image' ? `${job.quota.amount} image${job.quota.amount === 1 ? '' : 's'}` : `${job.quota.amount} s`} of quota were given back.`);
	const title = job.failure?.kind === 'Cancelled' ? '🚫 Cancelled' : headline(job);
	return { embeds: [embed(job, COLORS.failed, title, lines)], components: [row(button('again', job.id), button('edit', job.id))] };
}

/** A refusal shown only to the user who asked (ephemeral). */
export function renderRefusal(error: UserError): Rendered {
	if (error instanceof QuotaExceededError) {
		const resets = time(error.status.resetsAt, TimestampStyles.RelativeTime);
		return { content: `🚫 ${error.message} Your quota resets ${resets}.` };
	}
	if (error instanceof BudgetExceededError) {
		const resets = time(error.status.resetsAt, TimestampStyles.RelativeTime);
		return { content: `🚫 ${error.message} It resets ${resets}.` };
	}
	return { content: `🚫 ${error.message}` };
}

export function renderInternalError(referenceId: string): Rendered {
	return { content: `Something went wrong on the bot's side. If it keeps happening, give a server admin this reference: \`${referenceId}\`.` };
}

function embed(job: Job, color: number, title: string, lines: string[]): APIEmbed {
	const leftOut = job.kind === 'video' && job.settings.leftOut?.length ? ['', `Left out: ${job.settings.leftOut.join(', ')}`] : [];
	return {
		title,
		color,
		description: clip([...lines, ...leftOut, '', `Requested by <@${job.requester.userId}>`].join('\n'), 4096),
		fields: job.kind === 'image' ? imageFields(job) : videoFields(job),
		footer: { text: `job ${job.id.slice(0, 8)}` },
	};
}

function imageFields(job: ImageJob): NonNullable<APIEmbed['fields']> {
	const { settings } = job;
	return [
		{ name: 'Model', value: settings.model, inline: true },
		{ name: 'Size', value: settings.size, inline: true },
		{ name: 'Images', value: String(settings.count), inline: true },
		{ name: 'References', value: settings.references.length > 0 ? `${settings.references.length} image${settings.references.length > 1 ? 's' : ''}` : 'none', inline: true },
	];
}

function videoFields(job: VideoJob): NonNullable<APIEmbed['fields']> {
	const { settings } = job;
	const references = REFERENCE_KINDS
		.map((kind) => {
			const count = settings.references.filter((reference) => reference.kind === kind && !reference.role).length;
			return count === 0 ? undefined : `${count} ${kind}${count > 1 ? 's' : ''}`;
		})
		.filter(Boolean)
		.join(', ');
	const frames = settings.references.flatMap((reference) => reference.role ?? []);
	return [
		{ name: 'Model', value: settings.model, inline: true },
		{ name: 'Length', value: `${settings.seconds} s`, inline: true },
		{ name: 'Audio', value: settings.audio ? 'on' : 'off', inline: true },
		{ name: 'Ratio', value: settings.ratio ?? 'model default', inline: true },
		{ name: 'Resolution', value: settings.resolution ?? 'model default', inline: true },
		frames.length > 0 ? { name: FRAMES_FIELD.name, value: FRAMES_FIELD.value(frames), inline: true } : { name: 'References', value: references || 'none', inline: true },
	];
}

function button(action: 'again' | 'animate' | 'cancel' | 'edit', jobId: string, style: ButtonStyle.Primary | ButtonStyle.Secondary | ButtonStyle.Danger = ButtonStyle.Secondary, index?: number): APIButtonComponent {
	return { type: ComponentType.Button, style, label: action === 'edit' ? EDIT_LABEL : BUTTON_LABELS[action], custom_id: jobButtonId(action, jobId, index) };
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
function cannotPostNote(job: Job): string | undefined {
	const { appPermissions } = job.reply;
	if (typeof appPermissions !== 'string') return undefined;
	const missing = missingChannelPermissions({ appPermissions });
	if (missing.length === 0) return undefined;
	return (
		`⚠️ I can't post in this channel (missing ${missing.join(', ')}), so your video can only arrive in this reply, ` +
		"within 15 minutes of your command. After that I'll send it to your DMs."
	);
}

/** `next in line`, `2nd in line`; past the tenth, the rounded place the runner shows (`among the first 40 in line`). */
function inLine(position: number): string {
	if (position <= 1) return 'next in line';
	if (position > EXACT_PLACES) return `among the first ${position.toLocaleString('en-US')} in line`;
	const suffixes = ['th', 'st', 'nd', 'rd'];
	const tens = position % 100;
	return `${position}${suffixes[(tens - 20) % 10] ?? suffixes[tens] ?? 'th'} in line`;
}

function quote(text: string): string {
	return clip(text, 1000)
		.split('\n')
		.map((line) => `> ${line}`)
		.join('\n');
}
