import type { FinishedVideo } from '../../media/finished-video.js';
import type { GeneratedImage, ImageSource } from '../../media/generated-images.js';
import type { ImageJob, Job, JobState, VideoJob } from '../job.js';
import type { JobStore } from '../job-store.js';
import type { Delivered, JobView } from '../job-view.js';
import { answerWithin, AWAY } from '../../store/store-away.js';
import { JobMovedError } from './run-errors.js';

/** The view of a job whose reply address cannot be read: it can only be failed and refunded, silently (logged). */
export const UNSEEN: JobView = {
	update: () => {},
	deliver: async () => ({ delivery: 'none' }),
	deliverImages: async () => ({ delivery: 'none', shown: 0 }),
	fail: async () => {},
};

/**
 * The one place a running job's record is written and its view is told anything, so ownership
 * can be enforced in one place: once a write is refused with `JobMovedError` (the store will
 * refuse a worker that lost the job), the job is `lost` here, every view call is skipped, and
 * every awaited write throws `JobMovedError`, which ends the stage without
 * anything more reaching Discord or RelayDance.
 */
export class JobEffects {
	private view: JobView = UNSEEN;
	private movedAway = false;

	constructor(
		private readonly jobId: string,
		private readonly store: Pick<JobStore, 'save'>,
		/**
		 * On Redis: true while the job is surely still this process's without asking Redis (its queue
		 * lock runs for a while yet). Lets a finished result be shown while Redis does not answer.
		 */
		private readonly leaseHolds?: () => boolean,
	) {}

	/** Another worker holds the job now: this one writes and shows nothing more. */
	get lost(): boolean {
		return this.movedAway;
	}

	/** The job's messages, once its reply address could be read (until then it is `UNSEEN`). */
	attachView(view: JobView): void {
		this.view = view;
	}

	/**
	 * Writes the record; with `now`, at once rather than with the next batch. Await it before an
	 * effect outside the process. Rejects with what the store rejects with, and with
	 * `JobMovedError` once the job is lost.
	 */
	write(job: Job, options?: { now?: boolean }): Promise<void> {
		// A delivered job was shown by this process: that is written whoever holds the job now.
		if (this.movedAway && job.state !== 'delivered') return Promise.reject(new JobMovedError());
		return this.store.save(job, options).catch((error: unknown) => {
			if (error instanceof JobMovedError) this.movedAway = true;
			throw error;
		});
	}

	/**
	 * The write before a result is shown: resolves once it is written and this process's hold on the
	 * job confirmed (rejects with `JobMovedError` when another worker has it). When the store does
	 * not answer within `STORE_AWAY_MS` (Redis away) and the lease still holds, no other worker can
	 * take the job meanwhile: it resolves, the result is shown, and the write goes out once the store
	 * is back. Without a lease it waits for the store, however long.
	 */
	async writeBeforeShowing(job: Job): Promise<void> {
		const written = this.write(job, { now: true }).catch(unlessMoved);
		if (!this.leaseHolds) return written;
		if ((await answerWithin(written)) !== AWAY || !this.leaseHolds()) return written;
		written.catch(() => {}); // a refusal once Redis is back marks the job lost (after it was shown)
	}

	/** Writes without waiting: a failed write is logged by the store's writer; a refused one still marks the job lost. */
	save(job: Job, options?: { now?: boolean }): void {
		this.write(job, options).catch(() => {});
	}

	/** The job moves to `state`: written without waiting, and shown. */
	move(job: Job, state: JobState, options?: { now?: boolean }): void {
		job.state = state;
		this.save(job, options);
		this.update(job);
	}

	update(job: Job): void {
		if (!this.movedAway) this.view.update(job);
	}

	deliver(job: VideoJob, video: FinishedVideo, signal?: AbortSignal): Promise<Delivered> {
		return this.shown(() => this.view.deliver(job, video, signal));
	}

	deliverImages(job: ImageJob, images: GeneratedImage[], linked: ImageSource[], signal?: AbortSignal): Promise<Delivered & { shown: number }> {
		return this.shown(() => this.view.deliverImages(job, images, linked, signal));
	}

	fail(job: Job, signal?: AbortSignal): Promise<void> {
		return this.shown(() => this.view.fail(job, signal));
	}

	private async shown<T>(show: () => Promise<T>): Promise<T> {
		if (this.movedAway) throw new JobMovedError();
		return show();
	}
}

/**
 * For an awaited write the job outlives when it fails (the store's writer logs it): only a
 * lost job stops the stage. `effects.write(job).catch(unlessMoved)`.
 */
export function unlessMoved(error: unknown): void {
	if (error instanceof JobMovedError) throw error;
}
