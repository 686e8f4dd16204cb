import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { buttonsOf, startDiscordStandIn, textOf, type DiscordStandIn, type InteractionHandle, type SentMessage } from '../stand-ins/discord/stand-in.js';
import { startRelayDanceSimulator, type RelayDanceSimulator } from '../stand-ins/relaydance/simulator.js';
import { runScript, type ScriptRun } from './support/bot-process.js';

/**
 * `/image`, the buttons under every result and the "Make a video" message command, through the
 * real bot process (the build `npm start` runs) and both stand-ins.
 */
let discord: DiscordStandIn;
let relaydance: RelayDanceSimulator;
let bot: ScriptRun;
const extra: ScriptRun[] = [];
const CAT = readFileSync(new URL('../stand-ins/fixtures/cat.png', import.meta.url));
const storeUrl = () => `sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-buttons-')), 'store.sqlite')}`;
const env = (store: string, on: DiscordStandIn = discord) => ({
	DISCORD_TOKEN: on.botToken,
	DISCORD_API_URL: on.apiUrl,
	RELAYDANCE_API_KEY: 'sk-buttons-test',
	RELAYDANCE_BASE_URL: relaydance.apiUrl,
	STORE_URL: store,
	POLL_INTERVAL_MS: '50',
	POLL_MAX_INTERVAL_MS: '200',
	EDIT_INTERVAL_MS: '100',
	QUOTA_VIDEO_SECONDS: '30',
	QUOTA_IMAGES: '3',
	// One submit at a time, so a job behind a slow one waits queued (Cancel).
	MAX_SUBMITTING: '1',
	MAX_ACTIVE_JOBS_PER_USER: '3',
	SHUTDOWN_GRACE_MS: '3000',
});
async function startBot(store: string, on: DiscordStandIn = discord): Promise<ScriptRun> {
	const run = runScript('dist/index.js', env(store, on));
	await run.waitForLog('bot ready');
	return run;
}

beforeAll(async () => {
	[discord, relaydance] = await Promise.all([startDiscordStandIn(), startRelayDanceSimulator({ queuedMs: 50, durationMs: 300, imageMs: 50 })]);
	bot = await startBot(storeUrl());
});
afterEach(() => {
	expect(discord.violations).toEqual([]);
});
afterAll(async () => {
	for (const run of [bot, ...extra]) run?.child.kill('SIGKILL');
	await Promise.all([discord?.close(), relaydance?.close()]);
});

const marker = () => `m${randomUUID().slice(0, 8)}`;
const imageCalls = (tag: string) => relaydance.requestsFor(tag).filter((request) => request.path === '/v1/images/generations');
const videoCalls = (tag: string) => relaydance.requestsFor(tag).filter((request) => request.path === '/v1/video/generations');
const button = (message: SentMessage | undefined, label: string, nth = 0) => {
	const found = buttonsOf(message).filter((candidate) => candidate.label === label)[nth];
	if (!found?.custom_id) throw new Error(`no ${label} button on ${JSON.stringify(message?.components)}`);
	return found.custom_id;
};
const answered = (handle: InteractionHandle) => handle.waitFor((h) => h.original !== undefined && (h.callback?.type === 4 || textOf(h.original) !== ''));
const png = (tag: string) => ({ data: Buffer.concat([CAT, Buffer.from(tag)]), name: `${tag}.png`, contentType: 'image/png' });

