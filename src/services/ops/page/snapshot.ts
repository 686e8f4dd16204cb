import { hostname } from 'node:os';
import type { Job } from '../../jobs/job.js';
import type { ModelPrices } from '../../guilds/usage.js';
import type { QueueFigures, WorkerFigures } from '../../cluster/status-report.js';
import { INVALID_REQUEST_LIMIT } from '../invalid-requests.js';
import { dayOf, lineOf, type DayFigures, type LineFigures } from './overview.js';

/** Who runs jobs: this process alone (SQLite), or the workers of a cluster by their heartbeats (Redis). */
export type Processes =
	| { mode: 'single'; host: string; pid: number; role: string; startedAt: number }
	| { mode: 'cluster'; workers: WorkerFigures; queue: QueueFigures };

/** Everything the page shows, at one moment. */
export interface Overview {
	at: number;
	line: LineFigures;
	processes: Processes | { mode: 'cluster'; error: string };
	day: DayFigures;
	credit: { paused: boolean; reopensAt: number | null };
	intake: { paused: boolean; since: number | null };
	invalidRequests: { count: number; limit: number; high: boolean };
}

export interface SnapshotSources {
	/** Every job record (the store's scan). */
	jobs: () => Promise<Job[]>;
	/** The job as this process runs it now (fresher than its record). */
	live: (jobId: string) => Job | undefined;
	prices: ModelPrices;
	credit: { readonly paused: boolean; readonly reopensAt: number };
	intake: { readonly paused: boolean; readonly since: number | undefined };
	invalidRequests: { count(): number; readonly high: boolean };
	/** On Redis: the workers and the queue; absent on SQLite (this process does everything). */
	cluster?: () => Promise<{ workers: WorkerFigures; queue: QueueFigures }>;
	role: string;
	now?: () => number;
}

/** When this process started, for "this process" on SQLite. */
const STARTED_AT = Date.now() - Math.round(process.uptime() * 1000);

/**
 * Reads the overview, at most once per `maxAgeMs` however many tabs ask: every open page is fed
 * from the same reading, so the store is scanned once a second, not once per tab.
 */
export class Snapshots {
	private last: { at: number; overview: Promise<Overview> } | undefined;
	private readonly now: () => number;

	constructor(
		private readonly sources: SnapshotSources,
		private readonly maxAgeMs = 900,
	) {
		this.now = sources.now ?? Date.now;
	}

	read(): Promise<Overview> {
		const now = this.now();
		if (this.last && now - this.last.at < this.maxAgeMs) return this.last.overview;
		const overview = this.build(now);
		this.last = { at: now, overview };
		overview.catch(() => (this.last = undefined));
		return overview;
	}

	/** The next read is fresh (an action just changed something). */
	forget(): void {
		this.last = undefined;
	}

	private async build(now: number): Promise<Overview> {
		const { sources } = this;
		const [jobs, processes] = await Promise.all([sources.jobs(), this.processes()]);
		return {
			at: now,
			line: lineOf(jobs, sources.live, now),
			processes,
			day: dayOf(jobs, sources.prices, now),
			credit: { paused: sources.credit.paused, reopensAt: sources.credit.paused ? sources.credit.reopensAt : null },
			intake: { paused: sources.intake.paused, since: sources.intake.since ?? null },
			invalidRequests: { count: sources.invalidRequests.count(), limit: INVALID_REQUEST_LIMIT, high: sources.invalidRequests.high },
		};
	}

	private async processes(): Promise<Overview['processes']> {
		if (!this.sources.cluster) return { mode: 'single', host: hostname(), pid: process.pid, role: this.sources.role, startedAt: STARTED_AT };
		try {
			return { mode: 'cluster', ...(await this.sources.cluster()) };
		} catch (error) {
			return { mode: 'cluster', error: error instanceof Error ? error.message : String(error) };
		}
	}
}
