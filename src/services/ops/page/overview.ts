import { FINAL_STATES, CANCELLABLE_STATES, type Job } from '../../jobs/job.js';
import { spendOf, type ModelPrices } from '../../guilds/usage.js';
import { stagesOf, type Stage } from '../metrics.js';

const HOUR_MS = 60 * 60_000;
const DAY_MS = 24 * HOUR_MS;
/** RelayDance keeps a video's link about a day: past this, a retry could only fetch an expired link. */
export const LINK_LIFE_MS = 23 * HOUR_MS;
/** Failures and ended jobs listed: enough to see a pattern, small enough to send every second. */
const LISTED = 25;

/** A job as the page shows it. */
export interface JobRow {
	id: string;
	kind: Job['kind'];
	server: string;
	member: string;
	model: string;
	state: Job['state'];
	/** Since it was accepted. */
	ageMs: number;
	/** Place in line, while it waits for a slot in this process. */
	place?: number;
	cancellable: boolean;
}

export interface EndedRow extends JobRow {
	endedAt: number;
	/** `delivered`, or the failure's kind. */
	outcome: string;
	reason?: string;
	delivery?: 'attachment' | 'link' | 'none';
	/** Delivered as a link whose video RelayDance still serves: it can be posted as a file again. */
	canRedeliver: boolean;
}

export interface StageFigures {
	stage: Stage;
	count: number;
	medianS: number;
	p90S: number;
	maxS: number;
}

/** Per series (a server, or a model), one value per hour of the last day, oldest first. */
export type Series = Record<string, number[]>;

export interface DayFigures {
	/** Start of each hourly bucket (ms since the epoch). */
	hours: number[];
	outcomes: Record<string, number>;
	stages: StageFigures[];
	failures: EndedRow[];
	ended: EndedRow[];
	spend: { byServer: Series; byModel: Series };
	videoSeconds: { byServer: Series; byModel: Series };
	/** Whether MODEL_PRICES names any price (without it, spend is all zero). */
	priced: boolean;
}

export interface LineFigures {
	running: JobRow[];
	waiting: JobRow[];
}

/**
 * The job records of the last day turned into what the operator page shows: the line (jobs not
 * yet final, freshest as this process holds them), and outcomes, stage durations, failures and
 * hourly spend and seconds of video, by server and by model.
 */
export function lineOf(jobs: Job[], live: (jobId: string) => Job | undefined, now: number): LineFigures {
	const running: JobRow[] = [];
	const waiting: JobRow[] = [];
	for (const stored of jobs) {
		const job = live(stored.id) ?? stored;
		if (FINAL_STATES.has(job.state)) continue;
		const row = rowOf(job, now);
		(job.state === 'queued' ? waiting : running).push(row);
	}
	return { running, waiting };
}

export function dayOf(jobs: Job[], prices: ModelPrices, now: number): DayFigures {
	const start = Math.floor((now - DAY_MS) / HOUR_MS) * HOUR_MS + HOUR_MS;
	const hours = Array.from({ length: 24 }, (_, index) => start + index * HOUR_MS);
	const outcomes: Record<string, number> = {};
	const stageSeconds = new Map<Stage, number[]>();
	const ended: EndedRow[] = [];
	const spend = { byServer: {} as Series, byModel: {} as Series };
	const videoSeconds = { byServer: {} as Series, byModel: {} as Series };
	for (const job of jobs) {
		if (!FINAL_STATES.has(job.state) || job.updatedAt < now - DAY_MS) continue;
		const row = endedOf(job, now);
		ended.push(row);
		outcomes[row.outcome] = (outcomes[row.outcome] ?? 0) + 1;
		for (const [stage, seconds] of stagesOf(job, job.updatedAt)) (stageSeconds.get(stage) ?? stageSeconds.set(stage, []).get(stage)!).push(seconds);
		if (job.state !== 'delivered') continue;
		const hour = Math.min(23, Math.max(0, Math.floor((job.updatedAt - start) / HOUR_MS)));
		add(spend.byServer, row.server, hour, spendOf(job, prices));
		add(spend.byModel, row.model, hour, spendOf(job, prices));
		if (job.kind === 'video') {
			add(videoSeconds.byServer, row.server, hour, job.quota.amount);
			add(videoSeconds.byModel, row.model, hour, job.quota.amount);
		}
	}
	ended.sort((a, b) => b.endedAt - a.endedAt);
	const stages = [...stageSeconds].map(([stage, seconds]) => figures(stage, seconds));
	return {
		hours,
		outcomes,
		stages,
		failures: ended.filter((row) => row.outcome !== 'delivered').slice(0, LISTED),
		ended: ended.slice(0, LISTED),
		spend,
		videoSeconds,
		priced: Object.keys(prices).length > 0,
	};
}

function rowOf(job: Job, now: number): JobRow {
	return {
		id: job.id,
		kind: job.kind,
		server: job.requester.guildId ?? 'dm',
		member: job.requester.userId,
		model: job.settings.model,
		state: job.state,
		ageMs: now - job.createdAt,
		...(job.queuePosition !== undefined && { place: job.queuePosition }),
		cancellable: CANCELLABLE_STATES.has(job.state),
	};
}

function endedOf(job: Job, now: number): EndedRow {
	const delivery = job.result?.delivery;
	const madeAt = job.result?.madeAt ?? job.updatedAt;
	return {
		...rowOf(job, now),
		endedAt: job.updatedAt,
		outcome: job.state === 'delivered' ? 'delivered' : (job.failure?.kind ?? 'failed'),
		...(job.failure && { reason: job.failure.message }),
		...(delivery && { delivery }),
		canRedeliver: job.kind === 'video' && job.state === 'delivered' && delivery === 'link' && now - madeAt < LINK_LIFE_MS && heldOnlyIfApproved(job),
	};
}

function add(series: Series, name: string, hour: number, value: number): void {
	const values = series[name] ?? (series[name] = new Array<number>(24).fill(0));
	values[hour]! += value;
}

function figures(stage: Stage, seconds: number[]): StageFigures {
	const sorted = [...seconds].sort((a, b) => a - b);
	const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]!;
	const round = (value: number) => Math.round(value * 10) / 10;
	return { stage, count: sorted.length, medianS: round(at(0.5)), p90S: round(at(0.9)), maxS: round(sorted[sorted.length - 1]!) };
}

/** A result under review reaches its member only through a moderator's Approve: the operator does not post it again before, or after a Reject. */
export function heldOnlyIfApproved(job: Job): boolean {
	return !job.review || job.review.decision?.verdict === 'approve';
}