describe('/image', () => {
	it('posts two images in one reply, with the summary and buttons, and takes 2 from the image quota', async () => {
		const tag = marker();
		const userId = snowflake();
		const handle = await discord.invoke('image', { prompt: `a red fox ${tag}`, count: 2 }, { userId });
		await handle.finished(20_000);
		const reply = handle.original!;
		expect(reply.files.map((file) => file.contentType)).toEqual(['image/png', 'image/png']);
		const text = textOf(reply);
		expect(text).toContain(`a red fox ${tag}`);
		expect(text).toContain('grok-imagine-image');
		expect(text).toContain('1024x1024');
		expect(text).toContain(`<@${userId}>`);
		expect(reply.pinged).toBe(false);
		expect(buttonsOf(reply).map((candidate) => candidate.label)).toEqual(['Animate', 'Animate', 'Again', 'Edit', 'Delete', 'Report']);
		expect(imageCalls(tag)).toHaveLength(1);
		expect(imageCalls(tag)[0]!.body).toMatchObject({ model: 'grok-imagine-image', n: 2, size: '1024x1024' });

		// 3 per window: 2 taken, so 2 more are refused before any call, ephemerally.
		const more = await discord.invoke('image', { prompt: `two more ${tag}`, count: 2 }, { userId });
		await answered(more);
		expect(more.original!.ephemeral).toBe(true);
		expect(textOf(more.original)).toContain('This needs 2 images; you have 1 image of your 3 images left.');
		expect(imageCalls(`two more ${tag}`)).toHaveLength(0);
	});

	it('takes items delivered as b64_json, and shows the prompt as the model rewrote it', async () => {
		const tag = marker();
		const handle = await discord.invoke('image', { prompt: `a lighthouse sim:b64=1 sim:revised ${tag}`, count: 2 });
		await handle.finished(20_000);
		expect(handle.original!.files).toHaveLength(2);
		expect(handle.original!.files.every((file) => file.data?.subarray(1, 4).toString() === 'PNG')).toBe(true);
		expect(textOf(handle.original)).toContain('The model rewrote the prompt as:');
		expect(textOf(handle.original)).toContain('in a vivid illustrated style');
	});

	it('charges only what a partial answer made: 1 of 3', async () => {
		const tag = marker();
		const userId = snowflake();
		const handle = await discord.invoke('image', { prompt: `three owls sim:partial=1 ${tag}`, count: 3 }, { userId });
		await handle.finished(20_000);
		expect(handle.original!.files).toHaveLength(1);
		expect(textOf(handle.original)).toContain('1 of 3 images ready');
		const more = await discord.invoke('image', { prompt: `more owls ${tag}`, count: 3 }, { userId });
		await answered(more);
		expect(textOf(more.original)).toContain('you have 2 images of your 3 images left');
	});

	it('refuses a spent image quota before any call to RelayDance', async () => {
		const tag = marker();
		const userId = snowflake();
		await (await discord.invoke('image', { prompt: `spend ${tag}`, count: 3 }, { userId })).finished(20_000);
		const refused = await discord.invoke('image', { prompt: `over ${tag}`, count: 1 }, { userId });
		await answered(refused);
		expect(refused.original!.ephemeral).toBe(true);
		expect(textOf(refused.original)).toMatch(/you have 0 images of your 3 images left/);
		expect(imageCalls(`over ${tag}`)).toHaveLength(0);
	});

	it('tells the member and gives the images back when RelayDance refuses the generation', async () => {
		const tag = marker();
		const userId = snowflake();
		const handle = await discord.invoke('image', { prompt: `a forbidden thing sim:reject ${tag}`, count: 2 }, { userId });
		await handle.waitFor((h) => /Images failed/.test(textOf(h.original)), 20_000);
		expect(textOf(handle.original)).toContain('RelayDance refused the request');
		expect(textOf(handle.original)).toContain('Your 2 images of quota were given back.');
		// All 3 are there again: 3 more fit.
		const after = await discord.invoke('image', { prompt: `after the refusal ${tag}`, count: 3 }, { userId });
		await after.finished(20_000);
		expect(after.original!.files).toHaveLength(3);
	});

	it('rides out a 429 on the generation and makes the images once', async () => {
		const tag = marker();
		const handle = await discord.invoke('image', { prompt: `a busy hour sim:submit429=1 ${tag}`, count: 1 });
		await handle.finished(20_000);
		expect(handle.original!.files).toHaveLength(1);
		expect(imageCalls(tag)).toHaveLength(2);
		expect(relaydance.requests.filter((request) => request.imageIds && JSON.stringify(request.body).includes(tag))).toHaveLength(1);
	});

	it('refuses a size the model does not take, with the sizes it does', async () => {
		const tag = marker();
		const refused = await discord.invoke('image', { prompt: `a cat ${tag}`, size: '640x480' });
		await answered(refused);
		expect(refused.original!.ephemeral).toBe(true);
		expect(textOf(refused.original)).toContain('makes images of 1024x1024, 1536x1024');
		expect(imageCalls(tag)).toHaveLength(0);
	});
});

