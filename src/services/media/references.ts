import { DownloadError, downloadBytes } from './http-download.js';
import { sniffKind } from './media-sniff.js';
import type { ContentItem } from '../relaydance/schemas.js';
import type { ReferenceInput, ReferenceKind } from '../jobs/video-request.js';

/** A reference attachment, downloaded and checked, ready to hand to RelayDance. */
export interface FetchedReference {
	reference: ReferenceInput;
	data: Buffer<ArrayBuffer>;
	contentType: string;
}

/**
 * Downloads each Discord attachment at once (its URL is short-lived): no more bytes than it
 * declared nor than `maxBytes`, of the content type its option asks for, and bytes whose
 * signature is of that kind too.
 */
export async function fetchReferences(references: ReferenceInput[], maxBytes: number): Promise<FetchedReference[]> {
	const fetched: FetchedReference[] = [];
	for (const reference of references) {
		const file = await downloadBytes(reference.url, { maxBytes: Math.min(reference.size, maxBytes), typePrefix: `${reference.kind}/` });
		const sniffed = sniffKind(file.data);
		if (sniffed && sniffed.kind !== reference.kind) {
			const expected = { image: 'an image', video: 'a video', audio: 'audio' }[reference.kind];
			throw new DownloadError(`${reference.kind}${reference.slot} (${reference.name}) holds ${sniffed.mime}, not ${expected}`, 'wrong-type');
		}
		fetched.push({ reference, data: file.data, contentType: file.contentType ?? reference.contentType ?? 'application/octet-stream' });
	}
	return fetched;
}

/** The `metadata.content[]` entry citing an uploaded reference. */
export function contentItem(kind: ReferenceKind, url: string): ContentItem {
	if (kind === 'image') return { type: 'image_url', image_url: { url }, role: 'reference_image' };
	if (kind === 'video') return { type: 'video_url', video_url: { url }, role: 'reference_video' };
	return { type: 'audio_url', audio_url: { url }, role: 'reference_audio' };
}
