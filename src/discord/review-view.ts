import type { Logger } from '../logger.js';
import type { ImageJob, Job, VideoJob } from '../services/jobs/job.js';
import type { Delivered, JobView } from '../services/jobs/job-view.js';
import type { FinishedVideo } from '../services/media/finished-video.js';
import type { GeneratedImage, ImageSource } from '../services/media/generated-images.js';
import { JobMovedError } from '../services/jobs/run/run-errors.js';
import type { InteractionReplyView } from './interaction-view.js';
import { renderAwaitingReview, renderNotSent } from './render-review.js';

/**
 * The view of a job made in a channel under review, until a moderator decides: progress and
 * failures as any job's, but the finished result goes to the moderators' review channel, and the
 * member is told it waits for a moderator. Nothing of it reaches the member's channel before Approve.
 */
export class ReviewedJobView implements JobView {
	constructor(
		private readonly inner: InteractionReplyView,
		private readonly logger: Logger,
	) {}

	update(job: Job): void {
		this.inner.update(job);
	}

	fail(job: Job, signal?: AbortSignal): Promise<void> {
		return this.inner.fail(job, signal);
	}

	/** Never throws for a made video but when `signal` aborts or the job moved: a review channel that refuses leaves `none`, and the member is told. */
	async deliver(job: VideoJob, video: FinishedVideo, signal?: AbortSignal): Promise<Delivered> {
		let posted: Delivered;
		try {
			posted = await this.inner.postForReview(job, video, signal);
		} catch (error) {
			await this.notSent(job, error, signal);
			return { delivery: 'none' };
		}
		await this.inner.tell(job, renderAwaitingReview(job), signal);
		return posted;
	}

	/** Answers 0 shown when the review channel refuses: the images are then not charged, as any images no message could carry. */
	async deliverImages(job: ImageJob, images: GeneratedImage[], linked: ImageSource[], signal?: AbortSignal): Promise<Delivered & { shown: number }> {
		let posted: Delivered & { shown: number };
		try {
			posted = await this.inner.postImagesForReview(job, images, linked, signal);
		} catch (error) {
			signal?.throwIfAborted();
			if (error instanceof JobMovedError) throw error;
			this.logger.error({ err: error, channelId: job.review?.channelId }, 'could not post the images for review');
			delete job.review?.messageId;
			return { delivery: 'none', shown: 0 };
		}
		await this.inner.tell(job, renderAwaitingReview(job), signal);
		return posted;
	}

	private async notSent(job: Job, error: unknown, signal?: AbortSignal): Promise<void> {
		signal?.throwIfAborted();
		if (error instanceof JobMovedError) throw error;
		this.logger.error({ err: error, channelId: job.review?.channelId }, 'could not post the result for review; the member is told');
		delete job.review?.messageId;
		await this.inner.tell(job, renderNotSent(job), signal);
	}
}
