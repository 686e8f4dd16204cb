import type { Logger } from '../../../logger.js';
import type { QuotaBook } from '../../quota/quota.js';
import type { RelayDanceClient } from '../../relaydance/client.js';
import type { CreditGate } from '../../relaydance/credit-gate.js';
import type { TaskWaker } from '../../relaydance/task-waker.js';
import type { FairLine } from '../fair-line.js';
import type { Job, JobKind } from '../job.js';
import type { JobStore } from '../job-store.js';
import type { JobViews } from '../job-view.js';
import type { PollOptions } from '../task-poller.js';

export interface JobRunnerDeps {
	client: RelayDanceClient;
	jobs: JobStore;
	/** Each kind of job is charged to its own quota: seconds of video, images. */
	quotas: Record<JobKind, QuotaBook>;
	logger: Logger;
	views: JobViews;
	poll: Pick<PollOptions, 'intervalMs' | 'maxIntervalMs' | 'timeoutMs'> & Partial<PollOptions>;
	maxReferenceBytes: number;
	maxOutputBytes: number;
	/** Largest generated image the bot downloads. */
	maxImageBytes?: number;
	/** Hosts a finished video may come from although they resolve to a private address (RelayDance's own, for the simulator). */
	outputHosts: string[];
	/** Hosts reference attachments may come from beside Discord's CDN (the stand-in's). */
	referenceHosts: string[];
	tmpDir: string;
	/**
	 * Jobs uploading references and submitting at once. The rest wait `queued`, so a burst of
	 * commands spends its first seconds deferring every interaction, not on HTTP for the first few.
	 */
	maxSubmitting: number;
	/** Reference bytes all jobs together may hold in memory at once; the rest wait, shown as queued. */
	referenceMemoryBytes: number;
	/** Tasks in flight at RelayDance bot-wide (`MAX_CONCURRENT_TASKS`), shared round-robin between servers. */
	taskSlots: FairLine;
	/** Closed while RelayDance's balance is spent: jobs wait, queued, and try again on their own. */
	credit: CreditGate;
	/**
	 * On Redis: a check that the job is surely still this process's without asking Redis (its queue
	 * lock runs for a while yet), so a result can be shown while Redis does not answer.
	 */
	leaseOf?: (jobId: string) => () => boolean;
	/** Told once of every job that ends (usage, audit line). Must not throw. */
	onFinal?: (job: Job) => void;
	/** Webhook mode: tasks carry a callback URL, and a callback wakes the wait for its job. */
	callbacks?: { urlFor: (jobId: string) => string; waker: TaskWaker; fallbackPollMs: number };
}
