import type { Logger } from '../../logger.js';
import type { ActiveJobs } from '../quota/active-jobs.js';
import type { QuotaService } from '../quota/quota.js';
import { FINAL_STATES, type Job, type JobKind } from './job.js';
import type { JobRunner } from './job-runner.js';
import type { JobStore } from './job-store.js';

export interface RecoveryDeps {
	jobs: JobStore;
	quotas: Record<JobKind, QuotaService>;
	runner: JobRunner;
	activeJobs: ActiveJobs;
	logger: Logger;
	retentionMs: number;
	now?: () => number;
}

/**
 * At start, makes the store the truth again: drops quota reservations whose job never reached the
 * store (or was refunded), deletes final records past their retention, and resumes every job that
 * is not final, from the state its record holds. Returns what it did.
 */
export async function recoverJobs(deps: RecoveryDeps): Promise<{ resumed: Job[]; pruned: number; reservationsDropped: number }> {
	const now = deps.now ?? Date.now;
	const { jobs: all, unreadable } = await deps.jobs.load();
	if (unreadable.length > 0) deps.logger.warn({ keys: unreadable.slice(0, 20), count: unreadable.length }, 'left alone store records that are not jobs the bot can read');
	const byId = new Map(all.map((job) => [job.id, job]));
	const isLive = (jobId: string) => {
		const job = byId.get(jobId);
		return job !== undefined && !job.refunded;
	};
	const dropped = Object.values(deps.quotas).flatMap((quota) => quota.reconcile(isLive));
	for (const reservation of dropped) deps.logger.info({ ...reservation }, 'dropped a quota reservation whose job never reached the store');
	const pruned = await deps.jobs.prune(all, now() - deps.retentionMs);
	// Jobs whose task is in flight take their slots first, so the waiting ones queue behind them within MAX_CONCURRENT_TASKS.
	const inFlight = (job: Job) => (job.kind === 'image' ? job.state === 'delivering' : job.taskId !== undefined);
	const unfinished = all.filter((job) => !FINAL_STATES.has(job.state));
	const resumed = [...unfinished.filter(inFlight), ...unfinished.filter((job) => !inFlight(job))];
	for (const job of resumed) {
		const release = deps.activeJobs.acquire(job.requester.userId, job.id, { force: true });
		void deps.runner.start(job).finally(release);
	}
	if (resumed.length > 0 || pruned > 0) deps.logger.info({ resumed: resumed.length, pruned }, 'jobs recovered from the store');
	return { resumed, pruned, reservationsDropped: dropped.length };
}
