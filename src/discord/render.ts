import { TimestampStyles, time, type APIEmbed } from 'discord.js';
import type { Job, JobState } from '../services/jobs/job.js';
import type { FinishedVideo } from '../services/media/finished-video.js';
import { QuotaExceededError } from '../services/quota/quota.js';
import { UserError } from '../services/user-error.js';
import { clip, formatBytes } from '../services/text.js';
import { REFERENCE_KINDS } from '../services/jobs/video-request.js';

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

/** The reply while a job is under way: status, elapsed time as a live Discord timestamp, settings. */
export function renderProgress(job: Job): Rendered {
	const progress = job.state === 'running' && job.progress !== undefined ? ` · ${Math.round(job.progress)}%` : '';
	const lines = [quote(job.settings.prompt), '', `Started ${time(new Date(job.createdAt), TimestampStyles.RelativeTime)}`];
	return { embeds: [embed(job, COLORS.working, `${HEADLINES[job.state]}${progress}`, lines)] };
}

/** The final message around a delivered video: an attachment, or a link when it was too large. */
export function renderDelivered(job: Job, video: Pick<FinishedVideo, 'bytes' | 'fileName' | 'url'>, delivery: 'attachment' | 'link', sizeLimit: number): Rendered {
	const took = Math.max(1, Math.round((Date.now() - job.createdAt) / 1000));
	const lines = [quote(job.settings.prompt), '', `Made in ${took} s · ${formatBytes(video.bytes)}`];
	if (delivery === 'link') {
		const expires = new Date(Date.now() + 24 * 60 * 60_000);
		lines.push(
			'',
			`The file is larger than this channel's ${formatBytes(sizeLimit)} upload limit, so here is a link: [${video.fileName}](${video.url})`,
			`The link expires ${time(expires, TimestampStyles.RelativeTime)}: save the video before then.`,
		);
	}
	return { embeds: [embed(job, COLORS.done, HEADLINES.delivered, lines)] };
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

function quote(text: string): string {
	return clip(text, 1000)
		.split('\n')
		.map((line) => `> ${line}`)
		.join('\n');
}
