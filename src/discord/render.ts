import { TimestampStyles, time, type APIEmbed } from 'discord.js';
import { EXACT_PLACES, type Job, type JobState } from '../services/jobs/job.js';
import type { FinishedVideo } from '../services/media/finished-video.js';
import { QuotaExceededError } from '../services/quota/quota.js';
import { UserError } from '../services/user-error.js';
import { clip, formatBytes } from '../services/text.js';
import { REFERENCE_KINDS } from '../services/jobs/video-request.js';
import { missingChannelPermissions } from './reply-address.js';
import { VIDEO_LINK_LIFETIME_MS } from './render-jobs.js';

/** Everything a user sees goes through here: one place decides wording, limits and mentions. */
export interface Rendered {
	content?: string;
	embeds?: APIEmbed[];
}

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

/**
 * The reply while a job is under way: status (with its place in line while queued), elapsed time
 * as a live Discord timestamp, settings; and, where the bot could not post in the channel by
 * itself, a plain note that the video can only arrive in this reply.
 */
export function renderProgress(job: Job): Rendered {
	const progress = job.state === 'running' && job.progress !== undefined ? ` · ${Math.round(job.progress)}%` : '';
	const place = job.state === 'queued' && job.queuePosition !== undefined ? ` · ${inLine(job.queuePosition)}` : '';
	const lines = [quote(job.settings.prompt), '', `Started ${time(new Date(job.createdAt), TimestampStyles.RelativeTime)}`];
	const note = cannotPostNote(job);
	return { ...(note && { content: note }), embeds: [embed(job, COLORS.working, `${HEADLINES[job.state]}${place}${progress}`, lines)] };
}

/** Why a made video is a link: it is over the upload limit, or Discord kept failing the upload. */
/** Why a link went out instead of the file: over the channel's limit, Discord failing the upload, or over what the bot downloads (`MAX_OUTPUT_MB`). */
export type LinkReason = 'too-large' | 'upload-failed' | 'not-downloaded';

/** The final message around a delivered video: an attachment, or a link (too large, or the upload kept failing). */
export function renderDelivered(
	job: Job,
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
	return { embeds: [embed(job, COLORS.done, HEADLINES.delivered, lines)] };
}

/**
 * A final message posted outside the reply, with a first line that says why: in the channel it
 * mentions the requester (the caller lets only that mention ping), in a DM it names the channel.
 */
export function renderElsewhere(rendered: Rendered, where: 'channel' | 'dm', to: { userId: string; channelId: string | null }): Rendered {
	const lead =
		where === 'channel'
			? `<@${to.userId}> I could no longer update my reply to your /video, so here is the result.`
			: `I couldn't post in ${to.channelId ? `<#${to.channelId}>` : 'the channel'}, so here is the result of your /video.`;
	return { ...rendered, content: rendered.content ? `${lead}\n${rendered.content}` : lead };
}

export function renderFailed(job: Job): Rendered {
	const lines = [quote(job.settings.prompt), '', job.failure?.message ?? 'The video could not be made.'];
	if (job.refunded) lines.push(`Your ${job.quota.amount} s of quota were given back.`);
	return { embeds: [embed(job, COLORS.failed, HEADLINES.failed, lines)] };
}

/** A refusal shown only to the user who asked (ephemeral). */
export function renderRefusal(error: UserError): Rendered {
	if (error instanceof QuotaExceededError) {
		const resets = time(error.status.resetsAt, TimestampStyles.RelativeTime);
		return { content: `🚫 ${error.message} Your quota resets ${resets}.` };
	}
	return { content: `🚫 ${error.message}` };
}

export function renderInternalError(referenceId: string): Rendered {
	return { content: `Something went wrong on the bot's side. If it keeps happening, give a server admin this reference: \`${referenceId}\`.` };
}

function embed(job: Job, color: number, title: string, lines: string[]): APIEmbed {
	const { settings } = job;
	const references = REFERENCE_KINDS
		.map((kind) => {
			const count = settings.references.filter((reference) => reference.kind === kind).length;
			return count === 0 ? undefined : `${count} ${kind}${count > 1 ? 's' : ''}`;
		})
		.filter(Boolean)
		.join(', ');
	return {
		title,
		color,
		description: clip([...lines, '', `Requested by <@${job.requester.userId}>`].join('\n'), 4096),
		fields: [
			{ name: 'Model', value: settings.model, inline: true },
			{ name: 'Length', value: `${settings.seconds} s`, inline: true },
			{ name: 'Audio', value: settings.audio ? 'on' : 'off', inline: true },
			{ name: 'Ratio', value: settings.ratio ?? 'model default', inline: true },
			{ name: 'Resolution', value: settings.resolution ?? 'model default', inline: true },
			{ name: 'References', value: references || 'none', inline: true },
		],
		footer: { text: `job ${job.id.slice(0, 8)}` },
	};
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