describe('buttons', () => {
	it('Again, pressed by the requester, starts the same video again and delivers it; anyone else is told only the requester can', async () => {
		const tag = marker();
		const userId = snowflake();
		const first = await discord.invoke('video', { prompt: `@image1 waves ${tag}`, seconds: 5, image1: png(tag) }, { userId });
		await first.finished(20_000);
		const again = button(first.original, 'Again');

		const stranger = await discord.press(first.original!, again, { userId: snowflake() });
		await answered(stranger);
		expect(stranger.original!.ephemeral).toBe(true);
		expect(textOf(stranger.original)).toContain('Only the person who asked can press Again');
		expect(videoCalls(tag)).toHaveLength(1);

		const pressed = await discord.press(first.original!, again, { userId });
		await pressed.finished(20_000);
		expect(textOf(pressed.original)).toContain('Video ready');
		expect(pressed.original!.files).toHaveLength(1);
		const [original, repeated] = videoCalls(tag).map((request) => request.body as { model: string; prompt: string; seconds: string; metadata: { content: Array<{ image_url: { url: string } }> } });
		expect(repeated).toMatchObject({ model: original!.model, prompt: original!.prompt, seconds: original!.seconds });
		// The reference RelayDance already holds is cited again, not fetched from Discord again.
		expect(repeated!.metadata.content[0]!.image_url.url).toBe(original!.metadata.content[0]!.image_url.url);
	});

	it('Animate, pressed by the requester, opens a form and makes a video of that image; anyone else is refused without a form', async () => {
		const tag = marker();
		const userId = snowflake();
		const images = await discord.invoke('image', { prompt: `a kite ${tag}`, count: 2 }, { userId });
		await images.finished(20_000);
		const second = button(images.original, 'Animate', 1);

		const stranger = await discord.press(images.original!, second, { userId: snowflake() });
		await answered(stranger);
		expect(stranger.modal).toBeUndefined();
		expect(textOf(stranger.original)).toContain('Only the person who asked can press Animate');

		const pressed = await discord.press(images.original!, second, { userId });
		await pressed.waitFor((handle) => handle.modal !== undefined);
		const promptField = JSON.stringify(pressed.modal!.components);
		expect(promptField).toContain('"custom_id":"prompt"');
		const submitted = await discord.submitModal(pressed, { prompt: `@image1 flies away ${tag}`, seconds: '5', image_role: ['reference'] }, { userId });
		await submitted.finished(20_000);
		expect(textOf(submitted.original)).toContain('Video ready');
		const [call] = videoCalls(`flies away ${tag}`);
		const body = call!.body as { prompt: string; seconds: string; metadata: { ratio?: string; generate_audio: boolean; content: Array<{ type: string; role: string }> } };
		expect(body.prompt).toBe(`@image1 flies away ${tag}`);
		// The form's settings reach the request: the seconds typed, the ratio of the image's shape, audio as chosen.
		expect(body.seconds).toBe('5');
		expect(body.metadata.ratio).toBe('1:1');
		expect(body.metadata.generate_audio).toBe(true);
		expect(body.metadata.content).toEqual([expect.objectContaining({ type: 'image_url', role: 'reference_image' })]);
	});

	it('Cancel on a queued job ends it before anything is sent, and gives its quota back; once submitted, the message says it cannot be cancelled', async () => {
		const tag = marker();
		const userId = snowflake();
		// The first job holds the only submit slot for 2 s; the next two wait queued behind it.
		const slow = await discord.invoke('video', { prompt: `slow sim:submitdelay=2000 ${tag}`, seconds: 5 }, { userId });
		await relaydance.waitForRequest((request) => JSON.stringify(request.body ?? '').includes(`slow sim:submitdelay=2000 ${tag}`));
		const cancelled = await discord.invoke('video', { prompt: `cancelled ${tag}`, seconds: 10 }, { userId });
		const later = await discord.invoke('video', { prompt: `later ${tag}`, seconds: 5 }, { userId });
		const offersCancel = (handle: InteractionHandle) => buttonsOf(handle.original).some((candidate) => candidate.label === 'Cancel');
		await Promise.all([cancelled.waitFor(offersCancel), later.waitFor(offersCancel)]);

		const stranger = await discord.press(cancelled.original!, button(cancelled.original, 'Cancel'), { userId: snowflake() });
		await answered(stranger);
		expect(stranger.original!.ephemeral).toBe(true);
		expect(textOf(stranger.original)).toContain('Only the person who asked can press Cancel');
		expect(offersCancel(cancelled)).toBe(true);

		const press = await discord.press(cancelled.original!, button(cancelled.original, 'Cancel'), { userId });
		await cancelled.waitFor((handle) => /Cancelled/.test(textOf(handle.original)));
		await press.waitFor((handle) => handle.callback !== undefined);
		expect(press.callback!.type).toBe(6);
		expect(textOf(cancelled.original)).toContain('Your 10 s of quota were given back.');

		// While the slow one is at RelayDance, its message says it cannot be cancelled and offers no Cancel.
		expect(slow.history.some((message) => textOf(message).includes('cannot be cancelled') && !buttonsOf(message).some((candidate) => candidate.label === 'Cancel'))).toBe(true);
		// The later one, once submitted, loses its Cancel button, and says why.
		await later.waitFor((handle) => textOf(handle.original).includes('cannot be cancelled'));
		expect(buttonsOf(later.original)).toEqual([]);
		await Promise.all([slow.finished(20_000), later.finished(20_000)]);
		expect(videoCalls(`cancelled ${tag}`)).toHaveLength(0);
		// 30 s per window: 5 + 5 kept, the cancelled 10 back, so 15 more still fit (they would not without the refund).
		const fits = await discord.invoke('video', { prompt: `fits ${tag}`, seconds: 15 }, { userId });
		await fits.finished(20_000);
		expect(textOf(fits.original)).toContain('Video ready');
	});

	it('Again still works after the bot was restarted, citing the reference RelayDance already holds', async () => {
		// A Discord of its own, so the shared bot process never sees these interactions.
		const own = await startDiscordStandIn();
		const store = storeUrl();
		try {
			const first = await startBot(store, own);
			extra.push(first);
			const tag = marker();
			const userId = snowflake();
			const job = await own.invoke('video', { prompt: `@image1 restart ${tag}`, seconds: 5, image1: png(tag) }, { userId });
			await job.finished(20_000);
			first.child.kill('SIGTERM');
			await first.exit;
			const second = await startBot(store, own);
			extra.push(second);
			const pressed = await own.press(job.original!, button(job.original, 'Again'), { userId });
			await pressed.finished(20_000);
			expect(textOf(pressed.original)).toContain('Video ready');
			const [before, after] = videoCalls(`restart ${tag}`).map((request) => (request.body as { metadata: { content: Array<{ image_url: { url: string } }> } }).metadata.content[0]!.image_url.url);
			expect(after).toBe(before);
			expect(own.violations).toEqual([]);
			second.child.kill('SIGTERM');
			await second.exit;
		} finally {
			await own.close();
		}
	});
});

