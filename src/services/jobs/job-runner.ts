import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import type { Logger } from '../../logger.js';
import { FinishedVideo } from '../media/finished-video.js';
import { OutputDownloadError } from '../media/http-download.js';
import { fetchGeneratedImages, type ImageSource } from '../media/generated-images.js';
import { contentItem, fetchReferences, type FetchedReference } from '../media/references.js';
import type { QuotaBook } from '../quota/quota.js';
import type { RelayDanceClient } from '../relaydance/client.js';
import type { ContentItem, CreateVideoBody, Task } from '../relaydance/schemas.js';
import type { TaskWaker } from '../relaydance/task-waker.js';
import { mayHaveBilled } from './billing.js';
import { CANCELLED, errorFailure, LOST_IMAGES, LOST_IN_IMAGES, LOST_IN_SUBMIT, NO_IMAGES, NOT_SHOWN, taskFailure } from './failure.js';
import { ShutdownError } from './shutdown-error.js';
import { firstResponses } from './first-responses.js';
import { CANCELLABLE_STATES, FINAL_STATES, shownPlace, type ImageJob, type Job, type JobFailure, type JobKind, type JobState, type VideoJob } from './job.js';
import type { JobStore } from './job-store.js';
import type { Delivered, JobView, JobViews } from './job-view.js';
import { waitForTask, type PollOptions } from './task-poller.js';
import type { VideoPlan } from './video-request.js';
import { WaitLine } from './wait-line.js';
import type { FairLine } from './fair-line.js';
import { isCreditExhausted, type CreditGate } from '../relaydance/credit-gate.js';
import { within } from '../sleep.js';

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
	/** Told once of every job that ends (usage, audit line). Must not throw. */
	onFinal?: (job: Job) => void;
	/**
	 * On Redis: whether this process still holds the job (a worker that stopped answering for longer
	 * than its lock may have lost it to another). Asked right before anything is sent to RelayDance,
	 * and before a finished task is delivered or failed.
	 */
	ownsJob?: (jobId: string) => Promise<boolean>;
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
	/** Each running job, as the runner holds it (fresher than the store), for buttons to read. */
	private readonly held = new Map<string, Job>();
	/**
	 * Each job in its submit phase (nothing sent to RelayDance yet): aborted when the bot stops, or
	 * by Cancel. A job past it holds none, so thousands of tasks in flight cost no controller each.
	 */
	private readonly inSubmit = new Map<string, AbortController>();
	/** Jobs the requester cancelled, until their run ends. */
	private readonly cancelled = new Set<string>();
	/** Each running job's task slot, once it has one. */
	private readonly taskSlotReleases = new Map<string, () => void>();
	private readonly submitting: WaitLine;
	private readonly referenceMemory: WaitLine;
	/** Aborted when the bot starts stopping: waits, downloads and deliveries end, and no new submit starts. */
	private readonly stopping = new AbortController();
	/** Aborted at the end of the grace period: submits still in flight are cut off. */
	private readonly halting = new AbortController();

	constructor(private readonly deps: JobRunnerDeps) {
		// Every running job listens to both (through its own combined signal): thousands may.
		setMaxListeners(0, this.stopping.signal, this.halting.signal);
		this.submitting = new WaitLine(deps.maxSubmitting);
		this.referenceMemory = new WaitLine(deps.referenceMemoryBytes);
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
		const run = firstResponses.turn().then(() => this.run(job)).finally(() => {
			this.running.delete(job.id);
			this.held.delete(job.id);
			this.cancelled.delete(job.id);
			this.releaseTaskSlot(job);
		});
		this.running.set(job.id, run);
		return run;
	}

	/** Gives the job's place among the tasks in flight to the next in line (once; later calls do nothing). */
	private releaseTaskSlot(job: Job): void {
		this.taskSlotReleases.get(job.id)?.();
		this.taskSlotReleases.delete(job.id);
	}

	/** The job as this process runs it now, or undefined when it is not running here. */
	find(jobId: string): Job | undefined {
		return this.held.get(jobId);
	}

	/**
	 * Cancels a running job that has sent nothing to RelayDance (`queued` or `uploading`): it ends
	 * `failed` with its quota refunded, and its message says so. Answers what happened: `cancelled`,
	 * `too-late` (a task may exist: it cannot be called back), or `not-running` (not in this process).
	 */
	cancel(jobId: string): 'cancelled' | 'too-late' | 'not-running' {
		const job = this.held.get(jobId);
		if (!job) return 'not-running';
		const controller = this.inSubmit.get(jobId);
		if (!controller || !CANCELLABLE_STATES.has(job.state)) return 'too-late';
		this.cancelled.add(jobId);
		controller.abort(new CancelledError());
		return 'cancelled';
	}

	/**
	 * Ends a job no process runs (still waiting in the queue, or one that could not be queued) as
	 * `failed` with `failure`: refunded, and its member told in its own message.
	 */
	async abandon(job: Job, failure: JobFailure): Promise<void> {
		if (FINAL_STATES.has(job.state)) return;
		const log = this.deps.logger.child({ jobId: job.id, userId: job.requester.userId, kind: job.kind });
		let view: JobView = UNSEEN;
		try {
			view = this.deps.views.open(job);
		} catch (error) {
			log.warn({ err: error }, 'cannot reach the job\'s message');
		}
		await this.fail(job, failure, view, log);
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
		const log = this.deps.logger.child({ jobId: job.id, userId: job.requester.userId, kind: job.kind });
		let view: JobView = UNSEEN;
		try {
			view = this.deps.views.open(job);
			// A job whose task exists (or whose images are made) is in flight already: it takes its slot at once.
			const inFlight = job.kind === 'video' ? job.taskId !== undefined : job.state === 'delivering';
			if (inFlight) this.taskSlotReleases.set(job.id, await this.deps.taskSlots.acquire(groupOf(job), { force: true }));
			if (job.kind === 'image') await this.runImages(job, view, log);
			else await this.runVideo(job, view, log);
		} catch (error) {
			if (this.isStopping(error)) {
				log.info({ state: job.state }, 'bot stopping: job left in the store for the next start');
				return;
			}
			if (error instanceof JobMovedError) {
				log.warn({ state: job.state }, 'another worker holds this job now: left to it');
				return;
			}
			if (this.cancelled.has(job.id) && CANCELLABLE_STATES.has(job.state)) {
				log.info('cancelled by the requester before anything was sent');
				return await this.fail(job, CANCELLED, view, log);
			}
			const billed = mayHaveBilled(job.state, error);
			log[billed ? 'warn' : 'error']({ err: error, state: job.state, possiblyBilled: billed }, billed ? 'job failed; RelayDance may have billed it without delivery' : 'job failed');
			await this.fail(job, errorFailure(error, job.id.slice(0, 8)), view, log);
		}
	}

	private async runVideo(job: VideoJob, view: JobView, log: Logger): Promise<void> {
		const { callbacks } = this.deps;
		try {
			callbacks?.waker.register(job.id);
			if (job.state === 'submitting') {
				log.warn({ state: job.state }, 'the bot stopped during this job\'s submit: a RelayDance task may have been billed without delivery');
				return await this.fail(job, LOST_IN_SUBMIT, view, log);
			}
			if (!job.taskId) {
				await this.submit(job, view, log, async (uploaded) => {
					const content = job.settings.references.map((reference, index) => contentItem(reference.kind, uploaded[index]!));
					const submitted = await this.deps.client.createVideo(requestBody(job.settings, content, callbacks?.urlFor(job.id)), this.halting.signal);
					job.taskId = submitted.taskId;
					job.submittedAt = Date.now();
					this.move(job, 'submitted', view, { now: true });
					log.info({ taskId: job.taskId }, 'task submitted');
				});
			}
			const final = await this.waitForTask(job, view);
			callbacks?.waker.unregister(job.id); // the task is final: a late callback is answered 404 and costs nothing
			this.releaseTaskSlot(job); // nothing runs at RelayDance for it any more: delivery does not hold a place
			// A worker that lost the job while it waited leaves the ending to the one that holds it now: told once.
			if (this.deps.ownsJob && !(await this.deps.ownsJob(job.id))) throw new JobMovedError();
			if (final.status === 'failed') {
				log.info({ taskId: job.taskId, code: final.errorCode }, 'task failed');
				return await this.fail(job, taskFailure(final), view, log);
			}
			this.move(job, 'delivering', view);
			await this.deliver(job, final, view, log);
		} finally {
			callbacks?.waker.unregister(job.id);
		}
	}

	/**
	 * An `/image` job: references sent as for a video, then one synchronous generation, saved as
	 * `submitting` before it (a restart then cannot know what was made: the member is told, not
	 * charged). What RelayDance answered is saved before delivery, and the images are fetched and
	 * posted in one message before the bot stops (they are small; the grace period covers it): the
	 * inline (`b64_json`) ones exist only in memory. A restart that finds the job `delivering`
	 * fetches again what has a link. The member is charged for each image they were shown, as a
	 * file or as a link, no more.
	 */
	private async runImages(job: ImageJob, view: JobView, log: Logger): Promise<void> {
		if (job.state === 'submitting') {
			log.warn('the bot stopped during this job\'s image generation: RelayDance may have billed it without delivery');
			return await this.fail(job, LOST_IN_IMAGES, view, log);
		}
		const resumed = job.state === 'delivering';
		let sources: ImageSource[] = job.images ?? [];
		if (!resumed) {
			// The generation may take minutes: it holds no submit slot, so videos keep submitting meanwhile.
			await this.submit(job, view, log, async (uploaded) => {
				const { settings } = job;
				const items = await this.deps.client.createImages(
					{ model: settings.model, prompt: settings.prompt, n: settings.count, size: settings.size, ...(uploaded.length > 0 && { image: uploaded }) },
					this.halting.signal,
				);
				// A gateway that ignores `n` is held to it: one message carries at most what was asked.
				sources = items.slice(0, settings.count).map((item, index) => ({
					fileName: `relaydance-${job.id.slice(0, 8)}-${index + 1}.png`,
					...(item.url && { url: item.url }),
					...(item.b64_json !== undefined && { b64: item.b64_json }),
					...(item.revised_prompt && { revisedPrompt: item.revised_prompt }),
				}));
				job.images = sources.map(({ b64: _inline, ...saved }) => saved);
				job.result = { madeAt: Date.now(), delivery: 'none' };
				this.move(job, 'delivering', view, { now: true });
				log.info({ asked: settings.count, made: items.length }, 'images generated');
			}, { holdSlot: false });
		}
		this.releaseTaskSlot(job);
		// From here the images exist: they are posted even while the bot stops, until the grace period ends.
		const signal = this.halting.signal;
		const fetched = await fetchGeneratedImages(sources, { maxBytes: this.deps.maxImageBytes ?? this.deps.maxOutputBytes, allowedHosts: this.deps.outputHosts, signal });
		// Only an image too large to fetch is linked instead (its link still works); one that cannot be had is not shown, nor charged.
		const linked = fetched.missing.filter((item) => item.reason === 'too-large' && item.url);
		if (fetched.missing.length > 0) log.warn({ missing: fetched.missing.map((item) => item.reason), linked: linked.length }, 'some images could not be fetched');
		if (fetched.images.length + linked.length === 0) return await this.fail(job, resumed ? LOST_IMAGES : NO_IMAGES, view, log);
		const delivered: Delivered & { shown: number } = await view.deliverImages(job, fetched.images, linked, signal).catch((error: unknown) => {
			if (signal.aborted) throw error;
			log.error({ err: error }, 'the images were made but no message could carry them');
			return { delivery: 'none', shown: 0 };
		});
		if (delivered.shown === 0) return await this.fail(job, NOT_SHOWN, view, log);
		// Charged for what the member was shown: a partial answer (3 of 4) charges 3. The images were
		// posted whatever the quota store says: a settle that fails leaves the whole charge, logged.
		await Promise.resolve(this.deps.quotas.image.settle(job.quota, delivered.shown)).catch((error: unknown) =>
			log.error({ err: error, reservation: job.quota, shown: delivered.shown }, 'could not lower the charge to the images shown'),
		);
		job.result = { madeAt: job.result?.madeAt ?? Date.now(), delivery: delivered.delivery, messageUrl: delivered.messageUrl };
		// Attached images first, in the message's order: Animate's number N is the Nth of them.
		const attached = new Set(fetched.images.map((image) => image.fileName.replace(/\.\w+$/, '')));
		job.images = [...(job.images ?? [])].sort((a, b) => Number(attached.has(b.fileName.replace(/\.\w+$/, ''))) - Number(attached.has(a.fileName.replace(/\.\w+$/, ''))));
		job.state = 'delivered';
		await this.finish(job);
		log.info({ images: fetched.images.length, linked: linked.length, shown: delivered.shown, delivery: delivered.delivery }, 'images delivered');
	}

	/**
	 * From `queued` (or `uploading`, left by a stopped process) to `submitted`: fetches the
	 * references from their saved URLs, waits for a submission slot, uploads them, and submits once
	 * the record saying so is in the store.
	 */
	private async submit(job: Job, view: JobView, log: Logger, send: (uploaded: string[]) => Promise<void>, options: { holdSlot?: boolean } = {}): Promise<void> {
		const controller = new AbortController();
		const stop = () => controller.abort(this.stopping.signal.reason);
		if (this.stopping.signal.aborted) stop();
		else this.stopping.signal.addEventListener('abort', stop, { once: true });
		this.inSubmit.set(job.id, controller);
		try {
			await this.submitWith(job, view, log, send, options, controller.signal);
		} finally {
			this.stopping.signal.removeEventListener('abort', stop);
			this.inSubmit.delete(job.id);
		}
	}

	private async submitWith(job: Job, view: JobView, log: Logger, send: (uploaded: string[]) => Promise<void>, options: { holdSlot?: boolean }, signal: AbortSignal): Promise<void> {
		// A new job is already `queued`: it shows so once it has a place in line to show, and its
		// first save costs nothing while a burst of commands is still being deferred.
		if (job.state === 'queued') this.save(job);
		else this.move(job, 'queued', view);
		const inLine = { signal, onPosition: (position: number) => this.showPlace(job, view, position) };
		if (!this.taskSlotReleases.has(job.id)) this.taskSlotReleases.set(job.id, await this.deps.taskSlots.acquire(groupOf(job), inLine));
		for (;;) {
			if (this.deps.credit.paused) {
				job.paused = true;
				view.update(job);
				await this.deps.credit.whenOpen(signal);
				job.paused = false;
			}
			try {
				await this.submitOnce(job, view, log, send, options, signal, inLine);
				this.deps.credit.succeeded();
				return;
			} catch (error) {
				if (!isCreditExhausted(error)) throw error;
				// RelayDance took nothing: the job waits, queued, for the pause to end and tries again.
				log.warn({ err: error }, 'RelayDance says the balance is spent: submissions paused bot-wide');
				this.deps.credit.exhausted();
				job.paused = true;
				this.move(job, 'queued', view, { now: true });
			}
		}
	}

	/**
	 * One try at the submit: fetches the references from their saved URLs (those RelayDance holds
	 * are cited as they are), waits for a submission slot, uploads them, and calls `send` once the
	 * record saying `submitting` is in the store.
	 */
	private async submitOnce(
		job: Job,
		view: JobView,
		log: Logger,
		send: (uploaded: string[]) => Promise<void>,
		options: { holdSlot?: boolean },
		signal: AbortSignal,
		inLine: { signal: AbortSignal; onPosition: (position: number) => void },
	): Promise<void> {
		// References RelayDance already holds (a job started again) are cited, not fetched again.
		const toFetch = job.settings.references.filter((reference) => !reference.hostedUrl);
		const bytes = toFetch.reduce((sum, reference) => sum + Math.min(reference.size, this.deps.maxReferenceBytes), 0);
		const releaseMemory = bytes > 0 ? await this.referenceMemory.acquire(bytes, inLine) : () => {};
		let release = () => {};
		try {
			const references = await fetchReferences(toFetch, this.deps.maxReferenceBytes, { signal, allowedHosts: this.deps.referenceHosts });
			release = await this.submitting.acquire(1, inLine);
			signal.throwIfAborted(); // never create a task the bot will not wait for
			job.queuePosition = undefined;
			job.paused = false;
			this.move(job, 'uploading', view);
			await this.uploadReferences(references, log, signal);
			releaseMemory();
			signal.throwIfAborted(); // a Cancel pressed while the last upload finished still counts
			if (this.deps.ownsJob && !(await this.deps.ownsJob(job.id))) throw new JobMovedError();
			this.move(job, 'submitting', view);
			await this.deps.jobs.save(job, { now: true });
			if (options.holdSlot === false) release();
			await send(job.settings.references.map((reference) => reference.hostedUrl!));
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

	private waitForTask(job: VideoJob, view: JobView): Promise<Task> {
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
				log: this.deps.logger.child({ jobId: job.id, taskId }),
			},
		);
	}

	/** Progress is shown, not saved: only a change of state is worth a store write. */
	private observe(job: VideoJob, task: Task, view: JobView): void {
		if (task.status !== 'running' || (job.state === 'running' && task.progress === job.progress)) return;
		job.progress = task.progress;
		if (job.state === 'running') view.update(job);
		else this.move(job, 'running', view);
	}

	/**
	 * Hands each fetched reference to RelayDance (`POST /v1/files`) and keeps the URL it returns as the reference's `hostedUrl`.
	 * Each one leaves `references` once uploaded, so its bytes can be collected while the rest go.
	 */
	private async uploadReferences(references: FetchedReference[], log: Logger, signal: AbortSignal): Promise<void> {
		for (let next = references.shift(); next; next = references.shift()) {
			const { reference, data, contentType } = next;
			// Kept in the job's settings: Again cites RelayDance's copy after Discord's link has expired.
			reference.hostedUrl = await this.deps.client.uploadFile({ data, name: reference.name, contentType }, signal);
			log.debug({ kind: reference.kind, slot: reference.slot, bytes: data.length }, 'reference uploaded');
		}
	}

	/**
	 * Fetches the video and hands it to the view. From here the video exists and is paid for: the
	 * member keeps the charge whatever Discord does, and the result is saved before Discord is asked.
	 */
	private async deliver(job: VideoJob, task: Task, view: JobView, log: Logger): Promise<void> {
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
			try {
				await this.deps.quotas[job.kind].refund(job.quota);
				job.refunded = true;
			} catch (error) {
				log.error({ err: error, reservation: job.quota }, 'could not give the quota back');
			}
		}
		this.save(job);
		// Told before the member reads the failure: asking again at once finds their slot free.
		this.tellFinal(job);
		try {
			// Until the cut-off: a job that fails while the bot stops (a refused submit) is still told.
			await view.fail(job, this.halting.signal);
		} catch (error) {
			log.error({ err: error }, 'could not tell the user their job failed');
		}
		await this.finish(job, { told: true });
	}

	/** A final job's record no longer needs the credential its messages were sent with. */
	private finish(job: Job, options: { told?: boolean } = {}): Promise<void> {
		delete job.reply.credential;
		if (!options.told) this.tellFinal(job);
		return this.deps.jobs.save(job, { now: true }).catch(() => {}); // the writer logs a failed write
	}

	/** `onFinal`, once per job. */
	private tellFinal(job: Job): void {
		try {
			this.deps.onFinal?.(job);
		} catch (error) {
			this.deps.logger.warn({ err: error, jobId: job.id }, 'a listener of finished jobs failed');
		}
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

/** The line a job waits in for a task slot: its server's (DMs share one). */
function groupOf(job: Job): string {
	return job.requester.guildId ?? 'dm';
}

/** On Redis: BullMQ handed the job to another worker while this one was not answering. */
export class JobMovedError extends Error {
	override name = 'JobMovedError';
	constructor() {
		super('the job is held by another worker now');
	}
}

/** The requester pressed Cancel. */
export class CancelledError extends Error {
	override name = 'CancelledError';
	constructor() {
		super('cancelled by the requester');
	}
}

/** After the grace period, how long stop() still waits for jobs to notice the cut. */
const CUT_OFF_MS = 1_000;

/** The view of a job whose reply address cannot be read: it can only be failed and refunded, silently (logged). */
const UNSEEN: JobView = {
	update: () => {},
	deliver: async () => ({ delivery: 'none' }),
	deliverImages: async () => ({ delivery: 'none', shown: 0 }),
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
