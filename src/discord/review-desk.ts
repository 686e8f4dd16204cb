import { join } from 'node:path';
import type { Logger } from '../logger.js';
import type { ImageJob, Job, ReviewVerdict, VideoJob } from '../services/jobs/job.js';
import type { JobStore } from '../services/jobs/job-store.js';
import type { Delivered } from '../services/jobs/job-view.js';
import { FinishedVideo } from '../services/media/finished-video.js';
import { fetchGeneratedImages } from '../services/media/generated-images.js';
import { ReviewDecisions } from '../services/moderation/reviews.js';
import { sleep } from '../services/sleep.js';
import { JobMovedError } from '../services/jobs/run/run-errors.js';
import type { InteractionViews } from './interaction-views.js';
import { renderRejected } from './render-review.js';

/** The result can be in the review channel a moment before its record says so (the record is written right after): a press waits this long for it. */
const READY_WAIT_MS = 10_000;
const READY_POLL_MS = 200;

export interface ReviewDeskDeps {
	jobs: JobStore;
	views: InteractionViews;
	tmpDir: string;
	maxOutputBytes: number;
	maxImageBytes: number;
	/** Hosts media may be fetched from although they are private: RelayDance's, and a Discord stand-in's CDN. */
	mediaHosts: string[];
	logger: Logger;
}

/** A file of the review message, as the button's interaction shows it (its link freshly signed). */
export interface ReviewMedia {
	url: string;
	fileName: string;
}

export type ReviewOutcome = { outcome: 'approved'; link?: string } | { outcome: 'rejected'; told: boolean } | { outcome: 'decided' | 'busy' | 'gone' };

/**
 * Carries out a moderator's Approve or Reject on a result held for review, from any process and
 * after any restart: the decision is claimed on the job record (compare-and-set), then Approve
 * posts the result in the member's reply while its token lives, else in the channel as a reply to
 * the request (the view's usual fallback), from the review message's own files; Reject tells the
 * member. The charge stays either way. The decision is then written on the record.
 */
export class ReviewDesk {
	private readonly decisions: ReviewDecisions;

	constructor(private readonly deps: ReviewDeskDeps) {
		this.decisions = new ReviewDecisions(deps.jobs);
	}

	async decide(jobId: string, verdict: ReviewVerdict, by: string, media: ReviewMedia[]): Promise<ReviewOutcome> {
		let claim = await this.decisions.claim(jobId, verdict, by);
		for (let waited = 0; claim.outcome === 'not-ready' && waited < READY_WAIT_MS; waited += READY_POLL_MS) {
			await sleep(READY_POLL_MS);
			claim = await this.decisions.claim(jobId, verdict, by);
		}
		if (claim.outcome !== 'claimed') return { outcome: claim.outcome === 'not-ready' ? 'busy' : claim.outcome };
		const { job, at } = claim;
		const log = this.deps.logger.child({ jobId, verdict, by });
		// Every message and upload try goes out only while the claim is still this press's (a fence):
		// a press that outlived its lease and was taken over sends nothing more.
		const holds = async () => {
			const deciding = (await this.deps.jobs.get(jobId))?.review?.deciding;
			return deciding?.by === by && deciding.at === at;
		};
		try {
			if (verdict === 'reject') {
				const told = await this.deps.views.member(job, holds).tell(job, renderRejected(job));
				if (!(await this.decisions.settle(jobId, { by, at }))) log.warn('the review decision was taken over while it was carried out');
				return { outcome: 'rejected', told };
			}
			const delivered = job.kind === 'image' ? await this.approveImages(job, media, holds) : await this.approveVideo(job, media, holds);
			const settled = await this.decisions.settle(jobId, { by, at }, (stored) => {
				if (typeof job.reply.messageId === 'string') stored.reply.messageId = job.reply.messageId;
				if (stored.result) stored.result = { ...stored.result, delivery: delivered.delivery, ...(delivered.messageUrl && { messageUrl: delivered.messageUrl }) };
			});
			if (!settled) log.warn('the review decision was taken over while it was carried out');
			return { outcome: 'approved', ...(delivered.messageUrl && { link: delivered.messageUrl }) };
		} catch (error) {
			if (error instanceof JobMovedError) {
				log.warn('the review decision was taken over while it was carried out: this press sends nothing more');
				return { outcome: 'busy' };
			}
			await this.decisions.release(jobId, { by, at }).catch((releaseError: unknown) => log.warn({ err: releaseError }, 'could not give the review decision back'));
			throw error;
		}
	}

	/** The video from the review message's file; failing that from RelayDance's link while it lives; else the link alone. */
	private async approveVideo(job: VideoJob, media: ReviewMedia[], holds: () => Promise<boolean>): Promise<Delivered> {
		const result = job.result;
		if (!result) throw new Error('a video held for review has no result');
		const options = { maxBytes: this.deps.maxOutputBytes, spoolPath: join(this.deps.tmpDir, `${job.id}-approved.mp4`), allowedHosts: this.deps.mediaHosts };
		const sources = [...media.slice(0, 1).map((file) => file.url), result.url];
		let video: FinishedVideo | undefined;
		for (const url of sources) {
			video = await FinishedVideo.fetch(url, result.fileName, options).catch((error: unknown) => {
				this.deps.logger.warn({ err: error, jobId: job.id }, 'could not fetch the reviewed video from there');
				return undefined;
			});
			if (video) break;
		}
		video ??= FinishedVideo.linkOnly(result.url, result.fileName, result.bytes);
		try {
			return await this.deps.views.member(job, holds).deliver(job, video);
		} finally {
			await video.dispose();
		}
	}

	/** The images from the review message's files (RelayDance's links kept for any the reply cannot take); those that were only linked stay links. */
	private async approveImages(job: ImageJob, media: ReviewMedia[], holds: () => Promise<boolean>): Promise<Delivered> {
		const items = new Map((job.images ?? []).map((item) => [stem(item.fileName), item]));
		const fetched = await fetchGeneratedImages(
			media.map((file) => ({ fileName: file.fileName, url: file.url })),
			{ maxBytes: this.deps.maxImageBytes, allowedHosts: this.deps.mediaHosts },
		);
		const images = fetched.images.map((image) => {
			const item = items.get(stem(image.fileName));
			return { ...image, url: item?.url, ...(item?.revisedPrompt && { revisedPrompt: item.revisedPrompt }) };
		});
		const attached = new Set(media.map((file) => stem(file.fileName)));
		const linked = (job.images ?? []).filter((item) => !attached.has(stem(item.fileName)) && item.url).map((item) => ({ fileName: item.fileName, url: item.url }));
		return await this.deps.views.member(job, holds).deliverImages(job, images, linked);
	}
}

function stem(fileName: string): string {
	return fileName.replace(/\.\w+$/, '');
}