describe('Make a video (message menu)', () => {
	it('takes a message\'s 3 images in order, names the PDF as left out, and makes the video', async () => {
		const tag = marker();
		const userId = snowflake();
		const files = [png(`${tag}a`), png(`${tag}b`), { data: Buffer.from('%PDF-1.4 not an image'), name: 'report.pdf', contentType: 'application/pdf' }, png(`${tag}c`)];
		const message = discord.postUserMessage({ userId: snowflake(), content: 'moodboard', attachments: files });
		const menu = await discord.invokeMessageCommand('Make a video', message, { userId });
		await menu.waitFor((handle) => handle.modal !== undefined);
		expect(JSON.stringify(menu.modal!.components)).toContain('@image1 @image2 @image3');
		const submitted = await discord.submitModal(menu, { prompt: `@image1 @image2 @image3 morph ${tag}` }, { userId });
		await submitted.finished(20_000);
		expect(textOf(submitted.original)).toContain('Left out: report.pdf (not an image, video or audio file)');
		const [call] = videoCalls(`morph ${tag}`);
		const content = (call!.body as { metadata: { content: Array<{ image_url: { url: string } }> } }).metadata.content;
		expect(content).toHaveLength(3);
		const uploaded = await Promise.all(content.map(async (item) => Buffer.from(await (await fetch(item.image_url.url)).arrayBuffer()).subarray(CAT.length).toString()));
		expect(uploaded).toEqual([`${tag}a`, `${tag}b`, `${tag}c`]);
	});

	it('refuses a message with nothing usable before any form opens', async () => {
		const message = discord.postUserMessage({ content: 'just text', attachments: [{ data: Buffer.from('%PDF'), name: 'a.pdf', contentType: 'application/pdf' }] });
		const menu = await discord.invokeMessageCommand('Make a video', message);
		await answered(menu);
		expect(menu.modal).toBeUndefined();
		expect(menu.original!.ephemeral).toBe(true);
		expect(textOf(menu.original)).toContain('no image, video or audio attachment');
	});
});
