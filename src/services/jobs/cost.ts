import type { ModelPrices } from '../guilds/usage.js';
import type { ImagePlan } from './image-request.js';
import type { VideoPlan } from './video-request.js';

/** What a member asked for, planned and checked: a video (`/video`, Again, Animate, Make a video, Edit) or images (`/image`). */
export type JobRequest = { kind: 'video'; plan: VideoPlan } | { kind: 'image'; plan: ImagePlan };

/** What a request takes from the quota: seconds of video, or images. */
export function amountOf(request: JobRequest): number {
	return request.kind === 'image' ? request.plan.count : request.plan.seconds;
}

/**
 * What a request would cost if all of it is made, from `MODEL_PRICES` (a price per second of video
 * or per image): undefined when its model has no price, so nothing about cost is shown or asked.
 */
export function estimateCost(request: JobRequest, prices: ModelPrices): number | undefined {
	const price = prices[request.plan.model];
	if (price === undefined) return undefined;
	// Rounded to the cent the member is shown, so 0.1 × 3 is 0.30 and compares as the admin typed it.
	return Math.round(price * amountOf(request) * 100) / 100;
}

/** A request estimated above the server's `confirm_above` waits for the member's Start; none set, or no estimate: it never waits. */
export function needsConfirmation(estimate: number | undefined, confirmAbove: number | undefined): estimate is number {
	return estimate !== undefined && confirmAbove !== undefined && confirmAbove > 0 && estimate > confirmAbove;
}
