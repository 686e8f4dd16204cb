import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { request } from 'undici';

export class DownloadError extends Error {
	override name = 'DownloadError';
	constructor(
		message: string,
		readonly reason: 'status' | 'too-large' | 'wrong-type' | 'network',
		options?: { cause?: unknown },
	) {
		super(message, options);
	}
}

/** The finished video could not be fetched from RelayDance (as opposed to a reference from Discord). */
export class OutputDownloadError extends DownloadError {
	override name = 'OutputDownloadError';
}

export interface DownloadLimits {
	maxBytes: number;
	/** When set, a `content-type` that does not start with it is refused. */
	typePrefix?: string;
	timeoutMs?: number;
	signal?: AbortSignal;
}

/** Starts a download: checks status, type and declared size, and hands back the unread body. */
export async function openDownload(url: string, limits: DownloadLimits): Promise<{ body: Readable; contentType: string | undefined; declaredBytes: number | undefined }> {
	const signal = AbortSignal.any([AbortSignal.timeout(limits.timeoutMs ?? 120_000), ...(limits.signal ? [limits.signal] : [])]);
	let response;
	try {
		response = await request(url, { method: 'GET', signal });
	} catch (error) {
		throw new DownloadError(`could not download: ${(error as Error).message}`, 'network', { cause: error });
	}
	const discard = () => discardStream(response.body);
	if (response.statusCode !== 200) {
		discard();
		throw new DownloadError(`download answered HTTP ${response.statusCode}`, 'status');
	}
	const type = String(response.headers['content-type'] ?? '').toLowerCase();
	if (limits.typePrefix && type && !type.startsWith(limits.typePrefix) && !type.startsWith('application/octet-stream')) {
		discard();
		throw new DownloadError(`expected ${limits.typePrefix}*, got ${type}`, 'wrong-type');
	}
	const declared = Number(response.headers['content-length']);
	if (Number.isFinite(declared) && declared > limits.maxBytes) {
		discard();
		throw new DownloadError(`${declared} bytes is over the ${limits.maxBytes}-byte cap`, 'too-large');
	}
	return { body: response.body, contentType: type || undefined, declaredBytes: Number.isFinite(declared) ? declared : undefined };
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

/** Downloads into memory: for reference attachments, which are capped at tens of MB. */
export async function downloadBytes(url: string, limits: DownloadLimits): Promise<{ data: Buffer<ArrayBuffer>; contentType: string | undefined }> {
	const { body, contentType } = await openDownload(url, limits);
	const chunks: Buffer[] = [];
	const counter = { bytes: 0 };
	try {
		for await (const chunk of body.pipe(byteCap(limits.maxBytes, counter))) chunks.push(chunk as Buffer);
	} catch (error) {
		body.on('error', () => {});
		body.destroy();
		if (error instanceof DownloadError) throw error;
		throw new DownloadError(`download broke off: ${(error as Error).message}`, 'network', { cause: error });
	}
	return { data: Buffer.concat(chunks) as Buffer<ArrayBuffer>, contentType };
}

/** Streams a download to `path` without holding it in memory; removes the partial file on failure. */
export async function downloadToFile(url: string, path: string, limits: DownloadLimits): Promise<{ bytes: number; contentType: string | undefined }> {
	const { body, contentType } = await openDownload(url, limits);
	const counter = { bytes: 0 };
	try {
		await pipeline(body, byteCap(limits.maxBytes, counter), createWriteStream(path));
	} catch (error) {
		await rm(path, { force: true });
		if (error instanceof DownloadError) throw error;
		throw new DownloadError(`download broke off: ${(error as Error).message}`, 'network', { cause: error });
	}
	return { bytes: counter.bytes, contentType };
}
