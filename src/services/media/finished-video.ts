import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { byteCap, discardStream, DownloadError, downloadFailure, headCheck, openDownload, OutputDownloadError, spoolToFile, type DownloadLimits } from './http-download.js';
import { sniffVideoContainer } from './media-sniff.js';
import { checkUrl, guardedDispatcher } from './url-guard.js';

export interface FinishedVideoOptions {
	/** Bytes past this fail the download, whatever the server declares. */
	maxBytes: number;
	/** Where a video of undeclared size is spooled (the size decides attachment or link). */
	spoolPath: string;
	/**
	 * Hosts fetched even when they are or resolve to private addresses. The bot passes the host of
	 * `RELAYDANCE_BASE_URL`, so a simulator on 127.0.0.1 keeps working; exact names, ports ignored.
	 */
	allowedHosts?: readonly string[];
	/** Aborts the download (and any later `open`); the call then rejects with the signal's reason. */
	signal?: AbortSignal;
	/** For each download, body included. Default 120 s. */
	timeoutMs?: number;
}

/** Redirects followed from RelayDance's URL to the file (a CDN may add one or two). */
export const MAX_OUTPUT_REDIRECTS = 5;
/** Enough for magic-bytes.js to recognise any container it knows. */
const SNIFF_BYTES = 4096;

/**
 * A finished video, ready to be streamed to Discord. The URL comes from RelayDance's answer, which
 * the bot cannot verify, so every download is guarded: http(s) only, at most
 * {@link MAX_OUTPUT_REDIRECTS} redirects, no private or metadata address (checked in the connector,
 * for every hop), bytes that start as MP4, WebM or QuickTime, and no more than `maxBytes`.
 *
 * When the server states the size, the download itself is handed on (no disk, no second copy);
 * otherwise it is spooled to a temporary file first. `open` can be called again (a retry
 * re-downloads through the same guard, or re-reads the file); `dispose` frees whatever is left.
 */
export class FinishedVideo {
	private constructor(
		readonly url: string,
		readonly fileName: string,
		readonly bytes: number,
		private pending: Readable | undefined,
		private readonly reopen: (signal?: AbortSignal) => Promise<Readable>,
		private readonly cleanup: () => Promise<void> = async () => {},
		/** False for a video the bot did not download (too large): it can only be linked. */
		readonly fetched = true,
	) {}

	/**
	 * A video too large for the bot to download (over `MAX_OUTPUT_MB`): it exists and is paid for,
	 * so the member still gets its link. It cannot be opened.
	 */
	static linkOnly(url: string, fileName: string, bytes: number): FinishedVideo {
		const refuse = async (): Promise<Readable> => {
			throw new OutputDownloadError('a link-only video cannot be opened', 'too-large');
		};
		return new FinishedVideo(url, fileName, bytes, undefined, refuse, async () => {}, false);
	}

	/** Throws OutputDownloadError (see its `reason`) when the video is refused or cannot be fetched. */
	static async fetch(url: string, fileName: string, options: FinishedVideoOptions): Promise<FinishedVideo> {
		return asOutputError(async () => {
			const first = await openVideo(url, options, options.signal);
			if (first.declaredBytes !== undefined) {
				const reopen = (signal = options.signal) => asOutputError(async () => guardedStream(await openVideo(url, options, signal), options, signal));
				return new FinishedVideo(url, fileName, first.declaredBytes, await guardedStream(first, options, options.signal), reopen);
			}
			const { bytes } = await spoolToFile(first.body, options.spoolPath, options, first.gate);
			const reopen = async () => createReadStream(options.spoolPath);
			return new FinishedVideo(url, fileName, bytes, undefined, reopen, () => rm(options.spoolPath, { force: true }));
		});
	}

	/** The video's bytes, from the start; `signal` defaults to the one given to `fetch`. */
	async open(signal?: AbortSignal): Promise<Readable> {
		const pending = this.pending;
		this.pending = undefined;
		return pending ?? this.reopen(signal);
	}

	async dispose(): Promise<void> {
		if (this.pending) discardStream(this.pending);
		this.pending = undefined;
		await this.cleanup();
	}
}

/** One guarded request, and the gate its body must pass: capped, then sniffed. */
async function openVideo(url: string, options: FinishedVideoOptions, signal: AbortSignal | undefined) {
	const allowedHosts = options.allowedHosts ?? [];
	const limits: DownloadLimits = {
		maxBytes: options.maxBytes,
		signal,
		timeoutMs: options.timeoutMs,
		maxRedirects: MAX_OUTPUT_REDIRECTS,
		checkUrl: (hop) => checkUrl(hop, allowedHosts),
		dispatcher: guardedDispatcher(allowedHosts),
	};
	const download = await openDownload(url, limits);
	return { ...download, gate: headCheck(SNIFF_BYTES, requireVideo) };
}

/** The body through its cap and gate, handed back once its first bytes have been judged. */
async function guardedStream(video: Awaited<ReturnType<typeof openVideo>>, options: FinishedVideoOptions, signal: AbortSignal | undefined): Promise<Readable> {
	const stream = pipeline(video.body, byteCap(options.maxBytes), video.gate, () => {});
	try {
		await video.gate.verdict;
	} catch (error) {
		discardStream(stream);
		throw downloadFailure(error, signal);
	}
	return stream;
}

function requireVideo(head: Buffer): void {
	if (!sniffVideoContainer(head)) throw new DownloadError(`the output's first ${head.length} bytes are not MP4, WebM or QuickTime`, 'not-video');
}

async function asOutputError<T>(run: () => Promise<T>): Promise<T> {
	try {
		return await run();
	} catch (error) {
		if (!(error instanceof DownloadError) || error instanceof OutputDownloadError) throw error;
		throw new OutputDownloadError(error.message, error.reason, { cause: error, declaredBytes: error.declaredBytes });
	}
}
