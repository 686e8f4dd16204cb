import { DownloadError, OutputDownloadError, type DownloadFailure } from '../media/http-download.js';
import type { JobFailure } from './job.js';
import { APIConnectionError, APIError, InvalidResponseError } from '../relaydance/errors.js';
import type { Task } from '../relaydance/schemas.js';
import { MODEL_NOT_FOUND } from '../relaydance/client.js';
import { PollTimeoutError } from './task-poller.js';
import { clip } from '../text.js';
import { SOURCE_LOCALE, render, text, type MessageKey, type Params } from '../../i18n/index.js';

/** A failure with its words as a dictionary key (shown in the reader's language) and in the source locale. */
function failure(kind: string, key: MessageKey, params?: Params, code?: string): JobFailure {
	const said = text(key, params);
	return { kind, message: render(SOURCE_LOCALE, said), text: said, ...(code !== undefined && { code }) };
}

/** Failure codes RelayDance (Seedance upstream) reports, in words a user understands. */
const TASK_CODES: Array<[RegExp, MessageKey]> = [
	[/OutputVideoSensitive|OutputAudioSensitive/i, 'failure.outputSensitive'],
	[/Input(Text|Image|Video|Audio)?Sensitive|SensitiveContent/i, 'failure.inputSensitive'],
	[/InputImage|InvalidImage|image/i, 'failure.badImage'],
	[/timeout|expired/i, 'failure.taskTimeout'],
	[/cancel/i, 'failure.taskCancelled'],
];

export function taskFailure(task: Task): JobFailure {
	const known = TASK_CODES.find(([pattern]) => pattern.test(task.errorCode ?? ''));
	if (known) return { ...failure('TaskFailed', known[1]), code: task.errorCode };
	if (task.errorCode) return failure('TaskFailed', 'failure.taskFailedCode', { code: `\`${clip(task.errorCode, 60)}\`` }, task.errorCode);
	return { ...failure('TaskFailed', 'failure.taskFailed'), code: task.errorCode };
}

/** A job found in `submitting` at start: its task may exist and be billed, and the API cannot find it. */
export const LOST_IN_SUBMIT: JobFailure = failure('LostInSubmit', 'failure.lostInSubmit');

/** An `/image` job found in `submitting` at start: the images may have been made, and no answer can be had again. */
export const LOST_IN_IMAGES: JobFailure = failure('LostInSubmit', 'failure.lostInImages');

/** An `/image` job found `delivering` at start whose images can no longer be fetched (inline ones live only in memory; links expire). */
export const LOST_IMAGES: JobFailure = failure('LostImages', 'failure.lostImages');

/** Images made and fetched, but no message could carry them (reply, channel and DMs all refused). */
export const NOT_SHOWN: JobFailure = failure('NotShown', 'failure.notShown');

/** The requester pressed Cancel before anything was sent to RelayDance. */
export const CANCELLED: JobFailure = failure('Cancelled', 'failure.cancelled');

/** The bot's operator cancelled it from the operator page, before anything was sent to RelayDance. */
export const CANCELLED_BY_OPERATOR: JobFailure = failure('Cancelled', 'failure.cancelledByOperator', undefined, 'operator');

/** Who pressed Cancel: the member who asked (the button), or the bot's operator (the operator page). */
export type CancelledBy = 'requester' | 'operator';

/** What the member is told, by who cancelled. */
export function cancelledBy(by: CancelledBy): JobFailure {
	return by === 'operator' ? CANCELLED_BY_OPERATOR : CANCELLED;
}

/** RelayDance answered an image request with no image the bot could fetch. */
export const NO_IMAGES: JobFailure = failure('NoImages', 'failure.noImages');

/** Why a download failed, in words: raw network errors (`getaddrinfo ENOTFOUND …`) stay in the logs. */
const OUTPUT_REASONS: Record<DownloadFailure, MessageKey> = {
	'too-large': 'reason.tooLarge',
	status: 'reason.status',
	network: 'reason.network',
	'wrong-type': 'reason.wrongType',
	'not-video': 'reason.notVideo',
	'bad-scheme': 'reason.badScheme',
	'blocked-address': 'reason.blockedAddress',
	'too-many-redirects': 'reason.tooManyRedirects',
	'forbidden-host': 'reason.forbiddenHost',
};
const REFERENCE_REASONS: Record<DownloadFailure, MessageKey> = {
	...OUTPUT_REASONS,
	'too-large': 'reason.referenceTooLarge',
	status: 'reason.referenceExpired',
	'forbidden-host': 'reason.notOnDiscord',
};

/** Maps anything thrown while running a job to what the user is told. */
export function errorFailure(error: unknown, referenceId: string): JobFailure {
	const ref = `\`${referenceId}\``;
	if (error instanceof OutputDownloadError) return failure('OutputUnreadable', 'failure.outputUnreadable', { reason: text(OUTPUT_REASONS[error.reason]), ref });
	if (error instanceof DownloadError && error.reason === 'wrong-type') return failure('ReferenceWrongType', 'failure.referenceWrongType', { detail: error.message });
	if (error instanceof DownloadError) return failure('ReferenceUnreadable', 'failure.referenceUnreadable', { reason: text(REFERENCE_REASONS[error.reason]) });
	if (error instanceof PollTimeoutError) return failure('Timeout', 'failure.timeout', { duration: { duration: error.timeoutMs } });
	if (error instanceof APIError) {
		if (error.status === 400 || error.status === 422) return failure('Rejected', 'failure.rejected', { detail: clip(error.apiMessage, 300) }, error.code);
		if (error.code === MODEL_NOT_FOUND) return failure('ModelUnavailable', 'failure.modelUnavailable', undefined, error.code);
		if (error.status === 429) return failure('RateLimited', 'failure.rateLimited');
		if (error.status === 401 || error.status === 403) return failure('NotAllowed', 'failure.notAllowed', { ref }, error.code);
		if (error.status === 404) return failure('NotFound', 'failure.notFound', undefined, error.code);
		return failure('Upstream', 'failure.upstream', { status: String(error.status) }, error.code);
	}
	if (error instanceof APIConnectionError || error instanceof InvalidResponseError) return failure('Upstream', 'failure.unreachable', { ref });
	return failure('Internal', 'failure.internal', { ref });
}
