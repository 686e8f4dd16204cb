import { describe, expect, it } from 'vitest';
import { takeAttachments } from '../../src/commands/make-video.js';
import { ratioOfSize } from '../../src/commands/video-form.js';
import { formId, jobButtonId, parseForm, parseJobButton } from '../../src/discord/custom-ids.js';

const file = (name: string, contentType: string | null) => ({ name, contentType, size: 1000, url: `https://cdn.discordapp.com/attachments/1/2/${name}` });

describe('Make a video takes a message\'s attachments', () => {
	it('cites images in message order and names what it left out', () => {
		const taken = takeAttachments([file('b.png', 'image/png'), file('report.pdf', 'application/pdf'), file('a.jpg', 'image/jpeg'), file('c.webp', null)]);
		expect(taken.references.map((reference) => `${reference.kind}${reference.slot}:${reference.name}`)).toEqual(['image1:b.png', 'image2:a.jpg', 'image3:c.webp']);
		expect(taken.leftOut).toEqual(['report.pdf (not an image, video or audio file)']);
	});

	it('takes at most 9 images, 3 videos and 3 audio tracks, naming the extras', () => {
		const images = Array.from({ length: 10 }, (_, index) => file(`i${index + 1}.png`, 'image/png'));
		const videos = Array.from({ length: 4 }, (_, index) => file(`v${index + 1}.mp4`, 'video/mp4'));
		const taken = takeAttachments([...images, ...videos, file('s.mp3', 'audio/mpeg')]);
		expect(taken.references.filter((reference) => reference.kind === 'image')).toHaveLength(9);
		expect(taken.references.filter((reference) => reference.kind === 'video')).toHaveLength(3);
		expect(taken.leftOut).toEqual(['i10.png (one request takes at most 9 images)', 'v4.mp4 (one request takes at most 3 videos)']);
	});
});

describe('custom ids', () => {
	it('round-trip the job a button acts on, under 100 characters', () => {
		const jobId = '0b7f3c1e-4a59-4c0b-9d8e-2f6a1b3c4d5e';
		for (const id of [jobButtonId('again', jobId), jobButtonId('animate', jobId, 4), jobButtonId('cancel', jobId), formId('animate', jobId, 2), formId('make-video', jobId)]) {
			expect(id.length).toBeLessThanOrEqual(100);
		}
		expect(parseJobButton(jobButtonId('animate', jobId, 4))).toEqual({ action: 'animate', jobId, index: 4 });
		expect(parseJobButton(jobButtonId('cancel', jobId))).toEqual({ action: 'cancel', jobId });
		expect(parseForm(formId('make-video', jobId))).toEqual({ kind: 'make-video', key: jobId });
		expect(parseJobButton('someone-elses-button')).toBeUndefined();
	});
});

describe('Animate keeps the image\'s shape', () => {
	it.each([
		['1024x1024', '1:1'],
		['1792x1024', '16:9'],
		['1024x1536', '3:4'],
	])('%s → %s', (size, ratio) => expect(ratioOfSize(size)).toBe(ratio));
});
