import { secondsRange } from '../relaydance/model-catalog.js';
import { clip, formatBytes, MB } from '../text.js';
import { UserError } from '../user-error.js';
import { text } from '../../i18n/index.js';

/** The kinds of reference media, in the order they go into `content[]`. */
export const REFERENCE_KINDS = ['image', 'video', 'audio'] as const;
export type ReferenceKind = (typeof REFERENCE_KINDS)[number];
/** Frame mode's roles, in `content[]` order: the video starts from the first frame and ends on the last. */
export const FRAME_ROLES = ['first_frame', 'last_frame'] as const;
export type FrameRole = (typeof FRAME_ROLES)[number];

/** Seedance reads about 500 characters of prompt and silently drops the rest: refuse instead. */
export const PROMPT_MAX_LENGTH = 500;
export const MAX_REFERENCES: Record<ReferenceKind, number> = { image: 9, video: 3, audio: 3 };
export const RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4', '21:9', 'adaptive'] as const;
export const RESOLUTIONS = ['480p', '720p', '1080p'] as const;

/** Upstream limits per reference (contract, [gw]); audio has none published, so it gets video's. */
const KIND_MAX_BYTES: Record<ReferenceKind, number> = { image: 30 * MB, video: 50 * MB, audio: 50 * MB };
const KIND_EXTENSIONS: Record<ReferenceKind, string[]> = {
	image: ['png', 'jpg', 'jpeg', 'webp', 'bmp', 'gif', 'tif', 'tiff'],
	video: ['mp4', 'mov', 'webm', 'm4v'],
	audio: ['mp3', 'wav', 'm4a', 'aac', 'ogg', 'flac'],
};

/** The kind of media a file is, from its content type, else its extension; undefined when it is none of them. */
export function referenceKindOf(name: string, contentType: string | undefined): ReferenceKind | undefined {
	const type = contentType?.split(';')[0]?.trim().toLowerCase();
	const fromType = REFERENCE_KINDS.find((kind) => type?.startsWith(`${kind}/`));
	if (fromType || type) return fromType;
	const extension = name.split('.').pop()?.toLowerCase() ?? '';
	return REFERENCE_KINDS.find((kind) => KIND_EXTENSIONS[kind].includes(extension));
}

/** One attachment option as Discord described it; nothing here has been downloaded yet. */
export interface ReferenceInput {
	kind: ReferenceKind;
	/** The option's number: `image3` is `{ kind: 'image', slot: 3 }`. */
	slot: number;
	name: string;
	contentType: string | undefined;
	size: number;
	url: string;
	/** RelayDance's copy (`POST /v1/files`) once uploaded: a job started again (Again) cites it instead of fetching `url`, which Discord expires. */
	hostedUrl?: string;
	/**
	 * Set on a start or end frame (always an image): RelayDance gets it with this role instead of
	 * `reference_image`. Frames ride in `references` so they are fetched, uploaded, kept with their
	 * `hostedUrl` and cited again (Again, Edit, a restart) exactly as references are.
	 */
	role?: FrameRole;
}

export interface VideoOptions {
	prompt: string;
	model: string;
	seconds: number;
	audio: boolean;
	ratio?: string;
	resolution?: string;
	references: ReferenceInput[];
	/** Attachments of the source message that were not taken (Make a video), named in the reply. */
	leftOut?: string[];
}

export interface VideoPlan extends VideoOptions {
	/** The prompt with `@imageN` renumbered to the reference's place in `content[]`. */
	apiPrompt: string;
	/** Ordered as `content[]` will be: the frames (first, last), else images, then videos, then audio, each by slot. */
	references: ReferenceInput[];
}

export interface ValidationLimits {
	maxAttachmentBytes: number;
	isKnownModel: (model: string) => boolean;
}

/** Refuses, before any API call, what RelayDance would refuse, each with its own message. */
export function planVideo(options: VideoOptions, limits: ValidationLimits): VideoPlan {
	const prompt = checkPrompt(options.prompt, 'video');
	if (!limits.isKnownModel(options.model)) {
		throw new UserError('UnknownModel', 'refusal.unknownVideoModel', { model: `\`${clip(options.model, 60)}\`` });
	}
	const range = secondsRange(options.model);
	if (!Number.isInteger(options.seconds) || options.seconds < range.min || options.seconds > range.max) {
		throw new UserError('SecondsOutOfRange', 'refusal.secondsOutOfRange', { model: `\`${options.model}\``, min: range.min, max: range.max, seconds: options.seconds });
	}

	const frames = options.references.filter((reference) => reference.role).sort((a, b) => FRAME_ROLES.indexOf(a.role!) - FRAME_ROLES.indexOf(b.role!));
	const references = options.references.filter((reference) => !reference.role).sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind) || a.slot - b.slot);
	if (frames.length > 0) return planFrames(options, prompt, frames, references, limits);
	for (const reference of references) checkReference(reference, limits.maxAttachmentBytes);
	for (const kind of REFERENCE_KINDS) {
		const count = references.filter((reference) => reference.kind === kind).length;
		if (count > MAX_REFERENCES[kind]) {
			throw new UserError('AttachmentWrongType', 'refusal.tooManyReferences', { max: MAX_REFERENCES[kind], kind: text(`kind.${kind}`), count });
		}
	}
	if (references.length > 0 && references.every((reference) => reference.kind === 'audio')) {
		throw new UserError('AudioOnlyReference', 'refusal.audioOnly');
	}
	return { ...options, prompt, references, apiPrompt: renumberCitations(prompt, references) };
}

