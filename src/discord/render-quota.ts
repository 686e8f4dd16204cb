import { JOB_STATE_LABELS } from './render-jobs.js';
import { TimestampStyles, time } from 'discord.js';
import type { LimitSource } from '../services/guilds/member-limits.js';
import { EXACT_PLACES, type Job } from '../services/jobs/job.js';
import type { QuotaStatus } from '../services/quota/quota.js';
import { clip } from '../services/text.js';
import type { Rendered } from './render.js';

/** One unit of `/quota`: the member's own budget and, when set, the server's and the bot's. */
export interface QuotaLine {
	status: QuotaStatus;
	source: LimitSource;
	server?: QuotaStatus;
	bot?: QuotaStatus;
}

export interface QuotaView {
	/** False in DMs. */
	inServer: boolean;
	video: QuotaLine;
	image: QuotaLine;
	/** The member's jobs not yet final, newest first; `place` while one waits in line, when known. */
	jobs: Array<{ job: Job; place?: number }>;
	/** RelayDance's balance is spent: new requests wait. */
	paused?: boolean;
}

const SOURCES: Record<LimitSource, string> = {
	grant: 'granted to you',
	role: 'from your best role',
	server: "this server's default",
	bot: "the bot's default",
};


type Unit = 'video' | 'image';
const amount = (unit: Unit, n: number) => (unit === 'video' ? `${n.toLocaleString('en-US')} s` : `${n.toLocaleString('en-US')} image${n === 1 ? '' : 's'}`);

/**
 * `/quota`: what the member has left here of each unit, where their limit comes from, the shared
 * budgets that also cap them, when each resets, and their jobs running or waiting.
 */
export function renderQuota(view: QuotaView): Rendered {
	const lines = [`**Your quota ${view.inServer ? 'in this server' : 'in DMs with the bot'}**`];
	lines.push(own('🎬 Video', 'video', view.video), own('🖼️ Images', 'image', view.image));
	const shared: string[] = [];
	const server = [budget('video', view.video.server), budget('image', view.image.server)].filter(Boolean);
	if (server.length > 0) shared.push(`Server budget (all members together): ${server.join(' · ')}`);
	const bot = [budget('video', view.video.bot), budget('image', view.image.bot)].filter(Boolean);
	if (bot.length > 0) shared.push(`Bot budget (every server together): ${bot.join(' · ')}`);
	if (shared.length > 0) lines.push('', ...shared);
	if (view.paused) lines.push('', "⏸ The bot's RelayDance credit has run out; the server's admins have been told. New requests wait until it is topped up.");
	lines.push('', '**Running and queued**');
	if (view.jobs.length === 0) lines.push('Nothing of yours is running or waiting.');
	for (const { job, place } of view.jobs) {
		const what = job.kind === 'image' ? amount('image', job.settings.count) : amount('video', job.settings.seconds);
		const where = job.state === 'queued' && place !== undefined ? ` · ${inLine(place)}` : '';
		lines.push(`${JOB_STATE_LABELS[job.state]}${where} · ${job.settings.model}, ${what} · started ${time(new Date(job.createdAt), TimestampStyles.RelativeTime)}`);
		lines.push(`> ${clip(job.settings.prompt.replace(/\s+/g, ' '), 100)}`);
	}
	return { content: clip(lines.join('\n'), 2000) };
}

function own(label: string, unit: Unit, line: QuotaLine): string {
	const { status } = line;
	const reset = status.used > 0 ? `resets ${time(status.resetsAt, TimestampStyles.RelativeTime)}` : 'your window starts with your next request';
	return `${label}: **${amount(unit, status.remaining)}** left of ${amount(unit, status.limit)} (${SOURCES[line.source]}) · ${reset}`;
}

function budget(unit: Unit, status: QuotaStatus | undefined): string {
	if (!status) return '';
	const reset = status.used > 0 ? ` (resets ${time(status.resetsAt, TimestampStyles.RelativeTime)})` : '';
	return `${amount(unit, status.remaining)} of ${amount(unit, status.limit)} left${reset}`;
}

/** `next in line`, `3rd in line`, `among the first 100 in line` (the place a waiting job shows). */
export function inLine(position: number): string {
	if (position <= 1) return 'next in line';
	if (position > EXACT_PLACES) return `among the first ${position.toLocaleString('en-US')} in line`;
	const suffixes = ['th', 'st', 'nd', 'rd'];
	const tens = position % 100;
	return `${position}${suffixes[(tens - 20) % 10] ?? suffixes[tens] ?? 'th'} in line`;
}
