import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonsOf, galleryOf, textOf, titleOf } from '../stand-ins/discord/stand-in.js';
import { COMPONENTS_V2, componentsV2Problem } from '../stand-ins/discord/messages.js';
import { startHarness, type Harness } from './support/harness.js';

/** Results as Discord's current layout: one Components V2 card per job, checked by the stand-in as Discord checks it. */
let h: Harness;
beforeAll(async () => {
	h = await startHarness();
});
afterAll(() => h?.close());

const marker = () => `m${randomUUID().slice(0, 8)}`;

describe('the result card (Components V2)', () => {
	it('shows the delivered video in a media gallery, its prompt as alt text, with the settings and Again in the card', async () => {
		const tag = marker();
		const handle = await h.discord.invoke('video', { prompt: `a paper boat ${tag}` });
		await handle.finished();
		const final = handle.original!;
		expect(final.componentsV2).toBe(true);
		expect(final.content).toBe('');
		expect(final.embeds).toEqual([]);
		const [container] = final.components;
		expect(container!.type).toBe(17);
		expect(galleryOf(final)).toEqual([{ url: `attachment://${final.files[0]!.filename}`, description: `a paper boat ${tag}` }]);
		expect(titleOf(final)).toBe('✅ Video ready');
		expect(textOf(final)).toContain('Model: doubao-seedance-2-0-1080p');
		expect(buttonsOf(final).map((button) => button.label)).toEqual(['Again']);
		// Progress was a card too (the deferral, first, is Discord's own "thinking…").
		expect(handle.history.map((message) => Boolean(message.componentsV2))).toEqual([false, ...handle.history.slice(1).map(() => true)]);
		expect(h.discord.violations).toEqual([]);
	});

	it('sends a video over the upload limit as a link, with a Link button to it', async () => {
		const handle = await h.discord.invoke('video', { prompt: `a long take ${marker()}` }, { attachmentSizeLimit: 100 });
		await handle.finished();
		const final = handle.original!;
		expect(final.files).toEqual([]);
		expect(galleryOf(final)).toEqual([]);
		const link = buttonsOf(final).find((button) => button.style === 5);
		expect(link?.url).toMatch(/^http/);
		expect(textOf(final)).toContain('here is a link');
		expect(h.discord.violations).toEqual([]);
	});

	it('shows every attached image of /image in one gallery, with an Animate button for each', async () => {
		const handle = await h.discord.invoke('image', { prompt: `two foxes ${marker()}`, count: 2 });
		await handle.finished();
		const final = handle.original!;
		expect(galleryOf(final).map((item) => item.url)).toEqual(final.files.map((file) => `attachment://${file.filename}`));
		expect(buttonsOf(final).map((button) => button.label)).toEqual(['Animate', 'Animate', 'Again']);
		expect(h.discord.violations).toEqual([]);
	});
});

describe('the stand-in refuses what Discord refuses in a Components V2 message', () => {
	const card = (text: string) => [{ type: 17, components: [{ type: 10, content: text }] }];
	it('content or embeds with the flag', () => {
		expect(componentsV2Problem({ flags: COMPONENTS_V2, content: 'hi', components: card('x') }, [])).toMatch(/LEGACY_FIELDS/);
		expect(componentsV2Problem({ flags: COMPONENTS_V2, embeds: [{ title: 't' }], components: card('x') }, [])).toMatch(/LEGACY_FIELDS/);
	});
	it('more than 40 components, or more than 4,000 characters of text', () => {
		const many = [{ type: 17, components: Array.from({ length: 40 }, () => ({ type: 10, content: 'x' })) }];
		expect(componentsV2Problem({ flags: COMPONENTS_V2, components: many }, [])).toMatch(/41 components/);
		expect(componentsV2Problem({ flags: COMPONENTS_V2, components: card('x'.repeat(4001)) }, [])).toMatch(/4001 characters/);
	});
	it('a gallery naming a file the message does not have, and V2 components without the flag', () => {
		const gallery = [{ type: 12, items: [{ media: { url: 'attachment://a.mp4' } }] }];
		expect(componentsV2Problem({ flags: COMPONENTS_V2, components: gallery }, [])).toMatch(/names no attachment/);
		expect(componentsV2Problem({ flags: COMPONENTS_V2, components: gallery }, [{ id: '1', filename: 'a.mp4', size: 1, contentType: 'video/mp4' }])).toBeUndefined();
		expect(componentsV2Problem({ components: card('x') }, [])).toMatch(/needs the IS_COMPONENTS_V2 flag/);
	});
});
