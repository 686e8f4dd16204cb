import type { FinishedVideo } from '../media/finished-video.js';
import type { GeneratedImage, ImageSource } from '../media/generated-images.js';
import type { ImageJob, Job, VideoJob } from './job.js';

/** How a finished video reached the member, and where. */
export interface Delivered {
	delivery: 'attachment' | 'link' | 'none';
	messageUrl?: string;
}

/** What the member sees of one job. The Discord layer implements it; the runner knows nothing of Discord. */
export interface JobView {
	/** The job moved. Cheap and synchronous: the view decides when to show it. */
	update(job: Job): void;
	/**
	 * Shows the finished video: as a file where it fits, else as a link. Never throws for a made
	 * video: when no message could carry it, it answers `none` and the job keeps its result for `/jobs`.
	 * It rejects only when `signal` aborts (the bot is stopping): the job is then delivered by the next start.
	 */
	deliver(job: VideoJob, video: FinishedVideo, signal?: AbortSignal): Promise<Delivered>;
	/**
	 * Shows an `/image` job's images, all as files of one message, with `linked` (made, but too large
	 * to fetch) as links; where Discord refuses the files, as links alone. Answers how many images
	 * the member was shown (files and links). Never throws but when `signal` aborts.
	 */
	deliverImages(job: ImageJob, images: GeneratedImage[], linked: ImageSource[], signal?: AbortSignal): Promise<Delivered & { shown: number }>;
	/**
	 * Shows why the job failed. It rejects only when `signal` aborts (the bot is stopping): it then
	 * stops waiting on Discord at once, including on a progress edit still in flight.
	 */
	fail(job: Job, signal?: AbortSignal): Promise<void>;
}

/** Opens the view of a job from its stored reply address: a fresh job's and a resumed one's alike. */
export interface JobViews {
	open(job: Job): JobView;
	/**
	 * Edits a job no process runs yet (waiting in the shared queue) to show its place in line and
	 * Cancel, at once. Rejects when Discord refuses the edit.
	 */
	showWaiting(job: Job): Promise<void>;
}
