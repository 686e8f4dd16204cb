import type { Job, JobKind } from './job.js';

/** Durations kept per model: the typical one is their median. */
const KEPT = 25;
/** Below this many of a model's own, the configured default stands. */
const ENOUGH = 3;

/**
 * How long a model's task takes at RelayDance (submitted → finished), learned from the jobs this
 * process ends, with a configured default until it has seen a few. What a member is promised where
 * the bot can answer only within the interaction's 15 minutes is built on it.
 */
export class TaskTimings {
	private readonly byModel = new Map<string, number[]>();

	constructor(private readonly defaults: Record<JobKind, number>) {}

	/** Learns from a job that ended with its task made. */
	record(job: Job): void {
		const madeAt = job.result?.madeAt;
		if (job.submittedAt === undefined || madeAt === undefined) return;
		const kept = this.byModel.get(job.settings.model) ?? [];
		kept.push(Math.max(0, madeAt - job.submittedAt));
		if (kept.length > KEPT) kept.shift();
		this.byModel.set(job.settings.model, kept);
	}

	/** The model's typical task time in ms: the median of what was seen, or the default. */
	typicalMs(kind: JobKind, model: string): number {
		const kept = this.byModel.get(model);
		if (!kept || kept.length < ENOUGH) return this.defaults[kind];
		const sorted = [...kept].sort((a, b) => a - b);
		return sorted[Math.floor(sorted.length / 2)]!;
	}
}

/**
 * What a new job would take to be made: its model's typical time, plus the line ahead of it served
 * `capacity` tasks at a time (each as long as this one, for want of better).
 */
export function expectedMs(typicalMs: number, ahead: number, capacity: number): number {
	return typicalMs * (1 + Math.floor(ahead / Math.max(1, capacity)));
}
