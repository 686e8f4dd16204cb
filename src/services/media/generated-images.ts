import { DownloadError, downloadBytes, type DownloadFailure } from './http-download.js';
import { sniffKind } from './media-sniff.js';
import { checkUrl, guardedDispatcher } from './url-guard.js';
import { MAX_OUTPUT_REDIRECTS } from './finished-video.js';

/** An image RelayDance made, in memory and checked, ready to attach. */
export interface GeneratedImage {
	fileName: string;
	contentType: string;
	data: Buffer;
	/** RelayDance's temporary link, when it gave one (a `b64_json` item has none). */
	url?: string;
	revisedPrompt?: string;
}

/** One item of RelayDance's answer, as the job saves it (`b64` is never saved: it is only in the answer). */
export interface ImageSource {
	fileName: string;
	url?: string;
	b64?: string;
	revisedPrompt?: string;
}

export interface FetchImagesOptions {
	maxBytes: number;
	/** Hosts fetched although they resolve to private addresses (RelayDance's own, for the simulator). */
	allowedHosts: readonly string[];
	signal?: AbortSignal;
	timeoutMs?: number;
}

/**
 * Brings every image of an answer into memory at once (their links are temporary): decodes the
 * inline ones, downloads the linked ones through the same guard as a finished video, and checks
 * that the bytes are an image. Answers the images in order, and the items that could not be had, with why.
 */
export async function fetchGeneratedImages(items: ImageSource[], options: FetchImagesOptions): Promise<{ images: GeneratedImage[]; missing: Array<ImageSource & { reason: DownloadFailure }> }> {
	const settled = await Promise.allSettled(items.map((item) => fetchOne(item, options)));
	const images: GeneratedImage[] = [];
	const missing: Array<ImageSource & { reason: DownloadFailure }> = [];
	settled.forEach((outcome, index) => {
		if (outcome.status === 'fulfilled') images.push(outcome.value);
		else {
			options.signal?.throwIfAborted();
			missing.push({ ...items[index]!, reason: outcome.reason instanceof DownloadError ? outcome.reason.reason : 'network' });
		}
	});
	return { images, missing };
}

async function fetchOne(item: ImageSource, options: FetchImagesOptions): Promise<GeneratedImage> {
	let data: Buffer;
	if (item.b64 !== undefined) {
		data = Buffer.from(item.b64, 'base64');
		if (data.length > options.maxBytes) throw new DownloadError(`${data.length} bytes is over the ${options.maxBytes}-byte cap`, 'too-large');
	} else if (item.url) {
		const file = await downloadBytes(item.url, {
			maxBytes: options.maxBytes,
			typePrefix: 'image/',
			signal: options.signal,
			timeoutMs: options.timeoutMs,
			maxRedirects: MAX_OUTPUT_REDIRECTS,
			checkUrl: (hop) => checkUrl(hop, options.allowedHosts),
			dispatcher: guardedDispatcher(options.allowedHosts),
		});
		data = file.data;
	} else throw new DownloadError('an image item with neither url nor b64_json', 'status');
	const sniffed = sniffKind(data);
	if (sniffed?.kind !== 'image') throw new DownloadError(`the image's bytes are ${sniffed?.mime ?? 'of no known type'}`, 'wrong-type');
	const extension = sniffed.mime.split('/')[1]?.replace('jpeg', 'jpg') ?? 'png';
	return {
		fileName: item.fileName.replace(/\.\w+$/, `.${extension}`),
		contentType: sniffed.mime,
		data,
		...(item.url && { url: item.url }),
		...(item.revisedPrompt && { revisedPrompt: item.revisedPrompt }),
	};
}
