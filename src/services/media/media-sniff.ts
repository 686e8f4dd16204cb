import { filetypeinfo } from 'magic-bytes.js';
import type { ReferenceKind } from '../jobs/video-request.js';

/**
 * The kind of media the bytes hold, from their signature (image, video or audio), or undefined
 * when no signature is known. Discord's `content_type` comes from the uploader's file name, so it
 * is checked against the bytes themselves.
 */
export function sniffKind(data: Uint8Array): { kind: ReferenceKind; mime: string } | undefined {
	for (const guess of filetypeinfo(data.subarray(0, 4096))) {
		const kind = guess.mime?.split('/')[0];
		if (kind === 'image' || kind === 'video' || kind === 'audio') return { kind, mime: guess.mime! };
	}
	return undefined;
}
