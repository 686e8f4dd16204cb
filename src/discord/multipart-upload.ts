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
	/** Tries in all, the first included. */
	attempts: 3,
	/** Wait before the 2nd and 3rd try after a 5xx or a broken connection. */
	backoffMs: [1_000, 2_000],
	/** A 429's Retry-After is honoured up to this. */
	maxRetryAfterMs: 30_000,
	/**
	 * Longest one try may take, answer included. Left to undici, a stalled connection would hold
	 * each try for its 300 s body timeout; a 10 MiB video on a slow link still fits well within this.
	 * A try cut off counts as a broken connection.
	 */
	attemptTimeoutMs: 120_000,
} as const satisfies { attempts: number; backoffMs: readonly number[]; maxRetryAfterMs: number; attemptTimeoutMs: number };

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

/**
 * Runs `attempt` up to `UPLOAD_RETRY.attempts` times while it fails in a way worth retrying: after
 * a 429 it waits the Retry-After Discord gave, after a 5xx or a broken connection `backoffMs`.
 * The last failure is thrown; an abort of `signal` ends the waiting at once.
 */
export async function withUploadRetries<T>(
	attempt: () => Promise<T>,
	options: { signal?: AbortSignal; backoffMs?: readonly number[]; onRetry?: (error: unknown, attempt: number, waitMs: number) => void } = {},
): Promise<T> {
	const backoff = options.backoffMs ?? UPLOAD_RETRY.backoffMs;
	for (let tries = 1; ; tries++) {
		try {
			return await attempt();
		} catch (error) {
			options.signal?.throwIfAborted();
			if (!isRetryableUpload(error) || tries >= UPLOAD_RETRY.attempts) throw error;
			const rateLimited = error instanceof UploadRejectedError && error.status === 429;
			const waitMs = rateLimited ? Math.min(error.retryAfterMs ?? 1_000, UPLOAD_RETRY.maxRetryAfterMs) : (backoff[tries - 1] ?? backoff.at(-1) ?? 0);
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
