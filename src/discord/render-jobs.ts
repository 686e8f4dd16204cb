import { TimestampStyles, time } from 'discord.js';
import type { Job, JobState } from '../services/jobs/job.js';
import { clip } from '../services/text.js';
import { SOURCE_LOCALE, formatSeconds, render, t, translator, type Locale, type Translator } from '../i18n/index.js';
import type { Rendered } from './render.js';
import { removedNote } from './render-moderation.js';

/** RelayDance deletes a finished video about a day after it is made: its link is good that long from `madeAt`. */
export const VIDEO_LINK_LIFETIME_MS = 24 * 60 * 60_000;

/** A job's state in a few words, for lists (`/jobs`, `/quota`). */
export function jobStateLabel(locale: Locale, state: JobState): string {
	return t(locale, `jobState.${state}`);
}

/** `2 images`, `5 s`: what a job makes. */
export function jobAmount(locale: Locale, job: Job): string {
	return job.kind === 'image' ? t(locale, 'unit.images', { count: job.settings.count }) : formatSeconds(locale, job.settings.seconds);
}

/** `/jobs`: a member's recent jobs in this server, what became of each, and where to find the video (in the member's language). */
export function renderJobList(jobs: Job[], now = Date.now(), locale: Locale = SOURCE_LOCALE): Rendered {
	const tr = translator(locale);
	if (jobs.length === 0) return { content: tr('jobs.none') };
	const lines = jobs.map((job) => {
		const head = tr('jobs.line', { state: jobStateLabel(locale, job.state), time: time(new Date(job.createdAt), TimestampStyles.RelativeTime), model: job.settings.model, what: jobAmount(locale, job) });
		return [head, `> ${clip(job.settings.prompt.replace(/\s+/g, ' '), 120)}`, ...detail(tr, job, now)].join('\n');
	});
	return { content: clip(`${tr('jobs.header')}\n\n${lines.join('\n\n')}`, 2000) };
}

/** Progress is not saved with the job, so a running job shows no figure: it would be stale. */
function detail(tr: Translator, job: Job, now: number): string[] {
	if (job.state === 'failed') {
		const failure = job.failure && (job.failure.text ? render(tr.locale, job.failure.text) : job.failure.message);
		return [clip(failure ?? tr('jobs.couldNotBeMade'), 300)];
	}
	if (job.state !== 'delivered' || !job.result) return [];
	if (job.removed) return [removedNote(job.removed, tr.locale)];
	// Held for review: nothing to find until a moderator approves (the video's link is kept from the member meanwhile).
	if (job.review?.messageId && !job.review.decision) return [tr('jobs.awaitingReview')];
	if (job.review?.decision?.verdict === 'reject') return [tr('jobs.rejected')];
	const found: string[] = [];
	if (job.result.messageUrl) found.push(tr('jobs.theMessage', { url: job.result.messageUrl }));
	const expires = job.result.madeAt + VIDEO_LINK_LIFETIME_MS;
	if (job.kind !== 'image' && expires > now) found.push(tr('jobs.theVideo', { url: job.result.url, time: time(new Date(expires), TimestampStyles.RelativeTime) }));
	if (found.length > 0) return [tr('jobs.findIt', { places: { list: found, type: 'or' } })];
	return [tr(job.kind !== 'image' ? 'jobs.videoGone' : 'jobs.messageGone')];
}
