import { fetchGeneratedImages, type ImageSource } from '../../media/generated-images.js';
import { LOST_IMAGES, NO_IMAGES, NOT_SHOWN } from '../failure.js';
import type { ImageJob } from '../job.js';
import type { Delivered } from '../job-view.js';
import { fail, finish } from './fail.js';
import type { JobContext } from './job-context.js';
import { unlessMoved } from './job-effects.js';

/**
 * Fetches the images made and posts them in one message. From here the images exist: they are
 * posted even while the bot stops, until the grace period ends. The member is charged for each
 * image they were shown, as a file or as a link, no more.
 */
export async function deliverImages(ctx: JobContext<ImageJob>, sources: ImageSource[], resumed: boolean): Promise<void> {
	const { job, deps, log, effects } = ctx;
	const signal = ctx.halting;
	const fetched = await fetchGeneratedImages(sources, { maxBytes: deps.maxImageBytes ?? deps.maxOutputBytes, allowedHosts: deps.outputHosts, signal });
	// Only an image too large to fetch is linked instead (its link still works); one that cannot be had is not shown, nor charged.
	const linked = fetched.missing.filter((item) => item.reason === 'too-large' && item.url);
	if (fetched.missing.length > 0) log.warn({ missing: fetched.missing.map((item) => item.reason), linked: linked.length }, 'some images could not be fetched');
	if (fetched.images.length + linked.length === 0) return await fail(ctx, resumed ? LOST_IMAGES : NO_IMAGES);
	// Written, and this worker's hold on the job confirmed, before Discord is asked.
	await effects.writeBeforeShowing(job);
	const delivered: Delivered & { shown: number } = await effects.deliverImages(job, fetched.images, linked, signal).catch((error: unknown) => {
		unlessMoved(error);
		if (signal.aborted) throw error;
		log.error({ err: error }, 'the images were made but no message could carry them');
		return { delivery: 'none', shown: 0 };
	});
	if (delivered.shown === 0) return await fail(ctx, NOT_SHOWN);
	// Charged for what the member was shown: a partial answer (3 of 4) charges 3. The images were
	// posted whatever the quota store says: a settle that fails leaves the whole charge, logged.
	await Promise.resolve(deps.quotas.image.settle(job.quota, delivered.shown)).catch((error: unknown) =>
		log.error({ err: error, reservation: job.quota, shown: delivered.shown }, 'could not lower the charge to the images shown'),
	);
	job.result = { madeAt: job.result?.madeAt ?? Date.now(), delivery: delivered.delivery, messageUrl: delivered.messageUrl };
	// Attached images first, in the message's order: Animate's number N is the Nth of them.
	const attached = new Set(fetched.images.map((image) => image.fileName.replace(/\.\w+$/, '')));
	job.images = [...(job.images ?? [])].sort((a, b) => Number(attached.has(b.fileName.replace(/\.\w+$/, ''))) - Number(attached.has(a.fileName.replace(/\.\w+$/, ''))));
	job.state = 'delivered';
	await finish(ctx);
	log.info({ images: fetched.images.length, linked: linked.length, shown: delivered.shown, delivery: delivered.delivery }, 'images delivered');
}
