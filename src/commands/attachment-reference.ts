import type { ReferenceInput, ReferenceKind } from '../services/jobs/video-request.js';

/** An attachment as Discord describes it: an option's, a message's. */
export interface AttachmentLike {
	name: string;
	contentType: string | null;
	size: number;
	url: string;
}

/** An attachment as a reference (`@image2` is `{ kind: 'image', slot: 2 }`); nothing is downloaded yet. */
export function referenceFrom(kind: ReferenceKind, slot: number, attachment: AttachmentLike): ReferenceInput {
	return { kind, slot, name: attachment.name, contentType: attachment.contentType ?? undefined, size: attachment.size, url: attachment.url };
}
