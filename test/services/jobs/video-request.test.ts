import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/services/user-error.js';
import { planVideo, type ReferenceInput, type VideoOptions } from '../../../src/services/jobs/video-request.js';

const limits = { maxAttachmentBytes: 50 * 1024 * 1024, isKnownModel: () => true };
const ref = (kind: ReferenceInput['kind'], slot: number, extra: Partial<ReferenceInput> = {}): ReferenceInput => ({
	kind,
	slot,
	name: `${kind}${slot}.${kind === 'image' ? 'png' : kind === 'video' ? 'mp4' : 'mp3'}`,
	contentType: kind === 'image' ? 'image/png' : kind === 'video' ? 'video/mp4' : 'audio/mpeg',
	size: 1000,
	url: 'https://cdn.example/x',
	...extra,
});
const options = (extra: Partial<VideoOptions> = {}): VideoOptions => ({ prompt: 'a cat', model: 'doubao-seedance-2-0-1080p', seconds: 5, audio: true, references: [], ...extra });
const refusalOf = (extra: Partial<VideoOptions>, maxAttachmentBytes = limits.maxAttachmentBytes) => {
	try {
		planVideo(options(extra), { ...limits, maxAttachmentBytes });
	} catch (error) {
		if (error instanceof UserError) return error.identifier;
		throw error;
	}
	return 'accepted';
};

describe('planVideo', () => {
	it('orders references images, videos, audio, each by slot, as content[] needs', () => {
		const plan = planVideo(options({ prompt: '@video1 and @image2', references: [ref('audio', 1), ref('video', 1), ref('image', 2), ref('image', 1)] }), limits);
		expect(plan.references.map((reference) => `${reference.kind}${reference.slot}`)).toEqual(['image1', 'image2', 'video1', 'audio1']);
		expect(plan.apiPrompt).toBe('@video1 and @image2');
	});

	it('renumbers citations past an empty slot, case-insensitively', () => {
		const plan = planVideo(options({ prompt: '@Image4 meets @image1', references: [ref('image', 1), ref('image', 4)] }), limits);
		expect(plan.apiPrompt).toBe('@image2 meets @image1');
	});

	it('trims the prompt', () => {
		expect(planVideo(options({ prompt: '  hi  ' }), limits).prompt).toBe('hi');
	});

	it.each([
		[{ prompt: ' \n ' }, 'PromptBlank'],
		[{ prompt: 'x'.repeat(501) }, 'PromptTooLong'],
		[{ seconds: 3 }, 'SecondsOutOfRange'],
		[{ seconds: 16 }, 'SecondsOutOfRange'],
		[{ model: 'seedance-1-5-pro', seconds: 13 }, 'SecondsOutOfRange'],
		[{ references: [ref('image', 1, { contentType: 'video/mp4' })] }, 'AttachmentWrongType'],
		[{ references: [ref('video', 1, { contentType: undefined, name: 'clip.exe' })] }, 'AttachmentWrongType'],
		[{ references: [ref('video', 1, { size: 51 * 1024 * 1024 })] }, 'AttachmentTooLarge'],
		[{ prompt: '@video2', references: [ref('video', 1), ref('image', 1)] }, 'CitationMissing'],
		[{ references: [ref('audio', 1), ref('audio', 2)] }, 'AudioOnlyReference'],
	] as Array<[Partial<VideoOptions>, string]>)('refuses %o as %s', (extra, identifier) => {
		expect(refusalOf(extra)).toBe(identifier);
	});

	it('accepts a file with no content type when its extension fits', () => {
		expect(refusalOf({ references: [ref('image', 1, { contentType: undefined, name: 'cat.JPG' })] })).toBe('accepted');
	});

	it('applies the hard cap below the per-kind limit', () => {
		expect(refusalOf({ references: [ref('image', 1, { size: 6 * 1024 * 1024 })] }, 5 * 1024 * 1024)).toBe('AttachmentTooLarge');
	});

	it('refuses a model the catalog does not know', () => {
		expect(() => planVideo(options({ model: 'nope' }), { ...limits, isKnownModel: () => false })).toThrow(/not a RelayDance video model/);
	});
});

describe('planVideo with start and end frames', () => {
	const first = ref('image', 1, { role: 'first_frame' });
	const last = ref('image', 2, { role: 'last_frame' });

	it('puts the first frame before the last, and sends the prompt as written', () => {
		const plan = planVideo(options({ prompt: 'a door opens', references: [last, first] }), limits);
		expect(plan.references.map((reference) => reference.role)).toEqual(['first_frame', 'last_frame']);
		expect(plan.apiPrompt).toBe('a door opens');
	});

	it('refuses frames with any reference media, a last frame alone, and a cited image', () => {
		expect(refusalOf({ references: [first, ref('image', 1)] })).toBe('FramesWithReferences');
		expect(refusalOf({ references: [first, ref('audio', 1)] })).toBe('FramesWithReferences');
		expect(refusalOf({ references: [last] })).toBe('LastFrameAlone');
		expect(refusalOf({ prompt: '@image1 opens', references: [first] })).toBe('FrameCited');
		expect(refusalOf({ references: [ref('video', 1, { role: 'first_frame', contentType: 'video/mp4' })] })).toBe('AttachmentWrongType');
	});
});
