import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Job } from '../jobs/job.js';
import { spendOf, type ModelPrices } from '../guilds/usage.js';

/** The three stages a job's time is split into, each its own histogram series. */
export type Stage = 'accepted_to_submitted' | 'submitted_to_finished' | 'finished_to_delivered';

/** Seconds: a job waits in line for seconds to hours, RelayDance takes minutes, a delivery seconds. */
const STAGE_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 180, 300, 600, 900, 1800, 3600, 7200];
/** Seconds: Discord's deadline for a first response is 3 s. */
const FIRST_RESPONSE_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 3, 5];

/** What the gauges read at each scrape, from the services that hold it. */
export interface MetricSources {
	/** Tasks this process has in flight at RelayDance, and jobs waiting here for a slot. */
	tasks?: () => { inFlight: number; waiting: number };
	creditPaused?: () => boolean;
	/** Discord's 401/403/429 answers to this process over the last 10 minutes. */
	invalidRequests?: () => number;
	/** On Redis: BullMQ's counts of the shared queue, by state. */
	queue?: () => Promise<Record<string, number>>;
	/** Intake paused by the operator (members are told, nothing new is accepted). */
	intakePaused?: () => boolean;
}

/**
 * The bot's Prometheus metrics (`relaydance_bot_*`) beside prom-client's default process and Node
 * metrics (event-loop lag included), in a registry of its own, so two bots in one test process do
 * not share counts. Counters are per process: Prometheus sums them across gateways and workers.
 */
export class BotMetrics {
	readonly registry = new Registry();
	private readonly jobsStarted: Counter<'kind' | 'model'>;
	private readonly jobsEnded: Counter<'kind' | 'model' | 'outcome'>;
	private readonly stages: Histogram<'kind' | 'stage'>;
	private readonly relaydanceCalls: Counter<'route' | 'status'>;
	private readonly discordAnswers: Counter<'status'>;
	private readonly interactions: Counter<'type'>;
	private readonly firstResponse: Histogram<'type'>;
	private readonly quotaUsed: Counter<'guild' | 'unit'>;
	private readonly spend: Counter<'guild' | 'model'>;
	private sources: MetricSources = {};

	constructor(private readonly prices: ModelPrices = {}) {
		collectDefaultMetrics({ register: this.registry });
		const registers = [this.registry];
		this.jobsStarted = new Counter({ name: 'relaydance_bot_jobs_started_total', help: 'Jobs accepted, by kind and model', labelNames: ['kind', 'model'], registers });
		this.jobsEnded = new Counter({
			name: 'relaydance_bot_jobs_ended_total',
			help: 'Jobs ended, by kind, model and outcome (delivered, or the failure kind: TaskFailed, Cancelled, Timeout, ...)',
			labelNames: ['kind', 'model', 'outcome'],
			registers,
		});
		this.stages = new Histogram({
			name: 'relaydance_bot_job_stage_seconds',
			help: 'Time a job spent in each stage: accepted_to_submitted (waiting and uploading), submitted_to_finished (at RelayDance), finished_to_delivered (download and post)',
			labelNames: ['kind', 'stage'],
			buckets: STAGE_BUCKETS,
			registers,
		});
		this.relaydanceCalls = new Counter({ name: 'relaydance_bot_relaydance_requests_total', help: 'RelayDance API answers by route and HTTP status (status "error": no answer)', labelNames: ['route', 'status'], registers });
		this.discordAnswers = new Counter({ name: 'relaydance_bot_discord_responses_total', help: 'Discord REST answers by HTTP status', labelNames: ['status'], registers });
		this.interactions = new Counter({ name: 'relaydance_bot_interactions_answered_total', help: 'Interactions answered, by type', labelNames: ['type'], registers });
		this.firstResponse = new Histogram({
			name: 'relaydance_bot_first_response_seconds',
			help: 'From receiving an interaction to Discord taking its first response (defer, reply or form), by type',
			labelNames: ['type'],
			buckets: FIRST_RESPONSE_BUCKETS,
			registers,
		});
		this.quotaUsed = new Counter({ name: 'relaydance_bot_quota_used_total', help: 'Quota kept by delivered jobs, by server and unit (video_seconds, images)', labelNames: ['guild', 'unit'], registers });
		this.spend = new Counter({ name: 'relaydance_bot_spend_total', help: 'Estimated spend from MODEL_PRICES, by server and model (only where a price is set)', labelNames: ['guild', 'model'], registers });
		const sources = () => this.sources;
		new Gauge({ name: 'relaydance_bot_tasks_in_flight', help: 'Tasks this process has in flight at RelayDance', registers, collect() { this.set(sources().tasks?.().inFlight ?? 0); } });
		new Gauge({ name: 'relaydance_bot_jobs_waiting', help: 'Jobs waiting in this process for a task slot', registers, collect() { this.set(sources().tasks?.().waiting ?? 0); } });
		new Gauge({ name: 'relaydance_bot_credit_paused', help: '1 while RelayDance balance is spent and new tasks wait', registers, collect() { this.set(sources().creditPaused?.() ? 1 : 0); } });
		new Gauge({ name: 'relaydance_bot_intake_paused', help: '1 while the operator has paused intake bot-wide', registers, collect() { this.set(sources().intakePaused?.() ? 1 : 0); } });
		new Gauge({
			name: 'relaydance_bot_discord_invalid_requests_10m',
			help: "Discord's 401, 403 and 429 answers (not shared-scope 429s) over the last 10 minutes; at 10,000 Discord bans the IP",
			registers,
			collect() {
				this.set(sources().invalidRequests?.() ?? 0);
			},
		});
		new Gauge({
			name: 'relaydance_bot_queue_jobs',
			help: "On Redis: BullMQ's shared queue, jobs by state",
			labelNames: ['state'],
			registers,
			async collect() {
				const counts = await sources().queue?.().catch(() => undefined);
				this.reset();
				for (const [state, count] of Object.entries(counts ?? {})) this.set({ state }, count);
			},
		});
	}

