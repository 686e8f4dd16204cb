import { imageSizes, MAX_IMAGES } from '../relaydance/image-models.js';
import { clip } from '../text.js';
import { UserError } from '../user-error.js';
import { checkReference, checkPrompt, type ReferenceInput, type ValidationLimits } from './video-request.js';

/** Reference images an `/image` request may carry (`image1`..`image4`). */
export const MAX_IMAGE_REFERENCES = 4;

export interface ImageOptions {
	prompt: string;
	model: string;
	count: number;
	size?: string;
	references: ReferenceInput[];
}

export interface ImagePlan extends ImageOptions {
	/** Always set once planned: the size asked for, or the model's default. */
	size: string;
	/** Ordered by slot. */
	references: ReferenceInput[];
}

/** Refuses, before any API call, what RelayDance would refuse, each with its own message; `/video`'s rules for the prompt and references. */
export function planImages(options: ImageOptions, limits: ValidationLimits): ImagePlan {
	const prompt = checkPrompt(options.prompt, 'image');
	if (!limits.isKnownModel(options.model)) {
		throw new UserError('UnknownModel', 'refusal.unknownImageModel', { model: `\`${clip(options.model, 60)}\`` });
	}
	if (!Number.isInteger(options.count) || options.count < 1 || options.count > MAX_IMAGES) {
		throw new UserError('CountOutOfRange', 'refusal.countOutOfRange', { max: MAX_IMAGES, count: options.count });
	}
	const sizes = imageSizes(options.model);
	const size = options.size ?? sizes[0]!;
	if (!sizes.includes(size)) {
		throw new UserError('SizeNotOffered', 'refusal.sizeNotOffered', { model: `\`${options.model}\``, sizes: sizes.join(', '), size: `\`${clip(size, 20)}\`` });
	}
	const references = [...options.references].sort((a, b) => a.slot - b.slot);
	for (const reference of references) {
		if (reference.kind !== 'image') throw new UserError('AttachmentWrongType', 'refusal.imageOnlyReferences', { option: `\`${reference.kind}${reference.slot}\`` });
		checkReference(reference, limits.maxAttachmentBytes);
	}
	if (references.length > MAX_IMAGE_REFERENCES) {
		throw new UserError('AttachmentWrongType', 'refusal.tooManyImageReferences', { max: MAX_IMAGE_REFERENCES, count: references.length });
	}
	return { ...options, prompt, size, references };
}
