import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { buttonsOf, textOf, type InteractionHandle, type SentMessage } from '../stand-ins/discord/stand-in.js';
import { fixtures, startHarness, type Harness } from './support/harness.js';

/** Issue 16's creative controls through the real bot and both stand-ins: start and end frames, and Edit. */
let h: Harness;
beforeAll(async () => {
	h = await startHarness({ QUOTA_IMAGES: '20' }, { imageMs: 50 });
});
afterEach(() => {
	expect(h.discord.violations).toEqual([]);
});
afterAll(async () => {
	await h?.close();
});

type VideoBody = { prompt: string; seconds: string; metadata: { ratio?: string; generate_audio: boolean; content?: Array<{ type: string; role: string; image_url?: { url: string } }> } };
const marker = () => `m${randomUUID().slice(0, 8)}`;
const videoCalls = (tag: string) => h.relaydance.requestsFor(tag).filter((request) => request.path === '/v1/video/generations').map((request) => request.body as VideoBody);
const imageCalls = (tag: string) => h.relaydance.requestsFor(tag).filter((request) => request.path === '/v1/images/generations');
const uploadsOf = (name: string) => h.relaydance.requests.filter((request) => request.path === '/v1/files' && (request.body as { name: string }).name === name);
const png = (name: string) => ({ ...fixtures.catPng(), name: `${name}.png` });
const answered = (handle: InteractionHandle) => handle.waitFor((x) => x.original !== undefined && (x.callback?.type === 4 || textOf(x.original) !== ''));
const used = async (userId: string) => (await h.bot.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used;
const button = (message: SentMessage | undefined, label: string, nth = 0) => {
	const found = buttonsOf(message).filter((candidate) => candidate.label === label)[nth];
	if (!found?.custom_id) throw new Error(`no ${label} button on ${JSON.stringify(message?.components)}`);
	return found.custom_id;
};

describe('/video first_frame and last_frame', () => {
	it('sends the two images with the frame roles and no reference, and shows them as frames', async () => {
		const tag = marker();
		const handle = await h.discord.invoke('video', { prompt: `a door opens ${tag}`, seconds: 5, first_frame: png(`${tag}-first`), last_frame: png(`${tag}-last`) });
		await handle.finished();
		const [body] = videoCalls(tag);
		expect(body!.prompt).toBe(`a door opens ${tag}`);
		expect(body!.metadata.content).toEqual([
			{ type: 'image_url', image_url: { url: expect.stringMatching(/\/files\/file_/) }, role: 'first_frame' },
			{ type: 'image_url', image_url: { url: expect.stringMatching(/\/files\/file_/) }, role: 'last_frame' },
		]);
		expect(uploadsOf(`${tag}-first.png`)).toHaveLength(1);
		expect(uploadsOf(`${tag}-last.png`)).toHaveLength(1);
		expect(textOf(handle.original)).toContain('✅ Video ready');
		expect(textOf(handle.original)).toContain('Frames: start and end');

		// Again cites RelayDance's copies of the frames, with their roles.
		const again = await h.discord.press(handle.original!, button(handle.original, 'Again'), { userId: handle.userId });
		await again.finished();
		const [, repeated] = videoCalls(tag);
		expect(repeated!.metadata.content).toEqual(body!.metadata.content);
		expect(uploadsOf(`${tag}-first.png`)).toHaveLength(1);
	});

	it('refuses frames mixed with image1 ephemerally, before any upload or submit and without taking quota', async () => {
		const tag = marker();
		const userId = snowflake();
		const handle = await h.discord.invoke('video', { prompt: `mixed ${tag}`, seconds: 5, first_frame: png(`${tag}-first`), image1: png(`${tag}-ref`) }, { userId });
		await answered(handle);
		expect(handle.callback?.type).toBe(4);
		expect(handle.original!.ephemeral).toBe(true);
		expect(textOf(handle.original)).toContain('cannot go with reference media; you also attached `image1`');
		expect(videoCalls(tag)).toHaveLength(0);
		expect(uploadsOf(`${tag}-first.png`)).toHaveLength(0);
		expect(uploadsOf(`${tag}-ref.png`)).toHaveLength(0);
		expect(await used(userId)).toBe(0);
	});

	it('refuses a last_frame without a first_frame', async () => {
		const tag = marker();
		const handle = await h.discord.invoke('video', { prompt: `ends ${tag}`, seconds: 5, last_frame: png(`${tag}-last`) });
		await answered(handle);
		expect(handle.original!.ephemeral).toBe(true);
		expect(textOf(handle.original)).toContain('A `last_frame` needs a `first_frame`');
		expect(videoCalls(tag)).toHaveLength(0);
		expect(uploadsOf(`${tag}-last.png`)).toHaveLength(0);
	});
});

describe('Animate: start frame or reference', () => {
	it('sends the image as the first frame by default, and as a reference when the form says so', async () => {
		const tag = marker();
		const userId = snowflake();
		const images = await h.discord.invoke('image', { prompt: `a kite ${tag}`, count: 1 }, { userId });
		await images.finished();

		const pressed = await h.discord.press(images.original!, button(images.original, 'Animate'), { userId });
		await pressed.waitFor((x) => x.modal !== undefined);
		expect(JSON.stringify(pressed.modal!.components)).toContain('"custom_id":"image_role"');
		const framed = await h.discord.submitModal(pressed, { prompt: `rises ${tag}`, seconds: '5' }, { userId });
		await framed.finished();
		const [first] = videoCalls(`rises ${tag}`);
		expect(first!.prompt).toBe(`rises ${tag}`);
		expect(first!.metadata.content).toEqual([expect.objectContaining({ type: 'image_url', role: 'first_frame' })]);

		const again = await h.discord.press(images.original!, button(images.original, 'Animate'), { userId });
		await again.waitFor((x) => x.modal !== undefined);
		const referenced = await h.discord.submitModal(again, { prompt: `@image1 falls ${tag}`, seconds: '5', image_role: ['reference'] }, { userId });
		await referenced.finished();
		const [second] = videoCalls(`falls ${tag}`);
		expect(second!.prompt).toBe(`@image1 falls ${tag}`);
		expect(second!.metadata.content).toEqual([expect.objectContaining({ type: 'image_url', role: 'reference_image' })]);
	});
});

describe('Edit', () => {
	it('opens a form holding the old prompt; a changed prompt goes with the old settings and reference; a stranger is refused', async () => {
		const tag = marker();
		const userId = snowflake();
		const first = await h.discord.invoke('video', { prompt: `@image1 waves ${tag}`, seconds: 6, ratio: '9:16', audio: false, image1: png(`${tag}-ref`) }, { userId });
		await first.finished();
		const edit = button(first.original, 'Edit');

		const stranger = await h.discord.press(first.original!, edit, { userId: snowflake() });
		await answered(stranger);
		expect(stranger.modal).toBeUndefined();
		expect(stranger.original!.ephemeral).toBe(true);
		expect(textOf(stranger.original)).toContain('Only the person who asked can press Edit');

		const pressed = await h.discord.press(first.original!, edit, { userId });
		await pressed.waitFor((x) => x.modal !== undefined);
		expect(JSON.stringify(pressed.modal!.components)).toContain(`"value":"@image1 waves ${tag}"`);
		const sent = await h.discord.submitModal(pressed, { prompt: `@image1 waves goodbye ${tag}` }, { userId });
		await sent.finished();
		expect(textOf(sent.original)).toContain('✅ Video ready');
		const [original, edited] = videoCalls(tag);
		expect(edited!.prompt).toBe(`@image1 waves goodbye ${tag}`);
		expect(edited).toMatchObject({ seconds: '6', metadata: { ratio: '9:16', generate_audio: false } });
		// The reference RelayDance holds is cited again, not uploaded again.
		expect(edited!.metadata.content).toEqual(original!.metadata.content);
		expect(uploadsOf(`${tag}-ref.png`)).toHaveLength(1);
		expect(await used(userId)).toBe(12);
	});

	it('on images: the form holds the prompt, count and size; the edit keeps them unless changed', async () => {
		const tag = marker();
		const userId = snowflake();
		const images = await h.discord.invoke('image', { prompt: `a red fox ${tag}`, count: 2, size: '1536x1024' }, { userId });
		await images.finished();
		expect(buttonsOf(images.original).map((candidate) => candidate.label)).toEqual(['Animate', 'Animate', 'Again', 'Edit', 'Delete', 'Report']);
		const pressed = await h.discord.press(images.original!, button(images.original, 'Edit'), { userId });
		await pressed.waitFor((x) => x.modal !== undefined);
		const sent = await h.discord.submitModal(pressed, { prompt: `a blue fox ${tag}` }, { userId });
		await sent.finished();
		const [, edited] = imageCalls(tag);
		expect(edited!.body).toMatchObject({ prompt: `a blue fox ${tag}`, n: 2, size: '1536x1024' });
	});
});