	/** Where the gauges read from; set once the services exist. */
	watch(sources: MetricSources): void {
		this.sources = { ...this.sources, ...sources };
	}

	jobStarted(job: Job): void {
		this.jobsStarted.inc({ kind: job.kind, model: job.settings.model });
	}

	/** A job reached its final state: its outcome, its stages (from the record's own times), and what it kept. */
	jobEnded(job: Job, now = Date.now()): void {
		const outcome = job.state === 'delivered' ? 'delivered' : (job.failure?.kind ?? 'failed');
		this.jobsEnded.inc({ kind: job.kind, model: job.settings.model, outcome });
		for (const [stage, seconds] of stagesOf(job, now)) this.stages.observe({ kind: job.kind, stage }, seconds);
		if (job.state !== 'delivered') return;
		const guild = job.requester.guildId ?? 'dm';
		this.quotaUsed.inc({ guild, unit: job.kind === 'video' ? 'video_seconds' : 'images' }, job.quota.amount);
		if (this.prices[job.settings.model] !== undefined) this.spend.inc({ guild, model: job.settings.model }, spendOf(job, this.prices));
	}

	relaydanceAnswered(method: string, route: string, status: number | 'error'): void {
		this.relaydanceCalls.inc({ route: `${method} ${route}`, status: String(status) });
	}

	discordAnswered(status: number): void {
		this.discordAnswers.inc({ status: String(status) });
	}

	interactionAnswered(type: string, seconds: number): void {
		this.interactions.inc({ type });
		this.firstResponse.observe({ type }, seconds);
	}

	text(): Promise<string> {
		return this.registry.metrics();
	}

	get contentType(): string {
		return this.registry.contentType;
	}
}

/**
 * A final job's stages in seconds, from its record: accepted (`createdAt`) → submitted
 * (`submittedAt`) → finished at RelayDance (`result.madeAt`) → delivered (its last write). A stage
 * it never reached is left out.
 */
export function stagesOf(job: Job, endedAt: number): Array<[Stage, number]> {
	const stages: Array<[Stage, number]> = [];
	const madeAt = job.result?.madeAt;
	if (job.submittedAt !== undefined) stages.push(['accepted_to_submitted', (job.submittedAt - job.createdAt) / 1000]);
	if (job.submittedAt !== undefined && madeAt !== undefined) stages.push(['submitted_to_finished', Math.max(0, madeAt - job.submittedAt) / 1000]);
	if (madeAt !== undefined && job.state === 'delivered') stages.push(['finished_to_delivered', Math.max(0, endedAt - madeAt) / 1000]);
	return stages;
}
