import { contentItem } from '../../media/references.js';
import type { ContentItem, CreateVideoBody } from '../../relaydance/schemas.js';
import { LOST_IN_SUBMIT, taskFailure } from '../failure.js';
import type { VideoJob } from '../job.js';
import type { VideoPlan } from '../video-request.js';
import { deliverVideo } from './deliver-video.js';
import { fail } from './fail.js';
import type { JobContext } from './job-context.js';
import { submit } from './submit.js';
import { waitForJobTask } from './wait-for-task.js';

/** A video job: submitted unless its task exists, waited for, then delivered or failed as the task ended. */
export async function runVideo(ctx: JobContext<VideoJob>): Promise<void> {
	const { job, deps, log, effects } = ctx;
	const { callbacks } = deps;
	try {
		callbacks?.waker.register(job.id);
		if (job.state === 'submitting') {
			log.warn({ state: job.state }, 'the bot stopped during this job\'s submit: a RelayDance task may have been billed without delivery');
			return await fail(ctx, LOST_IN_SUBMIT);
		}
		if (!job.taskId) {
			await submit(ctx, async (uploaded) => {
				const content = job.settings.references.map((reference, index) => contentItem(reference.kind, uploaded[index]!, reference.role));
				const submitted = await deps.client.createVideo(requestBody(job.settings, content, callbacks?.urlFor(job.id)), ctx.halting);
				job.taskId = submitted.taskId;
				job.submittedAt = Date.now();
				effects.move(job, 'submitted', { now: true });
				log.info({ taskId: job.taskId }, 'task submitted');
			});
		}
		const final = await waitForJobTask(ctx);
		callbacks?.waker.unregister(job.id); // the task is final: a late callback is answered 404 and costs nothing
		ctx.taskSlots.release(job); // nothing runs at RelayDance for it any more: delivery does not hold a place
		// A worker that lost the job while it waited finds out at the fenced write before the failure
		// message or the delivery, and leaves the ending to the one that holds it now: told once.
		if (final.status === 'failed') {
			log.info({ taskId: job.taskId, code: final.errorCode }, 'task failed');
			return await fail(ctx, taskFailure(final));
		}
		effects.move(job, 'delivering');
		await deliverVideo(ctx, final);
	} finally {
		callbacks?.waker.unregister(job.id);
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
