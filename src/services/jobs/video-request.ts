import { secondsRange } from '../relaydance/model-catalog.js';
import { clip, formatBytes, MB } from '../text.js';
import { UserError } from '../user-error.js';
import { frameCited, frameName, framesWithReferences, LAST_FRAME_ALONE } from '../../discord/render-creative.js';

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
	const prompt = checkPrompt(options.prompt, 'the video');
	if (!limits.isKnownModel(options.model)) {
		throw new UserError('UnknownModel', `\`${clip(options.model, 60)}\` is not a RelayDance video model. Pick one from the list as you type \`model\`.`);
	}
	const range = secondsRange(options.model);
	if (!Number.isInteger(options.seconds) || options.seconds < range.min || options.seconds > range.max) {
		throw new UserError('SecondsOutOfRange', `\`${options.model}\` makes clips of ${range.min}–${range.max} seconds; you asked for ${options.seconds}.`);
	}

	const frames = options.references.filter((reference) => reference.role).sort((a, b) => FRAME_ROLES.indexOf(a.role!) - FRAME_ROLES.indexOf(b.role!));
	const references = options.references.filter((reference) => !reference.role).sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind) || a.slot - b.slot);
	if (frames.length > 0) return planFrames(options, prompt, frames, references, limits);
	for (const reference of references) checkReference(reference, limits.maxAttachmentBytes);
	for (const kind of REFERENCE_KINDS) {
		const count = references.filter((reference) => reference.kind === kind).length;
		if (count > MAX_REFERENCES[kind]) {
			throw new UserError('AttachmentWrongType', `At most ${MAX_REFERENCES[kind]} ${kind} references fit in one request; you attached ${count}.`);
		}
	}
	if (references.length > 0 && references.every((reference) => reference.kind === 'audio')) {
		throw new UserError('AudioOnlyReference', 'Audio cannot be the only reference: add an image or a video for it to go with.');
	}
	return { ...options, prompt, references, apiPrompt: renumberCitations(prompt, references) };
}

/** Frame mode: no reference media beside the frames, a last frame only after a first, and nothing cited (the prompt goes as written). */
function planFrames(options: VideoOptions, prompt: string, frames: ReferenceInput[], references: ReferenceInput[], limits: ValidationLimits): VideoPlan {
	if (references.length > 0) throw new UserError('FramesWithReferences', framesWithReferences(references.map(referenceLabel)));
	if (!frames.some((frame) => frame.role === 'first_frame')) throw new UserError('LastFrameAlone', LAST_FRAME_ALONE);
	for (const frame of frames) checkReference({ ...frame, kind: 'image' }, limits.maxAttachmentBytes); // a frame is an image, whatever it says
	const citation = /@(image|video|audio)\d+\b/i.exec(prompt);
	if (citation) throw new UserError('FrameCited', frameCited(citation[0]));
	return { ...options, prompt, references: frames, apiPrompt: prompt };
}

/** How messages name a reference: its option, `image3`, or `first_frame` for a frame. */
export function referenceLabel(reference: Pick<ReferenceInput, 'kind' | 'slot' | 'role'>): string {
	return reference.role ? frameName(reference.role) : `\`${reference.kind}${reference.slot}\``;
}

/** The prompt trimmed, or a refusal when it is blank or longer than the model reads. */
export function checkPrompt(raw: string, what: string): string {
	const prompt = raw.trim();
	if (!prompt) throw new UserError('PromptBlank', `The prompt is empty. Describe ${what} you want, e.g. \`a cat dancing in the rain\`.`);
	if (prompt.length > PROMPT_MAX_LENGTH) {
		throw new UserError('PromptTooLong', `The prompt is ${prompt.length} characters; the model reads at most ${PROMPT_MAX_LENGTH}. Shorten it and try again.`);
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
		throw new UserError('AttachmentWrongType', `${label} is not ${article(reference.kind)} ${reference.kind} file${type ? ` (it is ${type})` : ''}. Attach ${formatsOf(reference.kind)}.`);
	}
	const max = Math.min(KIND_MAX_BYTES[reference.kind], hardCap);
	if (reference.size > max) {
		throw new UserError('AttachmentTooLarge', `${label} is ${formatBytes(reference.size)}; ${reference.kind} references may be at most ${formatBytes(max)}.`);
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
			const attached = sameKind.length === 0 ? `no ${kind} is attached` : `only ${sameKind.map((reference) => `${kind}${reference.slot}`).join(', ')} ${sameKind.length === 1 ? 'is' : 'are'} attached`;
			throw new UserError('CitationMissing', `Your prompt cites ${citation}, but ${attached}. Attach it as the \`${kind}${slot}\` option or change the prompt.`);
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

function article(kind: ReferenceKind): string {
	return kind === 'image' || kind === 'audio' ? 'an' : 'a';
}
