import { randomUUID } from 'node:crypto';
import { Routes } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonsOf, galleryOf, textOf, titleOf } from '../stand-ins/discord/stand-in.js';
import { COMPONENTS_V2, componentsV2Problem } from '../stand-ins/discord/messages.js';
import { snowflake } from '../stand-ins/discord/payloads.js';
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
		expect(galleryOf(final)).toEqual([{ url: `attachment://${final.files[0]!.filename}`, description: `a paper boat ${tag}`, spoiler: false }]);
		expect(titleOf(final)).toBe('✅ Video ready');
		expect(textOf(final)).toContain('Model: doubao-seedance-2-0-1080p');
		expect(buttonsOf(final).map((button) => button.label)).toEqual(['Again', 'Edit', 'Delete', 'Report']);
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

	it('still answers the buttons of a result posted before the card (the old embed layout)', async () => {
		const userId = snowflake();
		const first = await h.discord.invoke('video', { prompt: `an old result ${marker()}` }, { userId });
		await first.finished();
		const again = buttonsOf(first.original).find((button) => button.label === 'Again')!.custom_id!;
		// What the bot posted before Components V2: an embed, and the buttons in a top-level row.
		const legacy = (await h.bot.client.rest.post(Routes.channelMessages(h.discord.world.channelId), {
			body: { embeds: [{ title: '✅ Video ready', description: 'an old result' }], components: [{ type: 1, components: [{ type: 2, style: 2, label: 'Again', custom_id: again }] }] },
		})) as { id: string };
		const pressed = await h.discord.press({ id: legacy.id }, again, { userId });
		await pressed.finished();
		expect(titleOf(pressed.original)).toBe('✅ Video ready');
		expect(pressed.original!.files).toHaveLength(1);
		expect(h.discord.violations).toEqual([]);
	});

	it('shows every attached image of /image in one gallery, with an Animate button for each', async () => {
		const handle = await h.discord.invoke('image', { prompt: `two foxes ${marker()}`, count: 2 });
		await handle.finished();
		const final = handle.original!;
		expect(galleryOf(final).map((item) => item.url)).toEqual(final.files.map((file) => `attachment://${file.filename}`));
		expect(buttonsOf(final).map((button) => button.label)).toEqual(['Animate', 'Animate', 'Again', 'Edit', 'Delete', 'Report']);
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
