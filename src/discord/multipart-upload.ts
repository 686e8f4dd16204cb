import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { parseRetryAfter } from '../services/retry-after.js';

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

export interface UploadFile {
	name: string;
	contentType: string;
	bytes: number;
	stream: Readable;
}

/**
 * Sends a message body and one file as multipart/form-data, streaming the file with a known
 * length. @discordjs/rest takes files as Buffers and would hold the whole video in memory.
 */
export async function uploadMessage(options: { url: string; method: 'PATCH' | 'POST'; authorization?: string; payload: object; file: UploadFile }): Promise<void> {
	const { file } = options;
	const boundary = `relaydance-${randomBytes(16).toString('hex')}`;
	const head = Buffer.from(
		`--${boundary}\r\nContent-Disposition: form-data; name="payload_json"\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(options.payload)}\r\n` +
			`--${boundary}\r\nContent-Disposition: form-data; name="files[0]"; filename="${file.name.replace(/["\r\n\\]/g, '_')}"\r\nContent-Type: ${file.contentType}\r\n\r\n`,
	);
	const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
	const body = Readable.from(
		(async function* () {
			yield head;
			yield* file.stream;
			yield tail;
		})(),
	);
	const response = await request(options.url, {
		method: options.method,
		headers: {
			'content-type': `multipart/form-data; boundary=${boundary}`,
			'content-length': String(head.length + file.bytes + tail.length),
			...(options.authorization && { authorization: options.authorization }),
		},
		body,
	});
	const text = await response.body.text();
	if (response.statusCode < 400) return;
	let error: { code?: number; message?: string; retry_after?: number } = {};
	try {
		error = JSON.parse(text) as typeof error;
	} catch {
		// not JSON: keep the status alone
	}
	const header = response.headers['retry-after'];
	const retryAfterMs = error.retry_after !== undefined ? error.retry_after * 1000 : parseRetryAfter(Array.isArray(header) ? header[0] : header);
	throw new UploadRejectedError(response.statusCode, error.code, error.message ?? text.slice(0, 200), retryAfterMs);
}
