import { join } from 'node:path';
import type { Logger } from '../../logger.js';
import { errorFailure, ShutdownError, taskFailure } from './failure.js';
import { FinishedVideo } from '../media/finished-video.js';
import type { Job, JobFailure, JobState } from './job.js';
import type { JobStore } from './job-store.js';
import type { QuotaService } from '../quota/quota.js';
import { contentItem, fetchReferences, type FetchedReference } from '../media/references.js';
import { Semaphore } from './semaphore.js';
import type { TaskWaker } from '../relaydance/task-waker.js';
import type { RelayDanceClient } from '../relaydance/client.js';
import type { ContentItem, CreateVideoBody, Task } from '../relaydance/schemas.js';
import { waitForTask, type PollOptions } from './task-poller.js';
import type { VideoPlan } from './video-request.js';
import type { JobView, JobViews } from './job-view.js';


export interface JobRunnerDeps {
	client: RelayDanceClient;
	jobs: JobStore;
	quota: QuotaService;
	logger: Logger;
	poll: Pick<PollOptions, 'intervalMs' | 'maxIntervalMs' | 'timeoutMs'> & Partial<PollOptions>;
	maxReferenceBytes: number;
	maxOutputBytes: number;
	tmpDir: string;
	/**
	 * Jobs uploading references and submitting at once. The rest wait `queued`, so a burst of
	 * commands spends its first seconds deferring every interaction, not on HTTP for the first few.
	 */
	maxSubmitting: number;
	/** Webhook mode: tasks carry a callback URL, and a callback wakes the wait for its job. */
	callbacks?: { urlFor: (jobId: string) => string; waker: TaskWaker; fallbackPollMs: number };
	views: JobViews;
}

/**
 * Carries a job from `queued` to `delivered` or `failed`: uploads its references, submits the task,
 * waits for it, downloads and hands the video to the view. It never throws: every failure ends in
 * `failed`, with the quota refunded and the user told.
 */
export class JobRunner {
	private readonly running = new Set<Promise<void>>();
	private readonly submitting: Semaphore;
	private readonly stopping = new AbortController();

	constructor(private readonly deps: JobRunnerDeps) {
		this.submitting = new Semaphore(deps.maxSubmitting);
	}

	start(job: Job): Promise<void> {
		const run = this.run(job, job.settings, this.deps.views.open(job)).finally(() => this.running.delete(run));
		this.running.add(run);
		return run;
	}

	/** Resolves when every job started so far has ended. */
	async idle(): Promise<void> {
		while (this.running.size > 0) await Promise.allSettled([...this.running]);
	}

	/**
	 * Lets jobs finish for up to `graceMs`, then stops waiting on the rest: each of those ends
	 * `failed`, its member told and its quota given back, rather than left hanging.
	 */
	async stop(graceMs: number): Promise<void> {
		const grace = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
		await Promise.race([this.idle(), grace]);
		this.stopping.abort(new ShutdownError());
		await this.idle();
	}

	private async run(job: Job, plan: VideoPlan, view: JobView): Promise<void> {
		const log = this.deps.logger.child({ jobId: job.id, userId: job.requester.userId });
		const { callbacks } = this.deps;
		callbacks?.waker.register(job.id);
		try {
			this.save(job);
			const references = await fetchReferences(plan.references, this.deps.maxReferenceBytes);
			const release = await this.submitting.acquire();
			let submitted;
			try {
				this.stopping.signal.throwIfAborted(); // never create a task the bot will not wait for
				this.move(job, 'submitting', view);
				const content = await this.uploadReferences(references, log);
				submitted = await this.deps.client.createVideo(requestBody(plan, content, callbacks?.urlFor(job.id)));
			} finally {
				release();
			}
			job.taskId = submitted.taskId;
			job.submittedAt = Date.now();
			this.move(job, 'submitted', view);
			log.info({ taskId: job.taskId }, 'task submitted');

			const final = await waitForTask(
				(signal) => this.deps.client.getVideo(submitted.taskId, signal),
				(task) => this.observe(job, task, view),
				callbacks
					? {
							...this.deps.poll,
							intervalMs: callbacks.fallbackPollMs,
							maxIntervalMs: callbacks.fallbackPollMs,
							wait: (ms, signal) => callbacks.waker.wait(job.id, ms, signal),
							signal: this.stopping.signal,
						}
					: { ...this.deps.poll, signal: this.stopping.signal },
			);
			if (final.status === 'failed') {
				log.info({ taskId: job.taskId, code: final.errorCode }, 'task failed');
				return await this.fail(job, taskFailure(final), view, log);
			}
			this.move(job, 'delivering', view);
			await this.deliver(job, final, view);
			log.info({ taskId: job.taskId, delivery: job.result?.delivery, bytes: job.result?.bytes }, 'video delivered');
		} catch (error) {
			log.error({ err: error, state: job.state, taskId: job.taskId }, 'job failed');
			await this.fail(job, errorFailure(error, job.id.slice(0, 8)), view, log);
		} finally {
			callbacks?.waker.unregister(job.id);
		}
	}

	/** Progress is shown, not saved: only a change of state is worth a store write. */
	private observe(job: Job, task: Task, view: JobView): void {
		if (task.status !== 'running' || (job.state === 'running' && task.progress === job.progress)) return;
		job.progress = task.progress;
		if (job.state === 'running') view.update(job);
		else this.move(job, 'running', view);
	}

	/** Hands each fetched reference to RelayDance (`POST /v1/files`) and cites the URL it returns. */
	private async uploadReferences(references: FetchedReference[], log: Logger): Promise<ContentItem[]> {
		const content: ContentItem[] = [];
		for (const { reference, data, contentType } of references) {
			const url = await this.deps.client.uploadFile({ data, name: reference.name, contentType });
			log.debug({ kind: reference.kind, slot: reference.slot, bytes: data.length }, 'reference uploaded');
			content.push(contentItem(reference.kind, url));
		}
		return content;
	}

	private async deliver(job: Job, task: Task, view: JobView): Promise<void> {
		if (!task.url) throw new Error('RelayDance reported success without a video URL');
		const fileName = `relaydance-${task.taskId.replace(/[^\w-]/g, '')}.mp4`;
		const spoolPath = join(this.deps.tmpDir, `${job.id}.mp4`);
		const video = await FinishedVideo.fetch(task.url, fileName, { maxBytes: this.deps.maxOutputBytes, spoolPath });
		try {
			const { delivery, messageUrl } = await view.deliver(job, video);
			job.result = { fileName, bytes: video.bytes, url: task.url, madeAt: Date.now(), delivery, messageUrl };
			job.state = 'delivered';
			this.save(job);
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
			await view.fail(job);
		} catch (error) {
			log.error({ err: error }, 'could not tell the user their job failed');
		}
	}

	private move(job: Job, state: JobState, view: JobView): void {
		job.state = state;
		this.save(job);
		view.update(job);
	}

	/**
	 * Records the job's move without waiting for the store: the user's video does not wait on
	 * bookkeeping, and the store's writer logs a failed write.
	 */
	private save(job: Job): void {
		void this.deps.jobs.save(job);
	}
}

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
