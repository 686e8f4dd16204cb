import { TimestampStyles, time } from 'discord.js';
import type { Job, JobState } from '../services/jobs/job.js';
import { clip } from '../services/text.js';
import type { Rendered } from './render.js';
import { removedNote } from './render-moderation.js';

/** RelayDance deletes a finished video about a day after it is made: its link is good that long from `madeAt`. */
export const VIDEO_LINK_LIFETIME_MS = 24 * 60 * 60_000;

/** A job's state in a few words, for lists (`/jobs`, `/quota`). */
export const JOB_STATE_LABELS: Record<JobState, string> = {
	queued: '⏳ queued',
	uploading: '📤 sending references',
	submitting: '📤 sending to RelayDance',
	submitted: '🕒 waiting for RelayDance',
	running: '🎬 generating',
	delivering: '📥 fetching the result',
	delivered: '✅ delivered',
	failed: '❌ failed',
};

/** `/jobs`: a member's recent jobs in this server, what became of each, and where to find the video. */
export function renderJobList(jobs: Job[], now = Date.now()): Rendered {
	if (jobs.length === 0) return { content: 'You have no videos or images here yet. Start one with `/video` or `/image`.' };
	const lines = jobs.map((job) => {
		const what = job.kind === 'image' ? `${job.settings.count} image${job.settings.count === 1 ? '' : 's'}` : `${job.settings.seconds} s`;
		const head = `**${JOB_STATE_LABELS[job.state]}** · ${time(new Date(job.createdAt), TimestampStyles.RelativeTime)} · ${job.settings.model}, ${what}`;
		return [head, `> ${clip(job.settings.prompt.replace(/\s+/g, ' '), 120)}`, ...detail(job, now)].join('\n');
	});
	return { content: clip(`Your latest jobs in this server:\n\n${lines.join('\n\n')}`, 2000) };
}

/** Progress is not saved with the job, so a running job shows no figure: it would be stale. */
function detail(job: Job, now: number): string[] {
	if (job.state === 'failed') return [clip(job.failure?.message ?? 'It could not be made.', 300)];
	if (job.state !== 'delivered' || !job.result) return [];
	if (job.removed) return [removedNote(job.removed)];
	const found: string[] = [];
	if (job.result.messageUrl) found.push(`[the message](${job.result.messageUrl})`);
	const expires = job.result.madeAt + VIDEO_LINK_LIFETIME_MS;
	if (job.kind !== 'image' && expires > now) found.push(`[the video](${job.result.url}) (link expires ${time(new Date(expires), TimestampStyles.RelativeTime)})`);
	if (found.length > 0) return [`Find it in ${found.join(' or ')}.`];
	return [job.kind !== 'image' ? 'RelayDance no longer keeps this video.' : 'The message it was posted in could not be found.'];
}
