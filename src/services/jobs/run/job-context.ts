import type { Logger } from '../../../logger.js';
import type { Job } from '../job.js';
import type { WaitLine } from '../wait-line.js';
import type { HeldTaskSlots } from './held-task-slots.js';
import { JobEffects } from './job-effects.js';
import type { JobRunnerDeps } from './runner-deps.js';

/** What every job's run shares: the runner's deps, the lines jobs wait in, and its stop signals. */
export interface RunnerParts {
	deps: JobRunnerDeps;
	/** Aborted when the bot starts stopping: waits, downloads and deliveries end, and no new submit starts. */
	stopping: AbortSignal;
	/** Aborted at the end of the grace period: submits still in flight are cut off. */
	halting: AbortSignal;
	/** Jobs uploading and submitting at once (`maxSubmitting`). */
	submitting: WaitLine;
	/** Reference bytes held in memory at once (`referenceMemoryBytes`). */
	referenceMemory: WaitLine;
	taskSlots: HeldTaskSlots;
	/**
	 * Each job in its submit phase (nothing sent to RelayDance yet): aborted when the bot stops, or
	 * by Cancel. A job past it holds none, so thousands of tasks in flight cost no controller each.
	 */
	inSubmit: Map<string, AbortController>;
}

/**
 * One job's run, handed from stage to stage: the record (changed in place as the job moves), its
 * log, and its effects, through which alone the record is written and the member shown anything.
 */
export interface JobContext<J extends Job = Job> extends RunnerParts {
	job: J;
	log: Logger;
	effects: JobEffects;
}

export function jobContext<J extends Job>(parts: RunnerParts, job: J): JobContext<J> {
	const { deps } = parts;
	return {
		...parts,
		job,
		log: deps.logger.child({ jobId: job.id, userId: job.requester.userId, kind: job.kind }),
		effects: new JobEffects(job.id, deps.jobs, deps.leaseOf?.(job.id)),
	};
}
