import { jobAmount, jobStateLabel } from './render-jobs.js';
import { inLine as placeInLine } from './render.js';
import { SOURCE_LOCALE, text, translator, type Locale, type MessageKey, type Param, type Translator } from '../i18n/index.js';
import { TimestampStyles, time } from 'discord.js';
import type { LimitSource } from '../services/guilds/member-limits.js';
import type { Job } from '../services/jobs/job.js';
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

const SOURCES = { grant: 'quota.sourceGrant', role: 'quota.sourceRole', server: 'quota.sourceServer', bot: 'quota.sourceBot' } as const satisfies Record<LimitSource, MessageKey>;

type Unit = 'video' | 'image';
const amount = (unit: Unit, n: number): Param => (unit === 'video' ? { seconds: n } : text('unit.images', { count: n }));

/**
 * `/quota`: what the member has left here of each unit, where their limit comes from, the shared
 * budgets that also cap them, when each resets, and their jobs running or waiting (in the member's language).
 */
export function renderQuota(view: QuotaView, locale: Locale = SOURCE_LOCALE): Rendered {
	const tr = translator(locale);
	const lines = [tr(view.inServer ? 'quota.titleServer' : 'quota.titleDm')];
	lines.push(own(tr, tr('quota.video'), 'video', view.video), own(tr, tr('quota.images'), 'image', view.image));
	const shared: string[] = [];
	const server = [budget(tr, 'video', view.video.server), budget(tr, 'image', view.image.server)].filter(Boolean);
	if (server.length > 0) shared.push(tr('quota.serverBudget', { budgets: server.join(' · ') }));
	const bot = [budget(tr, 'video', view.video.bot), budget(tr, 'image', view.image.bot)].filter(Boolean);
	if (bot.length > 0) shared.push(tr('quota.botBudget', { budgets: bot.join(' · ') }));
	if (shared.length > 0) lines.push('', ...shared);
	if (view.paused) lines.push('', tr('quota.paused'));
	lines.push('', tr('quota.runningTitle'));
	if (view.jobs.length === 0) lines.push(tr('quota.nothingRunning'));
	for (const { job, place } of view.jobs) {
		const values = { state: jobStateLabel(locale, job.state), model: job.settings.model, what: jobAmount(locale, job), time: time(new Date(job.createdAt), TimestampStyles.RelativeTime) };
		lines.push(job.state === 'queued' && place !== undefined ? tr('quota.jobLineWaiting', { ...values, place: inLine(place, locale) }) : tr('quota.jobLine', values));
		lines.push(`> ${clip(job.settings.prompt.replace(/\s+/g, ' '), 100)}`);
	}
	return { content: clip(lines.join('\n'), 2000) };
}

function own(tr: Translator, label: string, unit: Unit, line: QuotaLine): string {
	const { status } = line;
	const reset = status.used > 0 ? tr('quota.resets', { time: time(status.resetsAt, TimestampStyles.RelativeTime) }) : tr('quota.windowStarts');
	return tr('quota.own', { label, left: amount(unit, status.remaining), limit: amount(unit, status.limit), source: tr(SOURCES[line.source]), reset });
}

function budget(tr: Translator, unit: Unit, status: QuotaStatus | undefined): string {
	if (!status) return '';
	const values = { left: amount(unit, status.remaining), limit: amount(unit, status.limit) };
	return status.used > 0 ? tr('quota.budgetResets', { ...values, time: time(status.resetsAt, TimestampStyles.RelativeTime) }) : tr('quota.budget', values);
}

/** `next in line`, `3rd in line`, `among the first 100 in line` (the place a waiting job shows). */
export function inLine(position: number, locale: Locale = SOURCE_LOCALE): string {
	return placeInLine(locale, position);
}
