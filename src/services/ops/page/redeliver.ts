import { join } from 'node:path';
import type { Logger } from '../../../logger.js';
import type { JobStore } from '../../jobs/job-store.js';
import type { JobViews } from '../../jobs/job-view.js';
import type { Delivered } from '../../jobs/job-view.js';
import { FinishedVideo } from '../../media/finished-video.js';
import { OutputDownloadError } from '../../media/http-download.js';
import { ActionRefused } from './action-refused.js';
import { heldOnlyIfApproved } from './overview.js';

export interface RedeliverDeps {
	jobs: Pick<JobStore, 'get' | 'save'>;
	/** The runner's views: the video goes out exactly as a first delivery would (channel post with the bot token, then DMs). */
	views: JobViews;
	tmpDir: string;
	maxOutputBytes: number;
	/** Hosts a video may be fetched from (RelayDance's). */
	outputHosts: string[];
	logger: Logger;
}

/**
 * Posts a video that reached its member only as a link (Discord refused the file, or it was too
 * large then) as a file again, from RelayDance's link while it lives. The job is final, so its
 * interaction token is gone: the view posts in the channel with the bot token, answering the
 * original reply and pinging only the member, or in their DMs. The record then says `attachment`.
 */
export class Redeliverer {
	/** Jobs being posted again here: a second click waits for nothing and posts nothing. */
	private readonly busy = new Set<string>();

	constructor(private readonly deps: RedeliverDeps) {}

	async redeliver(jobId: string): Promise<Delivered> {
		if (this.busy.has(jobId)) throw new ActionRefused(409, 'this video is being posted again already');
		this.busy.add(jobId);
		try {
			return await this.post(jobId);
		} finally {
			this.busy.delete(jobId);
		}
	}

	private async post(jobId: string): Promise<Delivered> {
		const job = await this.deps.jobs.get(jobId);
		if (!job) throw new ActionRefused(404, 'no such job');
		if (job.kind !== 'video' || job.state !== 'delivered' || job.result?.delivery !== 'link') throw new ActionRefused(409, 'only a video delivered as a link can be posted again');
		if (!heldOnlyIfApproved(job)) throw new ActionRefused(409, "this video is held for review or was rejected: only a moderator's Approve posts it");
		const { result } = job;
		const video = await FinishedVideo.fetch(result.url, result.fileName, {
			maxBytes: this.deps.maxOutputBytes,
			spoolPath: join(this.deps.tmpDir, `${job.id}-again.mp4`),
			allowedHosts: this.deps.outputHosts,
		}).catch((error: unknown) => {
			if (error instanceof OutputDownloadError && error.reason === 'too-large') throw new ActionRefused(409, 'the video is larger than MAX_OUTPUT_MB: it can only be linked');
			if (error instanceof OutputDownloadError && error.reason === 'status') throw new ActionRefused(410, 'RelayDance no longer serves this video');
			throw error;
		});
		try {
			const delivered = await this.deps.views.open(job).deliver(job, video);
			if (delivered.delivery === 'attachment') {
				job.result = { ...result, delivery: 'attachment', ...(delivered.messageUrl && { messageUrl: delivered.messageUrl }) };
				await this.deps.jobs.save(job, { now: true });
			}
			this.deps.logger.info({ jobId, delivery: delivered.delivery }, 'operator posted a video again');
			return delivered;
		} finally {
			await video.dispose();
		}
	}
}
