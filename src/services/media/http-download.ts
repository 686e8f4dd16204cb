import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { request, type Dispatcher } from 'undici';
import { DownloadError } from './download-error.js';
import { blockedCause } from './url-guard.js';

export { DownloadError, OutputDownloadError, type DownloadFailure } from './download-error.js';

export interface DownloadLimits {
	maxBytes: number;
	/** When set, a `content-type` that does not start with it is refused. */
	typePrefix?: string;
	/** For the whole download, body included. */
	timeoutMs?: number;
	/** Aborts every phase; the download then rejects with the signal's reason. */
	signal?: AbortSignal;
	/** Redirects followed, each hop passed to `checkUrl` first. 0 (the default): a 3xx is a `status` error. */
	maxRedirects?: number;
	/** Throws (a DownloadError) for a URL that must not be requested; called for every hop. */
	checkUrl?: (url: URL) => void;
	/** Connects through this (e.g. the guarded agent) instead of undici's global one. */
	dispatcher?: Dispatcher;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Starts a download: follows redirects as allowed, checks status, type and declared size, and
 * hands back the unread body.
 */
export async function openDownload(url: string, limits: DownloadLimits): Promise<{ body: Readable; contentType: string | undefined; declaredBytes: number | undefined; url: string }> {
	const signal = AbortSignal.any([AbortSignal.timeout(limits.timeoutMs ?? 120_000), ...(limits.signal ? [limits.signal] : [])]);
	let current = parseUrl(url);
	for (let hop = 0; ; hop++) {
		limits.checkUrl?.(current);
		const response = await send(current, signal, limits);
		const discard = () => discardStream(response.body);
		const location = response.headers.location;
		if (REDIRECTS.has(response.statusCode) && typeof location === 'string' && (limits.maxRedirects ?? 0) > 0) {
			discard();
			if (hop >= limits.maxRedirects!) throw new DownloadError(`more than ${limits.maxRedirects} redirects`, 'too-many-redirects');
			current = parseUrl(location, current);
			continue;
		}
		if (response.statusCode !== 200) {
			discard();
			throw new DownloadError(`download answered HTTP ${response.statusCode}`, 'status');
		}
		const type = String(response.headers['content-type'] ?? '').toLowerCase();
		if (limits.typePrefix && type && !type.startsWith(limits.typePrefix) && !type.startsWith('application/octet-stream')) {
			discard();
			throw new DownloadError(`expected ${limits.typePrefix}*, got ${type}`, 'wrong-type');
		}
		const declared = Number(response.headers['content-length'] ?? Number.NaN);
		if (Number.isFinite(declared) && declared > limits.maxBytes) {
			discard();
			throw new DownloadError(`${declared} bytes is over the ${limits.maxBytes}-byte cap`, 'too-large', { declaredBytes: declared });
		}
		return { body: response.body, contentType: type || undefined, declaredBytes: Number.isFinite(declared) ? declared : undefined, url: current.href };
	}
}

async function send(url: URL, signal: AbortSignal, limits: DownloadLimits) {
	try {
		return await request(url, { method: 'GET', signal, ...(limits.dispatcher && { dispatcher: limits.dispatcher }) });
	} catch (error) {
		throw downloadFailure(error, limits.signal);
	}
}

function parseUrl(url: string, base?: URL): URL {
	try {
		return new URL(url, base);
	} catch (error) {
		throw new DownloadError(`not a URL: ${url.slice(0, 200)}`, 'bad-scheme', { cause: error });
	}
}

/** What to throw for an error met while downloading: the caller's abort reason, a refusal, or `network`. */
export function downloadFailure(error: unknown, callerSignal: AbortSignal | undefined): unknown {
	if (callerSignal?.aborted) return callerSignal.reason;
	if (error instanceof DownloadError) return error;
	const blocked = blockedCause(error);
	if (blocked) return new DownloadError(blocked.message, 'blocked-address', { cause: error });
	return new DownloadError(`download failed: ${(error as Error)?.message ?? String(error)}`, 'network', { cause: error });
}

/** Drops a stream that will not be read; a destroyed stream's 'error' must not go unheard. */
export function discardStream(stream: Readable): void {
	stream.on('error', () => {});
	stream.destroy();
}

/** Counts bytes as they pass and fails the stream past the cap, whatever the server declared. */
export function byteCap(maxBytes: number, counter: { bytes: number } = { bytes: 0 }) {
	return new Transform({
		transform(chunk: Buffer, _encoding, callback) {
			counter.bytes += chunk.length;
			if (counter.bytes > maxBytes) callback(new DownloadError(`over the ${maxBytes}-byte cap`, 'too-large'));
			else callback(null, chunk);
		},
	});
}

/**
 * Holds back the first `headBytes` (or all, if fewer), passes them to `check`, and lets the stream
 * through only if it does not throw. `verdict` settles as soon as the head is judged, or rejects
 * if the stream fails first, so a caller can wait for it without reading the body.
 */
export function headCheck(headBytes: number, check: (head: Buffer) => void): Transform & { verdict: Promise<void> } {
	const held: Buffer[] = [];
	let length = 0;
	let decided = false;
	let settle!: { resolve: () => void; reject: (error: unknown) => void };
	const verdict = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
	verdict.catch(() => {});
	const decide = (stream: Transform, callback: (error?: Error | null) => void) => {
		decided = true;
		const head = Buffer.concat(held, length);
		held.length = 0;
		try {
			check(head);
		} catch (error) {
			settle.reject(error);
			return callback(error as Error);
		}
		settle.resolve();
		if (head.length > 0) stream.push(head);
		callback();
	};
	const gate = new Transform({
		transform(chunk: Buffer, _encoding, callback) {
			if (decided) return callback(null, chunk);
			held.push(chunk);
			length += chunk.length;
			if (length >= headBytes) decide(this, callback);
			else callback();
		},
		flush(callback) {
			if (decided) callback();
			else decide(this, callback);
		},
	});
	gate.on('close', () => settle.reject(new DownloadError('the download ended before its first bytes were checked', 'network')));
	gate.on('error', (error) => settle.reject(error));
	return Object.assign(gate, { verdict });
}

/** Downloads into memory: for reference attachments, which are capped at tens of MB. */
export async function downloadBytes(url: string, limits: DownloadLimits): Promise<{ data: Buffer<ArrayBuffer>; contentType: string | undefined }> {
	const { body, contentType, declaredBytes } = await openDownload(url, limits);
	// With a stated size, chunks are copied into one buffer as they come: the bytes are held once,
	// never as chunks and their concatenation at the same time.
	let data = Buffer.allocUnsafe(declaredBytes ?? 0);
	const chunks: Buffer[] = [];
	const counter = { bytes: 0 };
	let filled = 0;
	try {
		await pipeline(body, byteCap(limits.maxBytes, counter), async (source: AsyncIterable<Buffer>) => {
			for await (const chunk of source) {
				if (chunks.length === 0 && filled + chunk.length <= data.length) filled += chunk.copy(data, filled);
				else chunks.push(chunk);
			}
		});
	} catch (error) {
		throw downloadFailure(error, limits.signal);
	}
	if (filled !== counter.bytes || filled !== data.length) {
		// No size stated, or the server sent another size than it stated: concatenate what came.
		data = Buffer.concat([data.subarray(0, filled), ...chunks], counter.bytes);
	}
	return { data: data as Buffer<ArrayBuffer>, contentType };
}

/** Streams `body` to `path` without holding it in memory; removes the partial file on failure. */
export async function spoolToFile(body: Readable, path: string, limits: Pick<DownloadLimits, 'maxBytes' | 'signal'>, ...checks: Transform[]): Promise<{ bytes: number }> {
	const counter = { bytes: 0 };
	try {
		await pipeline([body, byteCap(limits.maxBytes, counter), ...checks, createWriteStream(path)], limits.signal ? { signal: limits.signal } : {});
	} catch (error) {
		await rm(path, { force: true });
		throw downloadFailure(error, limits.signal);
	}
	return { bytes: counter.bytes };
}
