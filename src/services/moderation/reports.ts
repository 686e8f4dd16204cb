import type { Keyv } from 'keyv';

/** What moderators decided about a reported result. `hide` shows its media as a spoiler; `delete` removed it. */
export type Decision = 'hide' | 'dismiss' | 'delete';

export interface ReportState {
	/** How many members reported the result. */
	count: number;
	/** True once enough reports hid it on their own (`REPORTS_TO_HIDE`). */
	autoHidden: boolean;
	/** The latest moderator's decision, if any. */
	decision?: { kind: Decision; by: string; at: number };
}

/**
 * Reports on results and moderators' decisions, kept in the store so they hold after a restart and,
 * on Redis, across processes: a member counts once per result, however often or wherever they press.
 */
export interface ReportBook {
	/** Counts `userId`'s report on the job's result: `added` is false when they had reported it already. */
	add(jobId: string, userId: string): Promise<{ added: boolean; count: number }>;
	/** Marks the result hidden by reports; true only for the one call that did it (and only while no moderator has decided). */
	claimAutoHide(jobId: string): Promise<boolean>;
	decide(jobId: string, kind: Decision, by: string): Promise<void>;
	state(jobId: string): Promise<ReportState>;
}

export const REPORT_KEY_PREFIX = 'report:';

interface StoredReport {
	reporters: string[];
	autoHidden?: boolean;
	decision?: ReportState['decision'];
}

/**
 * The report book in the Keyv store (`report:<job id>`), for the single process that runs on SQLite:
 * each job's read-modify-write is serialised here, which is enough with one process on the store.
 * Records expire with the job records (`JOB_RETENTION_DAYS`).
 */
export class StoredReports implements ReportBook {
	private readonly chains = new Map<string, Promise<unknown>>();

	constructor(
		private readonly store: Keyv,
		private readonly ttlMs: number,
	) {}

	add(jobId: string, userId: string): Promise<{ added: boolean; count: number }> {
		return this.change(jobId, (report) => {
			const added = !report.reporters.includes(userId);
			if (added) report.reporters.push(userId);
			return { result: { added, count: report.reporters.length }, write: added };
		});
	}

	claimAutoHide(jobId: string): Promise<boolean> {
		return this.change(jobId, (report) => {
			const claimed = !report.autoHidden && !report.decision;
			if (claimed) report.autoHidden = true;
			return { result: claimed, write: claimed };
		});
	}

	decide(jobId: string, kind: Decision, by: string): Promise<void> {
		return this.change(jobId, (report) => {
			report.decision = { kind, by, at: Date.now() };
			return { result: undefined, write: true };
		});
	}

	async state(jobId: string): Promise<ReportState> {
		await this.chains.get(jobId);
		return toState(await this.read(jobId));
	}

	private change<T>(jobId: string, step: (report: StoredReport) => { result: T; write: boolean }): Promise<T> {
		const previous = this.chains.get(jobId) ?? Promise.resolve();
		const next = previous.catch(() => {}).then(async () => {
			const report = await this.read(jobId);
			const { result, write } = step(report);
			if (write) await this.store.set(REPORT_KEY_PREFIX + jobId, report, this.ttlMs);
			return result;
		});
		this.chains.set(jobId, next);
		void next.finally(() => {
			if (this.chains.get(jobId) === next) this.chains.delete(jobId);
		}).catch(() => {});
		return next;
	}

	private async read(jobId: string): Promise<StoredReport> {
		return (await this.store.get<StoredReport>(REPORT_KEY_PREFIX + jobId)) ?? { reporters: [] };
	}
}

function toState(report: StoredReport): ReportState {
	return { count: report.reporters.length, autoHidden: report.autoHidden ?? false, ...(report.decision && { decision: report.decision }) };
}
