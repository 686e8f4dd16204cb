import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { byteCap, discardStream, DownloadError, downloadToFile, OutputDownloadError, openDownload } from './http-download.js';

/**
 * A finished video, ready to be streamed to Discord. When RelayDance states its size, the download
 * itself is handed on (no disk, no second copy); otherwise it is spooled to a temporary file first,
 * since the size decides between an attachment and a link. `open` can be called again (a retry
 * re-downloads or re-reads the file); `dispose` frees whatever is left.
 */
export class FinishedVideo {
	private constructor(
		readonly url: string,
		readonly fileName: string,
		readonly bytes: number,
		private pending: Readable | undefined,
		private readonly reopen: () => Promise<Readable>,
		private readonly cleanup: () => Promise<void> = async () => {},
	) {}

	static async fetch(url: string, fileName: string, options: { maxBytes: number; spoolPath: string }): Promise<FinishedVideo> {
		try {
			return await FinishedVideo.start(url, fileName, options);
		} catch (error) {
			if (!(error instanceof DownloadError)) throw error;
			throw new OutputDownloadError(error.message, error.reason, { cause: error });
		}
	}

	private static async start(url: string, fileName: string, options: { maxBytes: number; spoolPath: string }): Promise<FinishedVideo> {
		const download = await openDownload(url, { maxBytes: options.maxBytes });
		if (download.declaredBytes !== undefined) {
			const capped = (body: Readable) => body.pipe(byteCap(options.maxBytes));
			const reopen = async () => capped((await openDownload(url, { maxBytes: options.maxBytes })).body);
			return new FinishedVideo(url, fileName, download.declaredBytes, capped(download.body), reopen);
		}
		discardStream(download.body);
		const { bytes } = await downloadToFile(url, options.spoolPath, { maxBytes: options.maxBytes });
		return new FinishedVideo(url, fileName, bytes, undefined, async () => createReadStream(options.spoolPath), () => rm(options.spoolPath, { force: true }));
	}

	/** The video's bytes, from the start. */
	async open(): Promise<Readable> {
		const pending = this.pending;
		this.pending = undefined;
		return pending ?? this.reopen();
	}

	async dispose(): Promise<void> {
		if (this.pending) discardStream(this.pending);
		this.pending = undefined;
		await this.cleanup();
	}
}
