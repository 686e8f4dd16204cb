import { DownloadError, OutputDownloadError, type DownloadFailure } from '../media/http-download.js';
import type { JobFailure } from './job.js';
import { APIConnectionError, APIError, InvalidResponseError } from '../relaydance/errors.js';
import type { Task } from '../relaydance/schemas.js';
import { MODEL_NOT_FOUND } from '../relaydance/client.js';
import { PollTimeoutError } from './task-poller.js';
import { clip } from '../text.js';

/** Failure codes RelayDance (Seedance upstream) reports, in words a user understands. */
const TASK_CODES: Array<[RegExp, string]> = [
	[/OutputVideoSensitive|OutputAudioSensitive/i, 'The finished video was blocked by the safety filter. Try a different prompt.'],
	[/Input(Text|Image|Video|Audio)?Sensitive|SensitiveContent/i, 'The prompt or a reference was blocked by the safety filter. Try different wording or media.'],
	[/InputImage|InvalidImage|image/i, 'A reference image could not be used (check its size and shape: sides over 300 px, aspect between 0.4 and 2.5).'],
	[/timeout|expired/i, 'The generation timed out at RelayDance.'],
	[/cancel/i, 'The generation was cancelled at RelayDance.'],
];

export function taskFailure(task: Task): JobFailure {
	const known = TASK_CODES.find(([pattern]) => pattern.test(task.errorCode ?? ''));
	const code = task.errorCode ? ` (code \`${clip(task.errorCode, 60)}\`)` : '';
	return {
		kind: 'TaskFailed',
		code: task.errorCode,
		message: known ? known[1] : `RelayDance could not generate this video${code}. Try again, or change the prompt or references.`,
	};
}

/** A job found in `submitting` at start: its task may exist and be billed, and the API cannot find it. */
export const LOST_IN_SUBMIT: JobFailure = {
	kind: 'LostInSubmit',
	message: 'The bot restarted while it was sending your request to RelayDance, so it cannot tell whether the video is being made. It did not send it again. Please ask again.',
};


/** An `/image` job found in `submitting` at start: the images may have been made, and no answer can be had again. */
export const LOST_IN_IMAGES: JobFailure = {
	kind: 'LostInSubmit',
	message: 'The bot restarted while RelayDance was making your images, and their answer was lost with it. You were not charged. Please ask again.',
};

/** An `/image` job found `delivering` at start whose images can no longer be fetched (inline ones live only in memory; links expire). */
export const LOST_IMAGES: JobFailure = {
	kind: 'LostImages',
	message: 'The images were made, but the bot restarted before it could post them, and they cannot be fetched again. You were not charged. Please ask again.',
};

/** Images made and fetched, but no message could carry them (reply, channel and DMs all refused). */
export const NOT_SHOWN: JobFailure = { kind: 'NotShown', message: 'The images were made, but Discord would not take them anywhere. You were not charged.' };

/** The requester pressed Cancel before anything was sent to RelayDance. */
export const CANCELLED: JobFailure = { kind: 'Cancelled', message: 'Cancelled before anything was sent to RelayDance.' };

/** The bot's operator cancelled it from the operator page, before anything was sent to RelayDance. */
export const CANCELLED_BY_OPERATOR: JobFailure = { kind: 'Cancelled', code: 'operator', message: "Cancelled by the bot's operator before anything was sent to RelayDance." };

/** Who pressed Cancel: the member who asked (the button), or the bot's operator (the operator page). */
export type CancelledBy = 'requester' | 'operator';

/** What the member is told, by who cancelled. */
export function cancelledBy(by: CancelledBy): JobFailure {
	return by === 'operator' ? CANCELLED_BY_OPERATOR : CANCELLED;
}

/** RelayDance answered an image request with no image the bot could fetch. */
export const NO_IMAGES: JobFailure = { kind: 'NoImages', message: 'RelayDance answered without any image the bot could fetch. Try again, or change the prompt.' };

/** Why a download failed, in words: raw network errors (`getaddrinfo ENOTFOUND …`) stay in the logs. */
const OUTPUT_REASONS: Record<DownloadFailure, string> = {
	'too-large': 'it is larger than the bot accepts',
	status: 'RelayDance no longer serves it',
	network: 'the download failed',
	'wrong-type': 'it is not a video file',
	'not-video': 'what RelayDance sent is not a video file',
	'bad-scheme': 'its link is not a web address',
	'blocked-address': 'its link points into a private network, which the bot never fetches',
	'too-many-redirects': 'its link redirected too many times',
	'forbidden-host': 'its link is on a host the bot does not fetch from',
};
const REFERENCE_REASONS: Record<DownloadFailure, string> = {
	...OUTPUT_REASONS,
	'too-large': 'it is larger than it said it was',
	status: 'the link has expired',
	'forbidden-host': 'it is not on Discord',
};

/** Maps anything thrown while running a job to what the user is told. */
export function errorFailure(error: unknown, referenceId: string): JobFailure {
	if (error instanceof OutputDownloadError) {
		return { kind: 'OutputUnreadable', message: `The video was made, but the bot could not fetch it from RelayDance (${OUTPUT_REASONS[error.reason]}; ref \`${referenceId}\`).` };
	}
	if (error instanceof DownloadError && error.reason === 'wrong-type') {
		return { kind: 'ReferenceWrongType', message: `A reference is not what its name says: ${error.message}. Attach the right file.` };
	}
	if (error instanceof DownloadError) {
		return { kind: 'ReferenceUnreadable', message: `A reference attachment could not be read from Discord (${REFERENCE_REASONS[error.reason]}). Attach it again.` };
	}
	if (error instanceof PollTimeoutError) {
		return { kind: 'Timeout', message: `RelayDance had not finished after ${duration(error.timeoutMs)}, so the bot stopped waiting.` };
	}
	if (error instanceof APIError) {
		if (error.status === 400 || error.status === 422) {
			return { kind: 'Rejected', code: error.code, message: `RelayDance refused the request: ${clip(error.apiMessage, 300)}` };
		}
		if (error.code === MODEL_NOT_FOUND) {
			return { kind: 'ModelUnavailable', code: error.code, message: 'RelayDance cannot run this model right now. Pick another model, or try again later.' };
		}
		if (error.status === 429) return { kind: 'RateLimited', message: 'RelayDance is busy right now. Try again in a minute.' };
		if (error.status === 401 || error.status === 403) {
			return { kind: 'NotAllowed', code: error.code, message: `The bot's RelayDance account cannot run this right now; a server admin should check its API key and balance (ref \`${referenceId}\`).` };
		}
		if (error.status === 404) return { kind: 'NotFound', code: error.code, message: 'RelayDance no longer knows this task.' };
		return { kind: 'Upstream', code: error.code, message: `RelayDance is having trouble (HTTP ${error.status}). Try again in a few minutes.` };
	}
	if (error instanceof APIConnectionError || error instanceof InvalidResponseError) {
		return { kind: 'Upstream', message: `RelayDance could not be reached or answered oddly. Try again in a few minutes (ref \`${referenceId}\`).` };
	}
	return { kind: 'Internal', message: `Something went wrong on the bot's side (ref \`${referenceId}\`).` };
}

function duration(ms: number): string {
	if (ms < 60_000) return `${Math.round(ms / 1000)} seconds`;
	const minutes = Math.round(ms / 60_000);
	return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
