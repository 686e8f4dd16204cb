import type { Readable } from 'node:stream';
import { request } from 'undici';
import { multipartBody } from '../services/multipart.js';
import { parseRetryAfter } from '../services/retry-after.js';
import { sleep } from '../services/sleep.js';

/** Discord refused the upload; `code` is Discord's JSON error code (40005: too large). */
export class UploadRejectedError extends Error {
	override name = 'UploadRejectedError';
	constructor(
		readonly status: number,
		readonly code: number | undefined,
		message: string,
		readonly retryAfterMs: number | undefined,
	) {
		super(`Discord answered ${status}${code ? ` (${code})` : ''}: ${message}`);
	}
}

/** The upload never got an answer: the connection was reset, closed or stalled past the attempt's timeout, or the video's own stream broke. */
export class UploadConnectionError extends Error {
	override name = 'UploadConnectionError';
	constructor(cause: unknown) {
		super(`the upload to Discord broke off: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
	}
}

/** The cause of an `UploadConnectionError` when a try ran out of time. */
export class UploadTimeoutError extends Error {
	override name = 'UploadTimeoutError';
	constructor(ms: number) {
		super(`no answer within ${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}`);
	}
}

export interface UploadFile {
	name: string;
	contentType: string;
	bytes: number;
	stream: Readable;
}

/** The parts of Discord's answer (a message object) the bot uses. */
export interface PostedMessage {
	id?: string;
	channel_id?: string;
}

/** Tries, and waits between them, for a finished video's upload. */
export const UPLOAD_RETRY = {
	/** Tries in all, the first included, counting only those that failed with a 5xx or a broken or stalled connection. */
	attempts: 3,
	/** Wait before the 2nd and 3rd try after a 5xx or a broken connection. */
	backoffMs: [1_000, 2_000],
	/**
	 * A 429 is a wait, not a failure: the try is made again after its `retry_after` (body) or
	 * `Retry-After` (header), this long when it gave neither, at least `minRateLimitWaitMs`, and
	 * without spending a try. Only the deadline ends it.
	 */
	defaultRateLimitWaitMs: 1_000,
	minRateLimitWaitMs: 50,
	/** Without a deadline of the caller's (a channel post, no interaction token), 429 waits end this long after the first try. */
	rateLimitBudgetMs: 15 * 60_000,
	/**
	 * Longest one try may take, answer included. Left to undici, a stalled connection would hold
	 * each try for its 300 s body timeout; a 10 MiB video on a slow link still fits well within this.
	 * A try cut off counts as a broken connection.
	 */
	attemptTimeoutMs: 120_000,
} as const satisfies {
	attempts: number;
	backoffMs: readonly number[];
	defaultRateLimitWaitMs: number;
	minRateLimitWaitMs: number;
	rateLimitBudgetMs: number;
	attemptTimeoutMs: number;
};

export interface UploadOptions {
	url: string;
	method: 'PATCH' | 'POST';
	authorization?: string;
	payload: object;
	file: UploadFile;
	/** The caller's: aborting it rejects with its reason, not as a broken connection. */
	signal?: AbortSignal;
	/** This try's limit; default `UPLOAD_RETRY.attemptTimeoutMs`. */
	timeoutMs?: number;
	/** Discord's answer (status, rate-limit scope), as every REST answer is counted. */
	onAnswer?: (status: number, scope?: string | null) => void;
}

/**
 * Sends a message body and one file as multipart/form-data, streaming the file with a known
 * length. @discordjs/rest takes files as Buffers and would hold the whole video in memory.
 * Answers the message Discord returns; a try with no answer within `timeoutMs` is cut off and
 * rejects as an `UploadConnectionError`.
 */
export async function uploadMessage(options: UploadOptions): Promise<PostedMessage> {
	const { file } = options;
	const { body, headers } = multipartBody(
		{ payload_json: { value: JSON.stringify(options.payload), contentType: 'application/json' } },
		{ field: 'files[0]', name: file.name, contentType: file.contentType, bytes: file.bytes, data: file.stream },
	);
	const timeoutMs = options.timeoutMs ?? UPLOAD_RETRY.attemptTimeoutMs;
	const attempt = new AbortController();
	const timer = setTimeout(() => attempt.abort(new UploadTimeoutError(timeoutMs)), timeoutMs);
	const signal = options.signal ? AbortSignal.any([options.signal, attempt.signal]) : attempt.signal;
	let response;
	let text;
	try {
		response = await request(options.url, {
			method: options.method,
			headers: { ...headers, ...(options.authorization && { authorization: options.authorization }) },
			body,
			signal,
		});
		const scope = response.headers['x-ratelimit-scope'];
		options.onAnswer?.(response.statusCode, Array.isArray(scope) ? scope[0] : scope);
		text = await response.body.text();
	} catch (error) {
		options.signal?.throwIfAborted();
		throw new UploadConnectionError(attempt.signal.aborted ? attempt.signal.reason : error);
	} finally {
		clearTimeout(timer);
	}
	const parsed = parseJson(text);
	if (response.statusCode < 400) return (parsed ?? {}) as PostedMessage;
	const error = (parsed ?? {}) as { code?: number; message?: string; retry_after?: number };
	const header = response.headers['retry-after'];
	const retryAfterMs = error.retry_after !== undefined ? error.retry_after * 1000 : parseRetryAfter(Array.isArray(header) ? header[0] : header);
	throw new UploadRejectedError(response.statusCode, error.code, error.message ?? text.slice(0, 200), retryAfterMs);
}

/** Worth another try: a 429, a 5xx, or a connection that broke off. */
export function isRetryableUpload(error: unknown): boolean {
	if (error instanceof UploadConnectionError) return true;
	return error instanceof UploadRejectedError && (error.status === 429 || error.status >= 500);
}

/** Discord's "wait and ask again": never a reason to give the upload up while there is time. */
export function isRateLimited(error: unknown): error is UploadRejectedError {
	return error instanceof UploadRejectedError && error.status === 429;
}

export interface UploadRetryOptions {
	signal?: AbortSignal;
	backoffMs?: readonly number[];
	/**
	 * When waiting must end (ms since the epoch): a 429 whose wait would end past it is thrown. For
	 * an edit through the interaction's webhook, the token's death (15 minutes after the
	 * interaction), after which every try is a 401. Default: `rateLimitBudgetMs` after the first try.
	 */
	deadline?: number;
	now?: () => number;
	/** `attempt`: the tries spent so far (a 429 spends none). */
	onRetry?: (error: unknown, attempt: number, waitMs: number) => void;
}

/**
 * Runs `attempt` while it fails in a way worth retrying. A 429 waits the `retry_after` Discord gave
 * and tries again without spending a try, as long as the wait ends before `deadline`; a 5xx or a
 * broken or stalled connection waits `backoffMs` and spends one of `UPLOAD_RETRY.attempts`. The
 * last failure is thrown; an abort of `signal` ends the waiting at once.
 */
export async function withUploadRetries<T>(attempt: () => Promise<T>, options: UploadRetryOptions = {}): Promise<T> {
	const backoff = options.backoffMs ?? UPLOAD_RETRY.backoffMs;
	const now = options.now ?? Date.now;
	const deadline = options.deadline ?? now() + UPLOAD_RETRY.rateLimitBudgetMs;
	for (let tries = 0; ; ) {
		try {
			return await attempt();
		} catch (error) {
			options.signal?.throwIfAborted();
			if (!isRetryableUpload(error)) throw error;
			let waitMs: number;
			if (isRateLimited(error)) {
				waitMs = Math.max(UPLOAD_RETRY.minRateLimitWaitMs, error.retryAfterMs ?? UPLOAD_RETRY.defaultRateLimitWaitMs);
				if (now() + waitMs > deadline) throw error;
			} else {
				tries += 1;
				if (tries >= UPLOAD_RETRY.attempts) throw error;
				waitMs = backoff[tries - 1] ?? backoff.at(-1) ?? 0;
			}
			options.onRetry?.(error, tries, waitMs);
			await sleep(waitMs, options.signal);
		}
	}
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}
