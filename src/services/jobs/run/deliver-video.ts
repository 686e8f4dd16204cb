import { join } from 'node:path';
import { FinishedVideo } from '../../media/finished-video.js';
import { OutputDownloadError } from '../../media/http-download.js';
import type { Task } from '../../relaydance/schemas.js';
import type { VideoJob } from '../job.js';
import { finish } from './fail.js';
import type { JobContext } from './job-context.js';
import { unlessMoved } from './job-effects.js';

/**
 * Fetches the video and hands it to the view. From here the video exists and is paid for: the
 * member keeps the charge whatever Discord does, and the result is saved before Discord is asked.
 */
export async function deliverVideo(ctx: JobContext<VideoJob>, task: Task): Promise<void> {
	const { job, deps, log, effects } = ctx;
	if (!task.url) throw new Error('RelayDance reported success without a video URL');
	const signal = ctx.stopping;
	// Finished at RelayDance now (or at an earlier try): the download counts as delivery time.
	const madeAt = job.result?.madeAt ?? Date.now();
	const fileName = `relaydance-${task.taskId.replace(/[^\w-]/g, '')}.mp4`;
	const spoolPath = join(deps.tmpDir, `${job.id}.mp4`);
	const video = await FinishedVideo.fetch(task.url, fileName, { maxBytes: deps.maxOutputBytes, spoolPath, signal, allowedHosts: deps.outputHosts }).catch((error: unknown) => {
		if (!(error instanceof OutputDownloadError && error.reason === 'too-large')) throw error;
		log.warn({ declaredBytes: error.declaredBytes }, 'the video is over MAX_OUTPUT_MB: sending its link instead of the file');
		return FinishedVideo.linkOnly(task.url!, fileName, error.declaredBytes ?? deps.maxOutputBytes + 1);
	});
	try {
		job.result = { fileName, bytes: video.bytes, url: task.url, madeAt, delivery: 'none' };
		// Written, and this worker's hold on the job confirmed, before Discord is asked.
		await effects.writeBeforeShowing(job);
		try {
			const { delivery, messageUrl } = await effects.deliver(job, video, signal);
			job.result = { ...job.result, delivery, messageUrl };
		} catch (error) {
			unlessMoved(error);
			if (signal.aborted) throw error;
			log.error({ err: error }, 'the video was made but no message could carry it; /jobs still links it');
		}
		job.state = 'delivered';
		await finish(ctx);
		log.info({ taskId: job.taskId, delivery: job.result.delivery, bytes: job.result.bytes }, 'video delivered');
	} finally {
		await video.dispose();
	}
}
