import { DownloadError, downloadBytes } from './http-download.js';
import { sniffKind } from './media-sniff.js';
import { hostAllowed } from './url-guard.js';
import type { ContentItem } from '../relaydance/schemas.js';
import type { FrameRole, ReferenceInput, ReferenceKind } from '../jobs/video-request.js';

/** A reference attachment, downloaded and checked, ready to hand to RelayDance. */
export interface FetchedReference {
	reference: ReferenceInput;
	data: Buffer<ArrayBuffer>;
	contentType: string;
}

/** Redirects followed from an attachment's URL to its bytes. */
export const REFERENCE_REDIRECTS = 3;

/** Where Discord serves attachments. */
export const DISCORD_CDN_HOSTS = ['cdn.discordapp.com', 'media.discordapp.net'] as const;

export interface FetchReferencesOptions {
	/**
	 * Hosts trusted besides Discord's CDN. The bot passes the host of `DISCORD_API_URL` when it is
	 * overridden (a stand-in serves attachments itself); exact names, ports ignored.
	 */
	allowedHosts?: readonly string[];
	/** Aborts the downloads; the call then rejects with the signal's reason. */
	signal?: AbortSignal;
	/** Per attachment, body included. Default 120 s. */
	timeoutMs?: number;
}

/**
 * Downloads each Discord attachment at once (its URL is short-lived): no more bytes than it
 * declared nor than `maxBytes`, of the content type its option asks for, and bytes whose
 * signature is of that kind too. Every URL must be http(s) on Discord's CDN or an allowed host,
 * checked for all of them before the first request (`forbidden-host`); a redirect is followed only to
 * another trusted host, at most {@link REFERENCE_REDIRECTS} times.
 */
export async function fetchReferences(references: ReferenceInput[], maxBytes: number, options: FetchReferencesOptions = {}): Promise<FetchedReference[]> {
	const trusted = [...DISCORD_CDN_HOSTS, ...(options.allowedHosts ?? [])];
	for (const reference of references) checkReferenceUrl(reference, trusted);
	const fetched: FetchedReference[] = [];
	for (const reference of references) {
		const limits = {
			maxBytes: Math.min(reference.size, maxBytes),
			typePrefix: `${reference.kind}/`,
			signal: options.signal,
			timeoutMs: options.timeoutMs,
			// Discord's storage links may redirect once or twice; every hop stays on a trusted host.
			maxRedirects: REFERENCE_REDIRECTS,
			checkUrl: (hop: URL) => checkReferenceUrl({ ...reference, url: hop.href }, trusted),
		};
		const file = await downloadBytes(reference.url, limits);
		const sniffed = sniffKind(file.data);
		if (sniffed && sniffed.kind !== reference.kind) {
			const expected = { image: 'an image', video: 'a video', audio: 'audio' }[reference.kind];
			throw new DownloadError(`${reference.role ?? `${reference.kind}${reference.slot}`} (${reference.name}) holds ${sniffed.mime}, not ${expected}`, 'wrong-type');
		}
		fetched.push({ reference, data: file.data, contentType: file.contentType ?? reference.contentType ?? 'application/octet-stream' });
	}
	return fetched;
}

function checkReferenceUrl(reference: ReferenceInput, trusted: readonly string[]): void {
	const label = reference.role ?? `${reference.kind}${reference.slot}`;
	let url: URL;
	try {
		url = new URL(reference.url);
	} catch (error) {
		throw new DownloadError(`${label} has no usable URL`, 'forbidden-host', { cause: error });
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new DownloadError(`${label} is a ${url.protocol} URL`, 'bad-scheme');
	if (!hostAllowed(url.hostname, trusted)) throw new DownloadError(`${label} is on ${url.hostname}, not Discord's CDN`, 'forbidden-host');
}

/** The `metadata.content[]` entry citing an uploaded reference, or a start or end frame with its role. */
export function contentItem(kind: ReferenceKind, url: string, role?: FrameRole): ContentItem {
	if (role) return { type: 'image_url', image_url: { url }, role };
	if (kind === 'image') return { type: 'image_url', image_url: { url }, role: 'reference_image' };
	if (kind === 'video') return { type: 'video_url', video_url: { url }, role: 'reference_video' };
	return { type: 'audio_url', audio_url: { url }, role: 'reference_audio' };
}
