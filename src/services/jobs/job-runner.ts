import { join } from 'node:path';
import type { Logger } from '../../logger.js';
import { FinishedVideo } from '../media/finished-video.js';
import { OutputDownloadError } from '../media/http-download.js';
import { contentItem, fetchReferences, type FetchedReference } from '../media/references.js';
import type { QuotaService } from '../quota/quota.js';
import type { RelayDanceClient } from '../relaydance/client.js';
import type { ContentItem, CreateVideoBody, Task } from '../relaydance/schemas.js';
import type { TaskWaker } from '../relaydance/task-waker.js';
import { mayHaveBilled } from './billing.js';
import { errorFailure, LOST_IN_SUBMIT, taskFailure } from './failure.js';
import { ShutdownError } from './shutdown-error.js';
import { shownPlace, type Job, type JobFailure, type JobState } from './job.js';
import type { JobStore } from './job-store.js';
import type { JobView, JobViews } from './job-view.js';
import { waitForTask, type PollOptions } from './task-poller.js';
import type { VideoPlan } from './video-request.js';
import { WaitLine } from './wait-line.js';
import { within } from '../sleep.js';

export interface JobRunnerDeps {
	client: RelayDanceClient;
	jobs: JobStore;
	quota: QuotaService;
	logger: Logger;
	views: JobViews;
	poll: Pick<PollOptions, 'intervalMs' | 'maxIntervalMs' | 'timeoutMs'> & Partial<PollOptions>;
	maxReferenceBytes: number;
	maxOutputBytes: number;
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
	/** Webhook mode: tasks carry a callback URL, and a callback wakes the wait for its job. */
	callbacks?: { urlFor: (jobId: string) => string; waker: TaskWaker; fallbackPollMs: number };
}

/**
 * Carries a job from wherever its record says it is to `delivered` or `failed`: a new job and one
 * resumed after a restart go through the same steps. Every step with an effect outside the bot is
 * saved before it happens. It never throws: every failure ends in `failed`, with the quota refunded
 * and the member told, except when the bot is stopping, when the job is left in the store as it
 * is for the next start.
 */
export class JobRunner {
	private readonly running = new Map<string, Promise<void>>();
	private readonly submitting: WaitLine;
	private readonly referenceMemory: WaitLine;
	/** Aborted when the bot starts stopping: waits, downloads and deliveries end, and no new submit starts. */
	private readonly stopping = new AbortController();
	/** Aborted at the end of the grace period: submits still in flight are cut off. */
	private readonly halting = new AbortController();

	constructor(private readonly deps: JobRunnerDeps) {
		this.submitting = new WaitLine(deps.maxSubmitting);
		this.referenceMemory = new WaitLine(deps.referenceMemoryBytes);
	}

