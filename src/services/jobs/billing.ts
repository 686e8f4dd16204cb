import { APIConnectionError, APIError, InvalidResponseError } from '../relaydance/errors.js';
import type { JobState } from './job.js';

/**
 * Whether RelayDance may have billed a job that failed with `error` in `state`: a submit whose
 * answer never came (timeout, 5xx, a broken connection after sending, a body off the contract),
 * or a task the bot stopped waiting for or could not fetch. The member is refunded all the same;
 * the operator is told (a warn log line).
 */
export function mayHaveBilled(state: JobState, error: unknown): boolean {
	if (state === 'queued' || state === 'uploading') return false;
	if (state !== 'submitting') return true;
	if (error instanceof APIConnectionError) return error.sent;
	// 503 is the one 5xx that says the request was not taken (the client retries a submit on it).
	if (error instanceof APIError) return (error.status >= 500 && error.status !== 503) || error.status === 408;
	return error instanceof InvalidResponseError;
}