/** Frame mode: no reference media beside the frames, a last frame only after a first, and nothing cited (the prompt goes as written). */
function planFrames(options: VideoOptions, prompt: string, frames: ReferenceInput[], references: ReferenceInput[], limits: ValidationLimits): VideoPlan {
	if (references.length > 0) throw new UserError('FramesWithReferences', 'refusal.framesWithReferences', { references: { list: references.map(referenceLabel) } });
	if (!frames.some((frame) => frame.role === 'first_frame')) throw new UserError('LastFrameAlone', 'refusal.lastFrameAlone');
	for (const frame of frames) checkReference({ ...frame, kind: 'image' }, limits.maxAttachmentBytes); // a frame is an image, whatever it says
	const citation = /@(image|video|audio)\d+\b/i.exec(prompt);
	if (citation) throw new UserError('FrameCited', 'refusal.frameCited', { citation: citation[0] });
	return { ...options, prompt, references: frames, apiPrompt: prompt };
}

/** How messages name a reference: its option, `image3`, or `first_frame` for a frame. */
export function referenceLabel(reference: Pick<ReferenceInput, 'kind' | 'slot' | 'role'>): string {
	return reference.role ? `\`${reference.role}\`` : `\`${reference.kind}${reference.slot}\``;
}

/** The prompt trimmed, or a refusal when it is blank or longer than the model reads. */
export function checkPrompt(raw: string, what: 'video' | 'image'): string {
	const prompt = raw.trim();
	if (!prompt) throw new UserError('PromptBlank', what === 'video' ? 'refusal.promptBlankVideo' : 'refusal.promptBlankImage');
	if (prompt.length > PROMPT_MAX_LENGTH) {
		throw new UserError('PromptTooLong', 'refusal.promptTooLong', { length: prompt.length, max: PROMPT_MAX_LENGTH });
	}
	return prompt;
}

/** Refuses a reference whose type is not its kind's, or that is over its kind's size. */
export function checkReference(reference: ReferenceInput, hardCap: number): void {
	const label = `${referenceLabel(reference)} (${clip(reference.name, 60)})`;
	const extension = reference.name.split('.').pop()?.toLowerCase() ?? '';
	const type = reference.contentType?.split(';')[0]?.trim().toLowerCase();
	const typeMatches = type ? type.startsWith(`${reference.kind}/`) : KIND_EXTENSIONS[reference.kind].includes(extension);
	if (!typeMatches) {
		throw new UserError('AttachmentWrongType', type ? 'refusal.wrongFileIs' : 'refusal.wrongFile', { label, file: text(`file.${reference.kind}`), formats: formatsOf(reference.kind), ...(type && { type }) });
	}
	const max = Math.min(KIND_MAX_BYTES[reference.kind], hardCap);
	if (reference.size > max) {
		throw new UserError('AttachmentTooLarge', 'refusal.fileTooLarge', { label, size: { bytes: reference.size }, kind: text(`kind.${reference.kind}`), max: { bytes: max } });
	}
}

/**
 * `@image3` means the `image3` option. RelayDance numbers references by their place in
 * `content[]`, so with only `image1` and `image3` attached, `@image3` is sent as `@image2`.
 */
function renumberCitations(prompt: string, references: ReferenceInput[]): string {
	return prompt.replace(/@(image|video|audio)(\d+)\b/gi, (citation, rawKind: string, rawSlot: string) => {
		const kind = rawKind.toLowerCase() as ReferenceKind;
		const slot = Number(rawSlot);
		const sameKind = references.filter((reference) => reference.kind === kind);
		const position = sameKind.findIndex((reference) => reference.slot === slot);
		if (position === -1) {
			const option = `\`${kind}${slot}\``;
			if (sameKind.length === 0) throw new UserError('CitationMissing', 'refusal.citationNoneAttached', { citation, kind: text(`kind.${kind}`), option });
			const attached = sameKind.map((reference) => `${kind}${reference.slot}`).join(', ');
			throw new UserError('CitationMissing', 'refusal.citationOthersAttached', { citation, attached, count: sameKind.length, option });
		}
		return `@${kind}${position + 1}`;
	});
}

function kindOrder(kind: ReferenceKind): number {
	return REFERENCE_KINDS.indexOf(kind);
}

function formatsOf(kind: ReferenceKind): string {
	return KIND_EXTENSIONS[kind].map((extension) => `.${extension}`).join(', ');
}
