import { describe, expect, it } from 'vitest';
import { planImages, type ImageOptions } from '../../../src/services/jobs/image-request.js';
import type { ReferenceInput } from '../../../src/services/jobs/video-request.js';
import { UserError } from '../../../src/services/user-error.js';

const limits = { maxAttachmentBytes: 50 * 1024 * 1024, isKnownModel: (model: string) => model.startsWith('grok-imagine-image') };
const ref = (slot: number, extra: Partial<ReferenceInput> = {}): ReferenceInput => ({ kind: 'image', slot, name: `i${slot}.png`, contentType: 'image/png', size: 1000, url: 'https://cdn.discordapp.com/x', ...extra });
const options = (extra: Partial<ImageOptions> = {}): ImageOptions => ({ prompt: 'a red fox', model: 'grok-imagine-image', count: 2, references: [], ...extra });
const refusalOf = (extra: Partial<ImageOptions>) => {
	try {
		planImages(options(extra), limits);
	} catch (error) {
		if (error instanceof UserError) return [error.identifier, error.message];
		throw error;
	}
	return ['accepted'];
};

describe('planImages', () => {
	it('takes the model\'s default size when none is asked for, and orders references by slot', () => {
		const plan = planImages(options({ references: [ref(3), ref(1)] }), limits);
		expect(plan.size).toBe('1024x1024');
		expect(plan.references.map((reference) => reference.slot)).toEqual([1, 3]);
	});

	it.each([
		[{ prompt: '  ' }, 'PromptBlank'],
		[{ model: 'doubao-seedance-2-0-1080p' }, 'UnknownModel'],
		[{ count: 5 }, 'CountOutOfRange'],
		[{ count: 0 }, 'CountOutOfRange'],
		[{ size: '512x512' }, 'SizeNotOffered'],
		[{ references: [ref(1, { contentType: 'application/pdf', name: 'a.pdf' })] }, 'AttachmentWrongType'],
		[{ references: [ref(1, { size: 31 * 1024 * 1024 })] }, 'AttachmentTooLarge'],
	] as Array<[Partial<ImageOptions>, string]>)('refuses %o before any call, with its own reason (%s)', (extra, identifier) => {
		expect(refusalOf(extra)[0]).toBe(identifier);
	});

	it('names the sizes the model takes when the size is not one of them', () => {
		expect(refusalOf({ size: '512x512' })[1]).toContain('1024x1024, 1536x1024');
	});
});
