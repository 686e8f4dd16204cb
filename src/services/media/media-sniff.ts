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

/** Signatures magic-bytes.js gives MP4 (ISO BMFF `ftyp`), QuickTime and WebM (EBML). */
const VIDEO_CONTAINERS = new Set(['mp4', 'm4v', 'mov', 'webm']);

/**
 * The container the bytes start with, when it is MP4, QuickTime or WebM; undefined otherwise,
 * including for ISO BMFF images (AVIF, HEIF), which share MP4's `ftyp` box.
 */
export function sniffVideoContainer(head: Uint8Array): string | undefined {
	const guesses = filetypeinfo(head.subarray(0, 4096));
	if (guesses.some((guess) => guess.mime?.startsWith('image/'))) return undefined;
	return guesses.find((guess) => VIDEO_CONTAINERS.has(guess.typename))?.typename;
}