	/** Runs `job` from its current state; a job already running is not started twice. */
	start(job: Job): Promise<void> {
		const existing = this.running.get(job.id);
		if (existing) return existing;
		const run = this.run(job).finally(() => this.running.delete(job.id));
		this.running.set(job.id, run);
		return run;
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

	private async run(job: Job): Promise<void> {
		const log = this.deps.logger.child({ jobId: job.id, userId: job.requester.userId });
		const { callbacks } = this.deps;
		let view: JobView = UNSEEN;
		try {
			view = this.deps.views.open(job);
			callbacks?.waker.register(job.id);
			if (job.state === 'submitting') {
				log.warn({ state: job.state }, 'the bot stopped during this job\'s submit: a RelayDance task may have been billed without delivery');
				return await this.fail(job, LOST_IN_SUBMIT, view, log);
			}
			if (!job.taskId) await this.submit(job, view, log);
			const final = await this.waitForTask(job, view);
			callbacks?.waker.unregister(job.id); // the task is final: a late callback is answered 404 and costs nothing
			if (final.status === 'failed') {
				log.info({ taskId: job.taskId, code: final.errorCode }, 'task failed');
				return await this.fail(job, taskFailure(final), view, log);
			}
			this.move(job, 'delivering', view);
			await this.deliver(job, final, view, log);
		} catch (error) {
			if (this.isStopping(error)) {
				log.info({ state: job.state, taskId: job.taskId }, 'bot stopping: job left in the store for the next start');
				return;
			}
			const billed = mayHaveBilled(job.state, error);
			log[billed ? 'warn' : 'error']({ err: error, state: job.state, taskId: job.taskId, possiblyBilled: billed }, billed ? 'job failed; RelayDance may have billed it without delivery' : 'job failed');
			await this.fail(job, errorFailure(error, job.id.slice(0, 8)), view, log);
		} finally {
			callbacks?.waker.unregister(job.id);
		}
	}

	/**
	 * From `queued` (or `uploading`, left by a stopped process) to `submitted`: fetches the
	 * references from their saved URLs, waits for a submission slot, uploads them, and submits once
	 * the record saying so is in the store.
	 */
	private async submit(job: Job, view: JobView, log: Logger): Promise<void> {
		const signal = this.stopping.signal;
		// A new job is already `queued`: it shows so once it has a place in line to show, and its
		// first save costs nothing while a burst of commands is still being deferred.
		if (job.state === 'queued') this.save(job);
		else this.move(job, 'queued', view);
		const inLine = { signal, onPosition: (position: number) => this.showPlace(job, view, position) };
		const bytes = job.settings.references.reduce((sum, reference) => sum + Math.min(reference.size, this.deps.maxReferenceBytes), 0);
		const releaseMemory = bytes > 0 ? await this.referenceMemory.acquire(bytes, inLine) : () => {};
		let release = () => {};
		try {
			const references = await fetchReferences(job.settings.references, this.deps.maxReferenceBytes, { signal, allowedHosts: this.deps.referenceHosts });
			release = await this.submitting.acquire(1, inLine);
			signal.throwIfAborted(); // never create a task the bot will not wait for
			job.queuePosition = undefined;
			this.move(job, 'uploading', view);
			const content = await this.uploadReferences(references, log, signal);
			releaseMemory();
			this.move(job, 'submitting', view);
			await this.deps.jobs.save(job, { now: true });
			const submitted = await this.deps.client.createVideo(requestBody(job.settings, content, this.deps.callbacks?.urlFor(job.id)), this.halting.signal);
			job.taskId = submitted.taskId;
			job.submittedAt = Date.now();
			this.move(job, 'submitted', view, { now: true });
			log.info({ taskId: job.taskId }, 'task submitted');
		} finally {
			releaseMemory();
			release();
		}
	}

	/** The error is the bot stopping (an aborted wait, download or request), not something that happened to the job. */
	private isStopping(error: unknown): boolean {
		if (!this.stopping.signal.aborted) return false;
		return error instanceof ShutdownError || (error instanceof Error && error.name === 'AbortError');
	}

	/** A waiting job shows its place in line (1: next), when the place it shows changes. */
	private showPlace(job: Job, view: JobView, position: number): void {
		const shown = shownPlace(position);
		if (shown === job.queuePosition) return;
		job.queuePosition = shown;
		view.update(job);
	}

	private waitForTask(job: Job, view: JobView): Promise<Task> {
		const { callbacks } = this.deps;
		const taskId = job.taskId!;
		const resumed = job.state !== 'submitted' || Date.now() - (job.submittedAt ?? 0) > this.deps.poll.intervalMs;
		return waitForTask(
			(signal) => this.deps.client.getVideo(taskId, signal),
			(task) => this.observe(job, task, view),
			{
				...this.deps.poll,
				...(callbacks && {
					intervalMs: callbacks.fallbackPollMs,
					maxIntervalMs: callbacks.fallbackPollMs,
					wait: (ms: number, signal?: AbortSignal) => callbacks.waker.wait(job.id, ms, signal),
				}),
				startedAt: job.submittedAt,
				...(resumed && { firstDelayMs: 0 }),
				signal: this.stopping.signal,
			},
		);
	}

	/** Progress is shown, not saved: only a change of state is worth a store write. */
	private observe(job: Job, task: Task, view: JobView): void {
		if (task.status !== 'running' || (job.state === 'running' && task.progress === job.progress)) return;
		job.progress = task.progress;
		if (job.state === 'running') view.update(job);
		else this.move(job, 'running', view);
	}

	/**
	 * Hands each fetched reference to RelayDance (`POST /v1/files`) and cites the URL it returns.
	 * Each one leaves `references` once uploaded, so its bytes can be collected while the rest go.
	 */
	private async uploadReferences(references: FetchedReference[], log: Logger, signal: AbortSignal): Promise<ContentItem[]> {
		const content: ContentItem[] = [];
		for (let next = references.shift(); next; next = references.shift()) {
			const { reference, data, contentType } = next;
			const url = await this.deps.client.uploadFile({ data, name: reference.name, contentType }, signal);
			log.debug({ kind: reference.kind, slot: reference.slot, bytes: data.length }, 'reference uploaded');
			content.push(contentItem(reference.kind, url));
		}
		return content;
	}

	/**
	 * Fetches the video and hands it to the view. From here the video exists and is paid for: the
	 * member keeps the charge whatever Discord does, and the result is saved before Discord is asked.
	 */
	private async deliver(job: Job, task: Task, view: JobView, log: Logger): Promise<void> {
		if (!task.url) throw new Error('RelayDance reported success without a video URL');
		const signal = this.stopping.signal;
		const fileName = `relaydance-${task.taskId.replace(/[^\w-]/g, '')}.mp4`;
		const spoolPath = join(this.deps.tmpDir, `${job.id}.mp4`);
		const video = await FinishedVideo.fetch(task.url, fileName, { maxBytes: this.deps.maxOutputBytes, spoolPath, signal, allowedHosts: this.deps.outputHosts }).catch((error: unknown) => {
			if (!(error instanceof OutputDownloadError && error.reason === 'too-large')) throw error;
			log.warn({ declaredBytes: error.declaredBytes }, 'the video is over MAX_OUTPUT_MB: sending its link instead of the file');
			return FinishedVideo.linkOnly(task.url!, fileName, error.declaredBytes ?? this.deps.maxOutputBytes + 1);
		});
		try {
			job.result = { fileName, bytes: video.bytes, url: task.url, madeAt: job.result?.madeAt ?? Date.now(), delivery: 'none' };
			this.save(job);
			try {
				const { delivery, messageUrl } = await view.deliver(job, video, signal);
				job.result = { ...job.result, delivery, messageUrl };
			} catch (error) {
				if (signal.aborted) throw error;
				log.error({ err: error }, 'the video was made but no message could carry it; /jobs still links it');
			}
			job.state = 'delivered';
			await this.finish(job);
			log.info({ taskId: job.taskId, delivery: job.result.delivery, bytes: job.result.bytes }, 'video delivered');
		} finally {
			await video.dispose();
		}
	}

	private async fail(job: Job, failure: JobFailure, view: JobView, log: Logger): Promise<void> {
		job.failure = failure;
		job.state = 'failed';
		if (!job.refunded) {
			this.deps.quota.refund(job.quota);
			job.refunded = true;
		}
		this.save(job);
		try {
			// Until the cut-off: a job that fails while the bot stops (a refused submit) is still told.
			await view.fail(job, this.halting.signal);
		} catch (error) {
			log.error({ err: error }, 'could not tell the user their job failed');
		}
		await this.finish(job);
	}

	/** A final job's record no longer needs the credential its messages were sent with. */
	private finish(job: Job): Promise<void> {
		delete job.reply.credential;
		return this.deps.jobs.save(job, { now: true }).catch(() => {}); // the writer logs a failed write
	}

	private move(job: Job, state: JobState, view: JobView, options?: { now?: boolean }): void {
		job.state = state;
		this.save(job, options);
		view.update(job);
	}

	/** Records the job's move; the store's writer logs a failed write. */
	private save(job: Job, options?: { now?: boolean }): void {
		this.deps.jobs.save(job, options).catch(() => {}); // the writer has logged it
	}
}

/** After the grace period, how long stop() still waits for jobs to notice the cut. */
const CUT_OFF_MS = 1_000;

/** The view of a job whose reply address cannot be read: it can only be failed and refunded, silently (logged). */
const UNSEEN: JobView = {
	update: () => {},
	deliver: async () => ({ delivery: 'none' }),
	fail: async () => {},
};

function requestBody(plan: VideoPlan, content: ContentItem[], callbackUrl: string | undefined): CreateVideoBody {
	return {
		model: plan.model,
		prompt: plan.apiPrompt,
		seconds: String(plan.seconds),
		metadata: {
			generate_audio: plan.audio,
			...(plan.ratio && { ratio: plan.ratio }),
			...(plan.resolution && { resolution: plan.resolution }),
			...(callbackUrl && { callback_url: callbackUrl }),
			...(content.length > 0 && { content }),
		},
	};
}
