import type { ImageSource } from '../../media/generated-images.js';
import { LOST_IN_IMAGES } from '../failure.js';
import type { ImageJob } from '../job.js';
import { deliverImages } from './deliver-images.js';
import { fail } from './fail.js';
import type { JobContext } from './job-context.js';
import { submit } from './submit.js';

/**
 * An `/image` job: references sent as for a video, then one synchronous generation, saved as
 * `submitting` before it (a restart then cannot know what was made: the member is told, not
 * charged). What RelayDance answered is saved before delivery, and the images are fetched and
 * posted in one message before the bot stops (they are small; the grace period covers it): the
 * inline (`b64_json`) ones exist only in memory. A restart that finds the job `delivering`
 * fetches again what has a link.
 */
export async function runImages(ctx: JobContext<ImageJob>): Promise<void> {
	const { job, deps, log, effects } = ctx;
	if (job.state === 'submitting') {
		log.warn('the bot stopped during this job\'s image generation: RelayDance may have billed it without delivery');
		return await fail(ctx, LOST_IN_IMAGES);
	}
	const resumed = job.state === 'delivering';
	let sources: ImageSource[] = job.images ?? [];
	if (!resumed) {
		// The generation may take minutes: it holds no submit slot, so videos keep submitting meanwhile.
		await submit(ctx, async (uploaded) => {
			const { settings } = job;
			// Images are made while the request is open: that is their time at RelayDance.
			job.submittedAt = Date.now();
			const items = await deps.client.createImages(
				{ model: settings.model, prompt: settings.prompt, n: settings.count, size: settings.size, ...(uploaded.length > 0 && { image: uploaded }) },
				ctx.halting,
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
			effects.move(job, 'delivering', { now: true });
			log.info({ asked: settings.count, made: items.length }, 'images generated');
		}, { holdSlot: false });
	}
	ctx.taskSlots.release(job);
	await deliverImages(ctx, sources, resumed);
}
