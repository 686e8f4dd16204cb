import { setMaxListeners } from 'node:events';
import { within } from '../sleep.js';
import { cancelledBy, type CancelledBy } from './failure.js';
import { firstResponses } from './first-responses.js';
import { CANCELLABLE_STATES, FINAL_STATES, type Job, type JobFailure } from './job.js';
import { HeldTaskSlots } from './run/held-task-slots.js';
import { jobContext, type RunnerParts } from './run/job-context.js';
import { CancelledError } from './run/run-errors.js';
import { failUnlessMoved, runJob } from './run/run-job.js';
import type { JobRunnerDeps } from './run/runner-deps.js';
import { ShutdownError } from './shutdown-error.js';
import { WaitLine } from './wait-line.js';

export { CancelledError, JobMovedError } from './run/run-errors.js';
export type { JobRunnerDeps } from './run/runner-deps.js';

/**
 * Carries a job from wherever its record says it is to `delivered` or `failed`: a new job and one
 * resumed after a restart go through the same steps (`run/`, from `run-job.ts`). Every step with
 * an effect outside the bot is saved before it happens. It never throws: every failure ends in
 * `failed`, with the quota refunded and the member told, except when the bot is stopping, when
 * the job is left in the store as it is for the next start.
 */
export class JobRunner {
	private readonly running = new Map<string, Promise<void>>();
	/** Each running job, as the runner holds it (fresher than the store), for buttons to read. */
	private readonly held = new Map<string, Job>();
	/** Jobs cancelled (by their requester or the operator), with what the member is told, until their run ends. */
	private readonly cancelled = new Map<string, JobFailure>();
	/** Aborted when the bot starts stopping: waits, downloads and deliveries end, and no new submit starts. */
	private readonly stopping = new AbortController();
	/** Aborted at the end of the grace period: submits still in flight are cut off. */
	private readonly halting = new AbortController();
	/** What every job's run shares. */
	private readonly parts: RunnerParts;

	constructor(deps: JobRunnerDeps) {
		// Every running job listens to both (through its own combined signal): thousands may.
		setMaxListeners(0, this.stopping.signal, this.halting.signal);
		this.parts = {
			deps,
			stopping: this.stopping.signal,
			halting: this.halting.signal,
			submitting: new WaitLine(deps.maxSubmitting),
			referenceMemory: new WaitLine(deps.referenceMemoryBytes),
			taskSlots: new HeldTaskSlots(deps.taskSlots),
			inSubmit: new Map(),
		};
	}

	/**
	 * Runs `job` from its current state; a job already running is not started twice. The job is held
	 * (found, cancelled, waited for on stop) at once, but its work waits its turn behind the
	 * interactions still being answered (`firstResponses`).
	 */
	start(job: Job): Promise<void> {
		const existing = this.running.get(job.id);
		if (existing) return existing;
		this.held.set(job.id, job);
		const run = firstResponses.turn().then(() => runJob(jobContext(this.parts, job), () => this.cancelled.get(job.id))).finally(() => {
			this.running.delete(job.id);
			this.held.delete(job.id);
			this.cancelled.delete(job.id);
			this.parts.inSubmit.delete(job.id);
			this.parts.taskSlots.release(job);
		});
		this.running.set(job.id, run);
		return run;
	}

	/** The job as this process runs it now, or undefined when it is not running here. */
	find(jobId: string): Job | undefined {
		return this.held.get(jobId);
	}

	/**
	 * Cancels a running job that has sent nothing to RelayDance (`queued` or `uploading`): it ends
	 * `failed` with its quota refunded, and its message says so. Answers what happened: `cancelled`,
	 * `too-late` (a task may exist: it cannot be called back), or `not-running` (not in this process).
	 * `by` picks what the member's message says.
	 */
	cancel(jobId: string, by: CancelledBy = 'requester'): 'cancelled' | 'too-late' | 'not-running' {
		const job = this.held.get(jobId);
		if (!job) return 'not-running';
		if (!CANCELLABLE_STATES.has(job.state)) return 'too-late';
		// A job held but not yet in its submit (waiting its turn) starts its submit cancelled.
		let controller = this.parts.inSubmit.get(jobId);
		if (!controller) this.parts.inSubmit.set(jobId, (controller = new AbortController()));
		this.cancelled.set(jobId, cancelledBy(by));
		controller.abort(new CancelledError());
		return 'cancelled';
	}

	/**
	 * Ends a job no process runs (still waiting in the queue, or one that could not be queued) as
	 * `failed` with `failure`: refunded, and its member told in its own message.
	 */
	async abandon(job: Job, failure: JobFailure): Promise<void> {
		if (FINAL_STATES.has(job.state)) return;
		const ctx = jobContext(this.parts, job);
		try {
			ctx.effects.attachView(this.parts.deps.views.open(job));
		} catch (error) {
			ctx.log.warn({ err: error }, 'cannot reach the job\'s message');
		}
		await failUnlessMoved(ctx, failure);
	}

	/** Resolves when every job started so far has ended. */
	async idle(): Promise<void> {
		while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
	}

	/**
	 * Stops at once everything that can be picked up again (waits, downloads, deliveries, jobs not
	 * yet submitted: all stay in the store as they are), lets submits already in flight finish for
	 * up to `graceMs`, then cuts those off too. Resolves when no job is running, or `CUT_OFF_MS`
	 * after the cut whatever still hangs: the jobs are in the store either way.
	 */
	async stop(graceMs: number, cutOffMs = CUT_OFF_MS): Promise<void> {
		this.stopping.abort(new ShutdownError());
		await within(this.idle(), graceMs);
		this.halting.abort(new ShutdownError());
		await within(this.idle(), cutOffMs);
	}
}

/** After the grace period, how long stop() still waits for jobs to notice the cut. */
const CUT_OFF_MS = 1_000;
