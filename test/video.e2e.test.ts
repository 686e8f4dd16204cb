import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { titleOf, textOf, type InteractionHandle } from '../stand-ins/discord/stand-in.js';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { SAMPLE_VIDEO } from '../stand-ins/relaydance/simulator.js';
import { fixtures, startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
	h = await startHarness({ POLL_TIMEOUT_MS: '4000', MAX_OUTPUT_MB: '20' });
});
afterAll(async () => {
	await h?.close();
});

/** A unique word for one test's prompt, so its RelayDance traffic can be told apart. */
const marker = () => `m${randomUUID().slice(0, 8)}`;
const submissions = (tag: string) => h.relaydance.requestsFor(tag).filter((request) => request.path === '/v1/video/generations');
const isDeferred = (handle: InteractionHandle) => handle.callback?.type === 5;
const refusal = (handle: InteractionHandle) => {
	expect(handle.callback?.type).toBe(4);
	expect(handle.original?.ephemeral).toBe(true);
	return handle.original!.content;
};

describe('/video', () => {
	it('defers at once, shows progress, then delivers the MP4 made from a reference image with audio', async () => {
		const tag = marker();
		const handle = await h.discord.invoke('video', { prompt: `@image1 dances in the rain ${tag}`, image1: fixtures.catPng(), seconds: 5, audio: true });
		await handle.finished();

		expect(isDeferred(handle)).toBe(true);
		expect(handle.firstResponseMs).toBeLessThan(3_000);
		const headlines = handle.history.map((message) => titleOf(message));
		expect(headlines.some((title) => title.startsWith('🎬 Generating your video'))).toBe(true);
		expect(handle.history.filter((message) => textOf(message).includes('Started <t:')).length).toBeGreaterThan(1);

		const [submit] = submissions(tag);
		const body = submit!.body as { prompt: string; seconds: unknown; metadata: { generate_audio: boolean; content: Array<Record<string, unknown>> } };
		expect(body.seconds).toBe('5');
		expect(body.metadata.generate_audio).toBe(true);
		expect(body.metadata.content).toEqual([{ type: 'image_url', image_url: { url: expect.stringMatching(/\/files\/file_/) }, role: 'reference_image' }]);
		expect(body.prompt).toBe(`@image1 dances in the rain ${tag}`);
		expect(h.relaydance.requests.some((request) => request.path === '/v1/files' && (request.body as { bytes: number }).bytes === fixtures.catPng().data.length)).toBe(true);

		const final = handle.original!;
		expect(final.files).toHaveLength(1);
		expect(final.files[0]!.filename).toMatch(/^relaydance-task_\w+\.mp4$/);
		expect(final.files[0]!.data!.equals(SAMPLE_VIDEO)).toBe(true);
		const text = textOf(final);
		for (const expected of ['✅ Video ready', 'Model: doubao-seedance-2-0-1080p', 'Length: 5 s', 'Audio: on', 'References: 1 image', `Requested by <@${handle.userId}>`]) {
			expect(text).toContain(expected);
		}
		expect(h.discord.violations).toEqual([]);
	});

	it('a deferral answered 502 after Discord took it still delivers the video', async () => {
		const tag = marker();
		const userId = snowflake();
		const handle = await h.discord.invoke('video', { prompt: `a kite over dunes ${tag}`, seconds: 5 }, { userId, callbackTakenThen: 502 });
		await handle.finished();
		expect(isDeferred(handle)).toBe(true);
		expect(handle.rejections.map((rejection) => [rejection.status, rejection.code])).toEqual([[400, 40060]]);
		expect(textOf(handle.original)).toContain('✅ Video ready');
		expect(handle.original!.files[0]!.data!.equals(SAMPLE_VIDEO)).toBe(true);
		expect(submissions(tag)).toHaveLength(1);
		expect((await h.bot.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used).toBe(5);
	});

	it('sends generate_audio false and says so when audio is off', async () => {
		const tag = marker();
		const handle = await h.discord.invoke('video', { prompt: `a quiet lake ${tag}`, audio: false, ratio: '9:16', resolution: '720p' });
		await handle.finished();
		const body = submissions(tag)[0]!.body as { metadata: Record<string, unknown> };
		expect(body.metadata).toMatchObject({ generate_audio: false, ratio: '9:16', resolution: '720p' });
		expect(body.metadata).not.toHaveProperty('content');
		expect(textOf(handle.original)).toContain('Audio: off');
		expect(handle.original!.files).toHaveLength(1);
	});

	it('explains a failed task in plain words and refunds the quota', async () => {
		const tag = marker();
		const userId = snowflake();
		const handle = await h.discord.invoke('video', { prompt: `a storm sim:fail=OutputVideoSensitiveContentDetected ${tag}`, seconds: 8 }, { userId });
		await handle.finished();
		const text = textOf(handle.original);
		expect(text).toContain('❌ Video failed');
		expect(text).toContain('blocked by the safety filter');
		expect(text).toContain('Your 8 s of quota were given back.');
		expect(handle.original!.files).toHaveLength(0);
		expect((await h.bot.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used).toBe(0);
	});

	it('refuses before any API call when the quota is spent, saying what is left and when it resets', async () => {
		const tag = marker();
		const userId = snowflake();
		await h.bot.context.quotas.video.reserveAll([{ subject: `${h.discord.world.guildId}:${userId}`, limit: 30, scope: 'member' }], 27, 'earlier-job');
		const before = h.relaydance.requests.length;
		const handle = await h.discord.invoke('video', { prompt: `one more ${tag}`, seconds: 5 }, { userId });
		await handle.waitFor((handle) => handle.callback !== undefined);
		const message = refusal(handle);
		expect(message).toContain('This needs 5 s of video; you have 3 s of your 30 s left.');
		expect(message).toMatch(/resets <t:\d+:R>/);
		expect(h.relaydance.requests.length).toBe(before);
		expect((await h.bot.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used).toBe(27);
	});

	it('submits exactly two of ten simultaneous requests from a member with room for two', async () => {
		const userId = snowflake();
		const tag = marker();
		const handles = await Promise.all(
			Array.from({ length: 10 }, (_, index) => h.discord.invoke('video', { prompt: `race ${index} ${tag}`, seconds: 12 }, { userId })),
		);
		await Promise.all(handles.map((handle) => handle.waitFor((handle) => handle.callback !== undefined)));
		const accepted = handles.filter(isDeferred);
		expect(accepted).toHaveLength(2);
		for (const refused of handles.filter((handle) => !isDeferred(handle))) expect(refusal(refused)).toContain('you have 6 s of your 30 s left');
		await Promise.all(accepted.map((handle) => handle.finished()));
		expect(submissions(tag)).toHaveLength(2);
		expect((await h.bot.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used).toBe(24);
	});

	describe('refuses bad input with its own ephemeral message, before any API call', () => {
		const image = () => fixtures.catPng();
		const cases: Array<[string, Record<string, unknown>, string]> = [
			['a blank prompt', { prompt: '   ' }, 'The prompt is empty'],
			['a prompt over 500 characters', { prompt: 'x'.repeat(501) }, 'The prompt is 501 characters; the model reads at most 500'],
			['seconds outside the model range', { prompt: 'short', seconds: 2 }, 'makes clips of 4–15 seconds; you asked for 2'],
			['a 13-second clip on a 12-second model', { prompt: 'long', seconds: 13, model: 'seedance-1-5-pro-with-audio' }, 'makes clips of 4–12 seconds'],
			['an unknown model', { prompt: 'hi', model: 'sora-9' }, '`sora-9` is not a RelayDance video model'],
			['an audio file given as an image', { prompt: 'hi', image1: fixtures.beatMp3() }, '`image1` (beat.mp3) is not an image file (it is audio/mpeg)'],
			['an image over 30 MB', { prompt: 'hi', image1: { ...image(), size: 31 * 1024 * 1024 } }, 'is 31.0 MB; image references may be at most 30.0 MB'],
			['@image3 cited with two images', { prompt: '@image3 waves', image1: image(), image2: image() }, 'Your prompt cites @image3, but only image1, image2 are attached'],
			['audio as the only reference', { prompt: 'dance to @audio1', audio1: fixtures.beatMp3() }, 'Audio cannot be the only reference'],
		];
		it.each(cases)('%s', async (_name, options, expected) => {
			const tag = marker();
			const before = h.relaydance.requests.length;
			const userId = snowflake();
			const values = { ...options, prompt: `${String(options.prompt)}${String(options.prompt).trim() ? ` ${tag}` : ''}` } as Parameters<Harness['discord']['invoke']>[1];
			if (String(options.prompt).length > 500) values.prompt = String(options.prompt);
			const handle = await h.discord.invoke('video', values, { userId });
			await handle.waitFor((handle) => handle.callback !== undefined);
			expect(refusal(handle)).toContain(expected);
			expect(h.relaydance.requests.length).toBe(before);
			expect((await h.bot.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used).toBe(0);
		});
	});

	it('renumbers citations so @image3 means the image3 option even when image2 is empty', async () => {
		const tag = marker();
		const handle = await h.discord.invoke('video', { prompt: `@image1 hugs @image3 ${tag}`, image1: fixtures.catPng(), image3: fixtures.catPng() });
		await handle.finished();
		const body = submissions(tag)[0]!.body as { prompt: string; metadata: { content: unknown[] } };
		expect(body.prompt).toBe(`@image1 hugs @image2 ${tag}`);
		expect(body.metadata.content).toHaveLength(2);
	});

	it('checks a reference against its declared size while downloading it, and refunds when it lies', async () => {
		const tag = marker();
		const userId = snowflake();
		const handle = await h.discord.invoke('video', { prompt: `@image1 ${tag}`, image1: { ...fixtures.catPng(), size: 1000 } }, { userId });
		await handle.finished();
		expect(textOf(handle.original)).toContain('A reference attachment could not be read from Discord');
		expect(submissions(tag)).toHaveLength(0);
		expect((await h.bot.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used).toBe(0);
	});

	it('refuses a reference whose download is not the kind it claimed', async () => {
		const tag = marker();
		const handle = await h.discord.invoke('video', { prompt: `@image1 ${tag}`, image1: { ...fixtures.beatMp3(), name: 'cat.png', contentType: 'image/png' } });
		await handle.finished();
		expect(submissions(tag)).toHaveLength(0);
		expect(textOf(handle.original)).toContain('A reference is not what its name says: image1 (cat.png) holds audio/mpeg, not an image');
	});

	it('posts a link with an expiry note, and tries no upload, when the video is over the upload limit', async () => {
		const handle = await h.discord.invoke('video', { prompt: `huge sim:bytes=12000000 ${marker()}` }, { attachmentSizeLimit: 10 * 1024 * 1024 });
		await handle.finished();
		const text = textOf(handle.original);
		expect(text).toContain("larger than this channel's 10.0 MB upload limit");
		expect(text).toMatch(/\[relaydance-task_\w+\.mp4\]\(http:\/\/127\.0\.0\.1:\d+\/outputs\//);
		expect(text).toMatch(/The link expires <t:\d+:R>/);
		expect(handle.original!.files).toHaveLength(0);
		expect(handle.rejections).toEqual([]);
	});

	it('sends the link, downloads nothing and keeps the charge when the video is over MAX_OUTPUT_MB', async () => {
		const userId = snowflake();
		const handle = await h.discord.invoke('video', { prompt: `enormous sim:bytes=30000000 ${marker()}`, seconds: 5 }, { userId, attachmentSizeLimit: 50 * 1024 * 1024 });
		await handle.finished();
		const text = textOf(handle.original);
		expect(text).toContain('✅ Video ready');
		expect(text).toContain('The file is larger than this bot downloads, so here is a link');
		expect(text).toMatch(/\[relaydance-task_\w+\.mp4\]\(http:\/\/127\.0\.0\.1:\d+\/outputs\//);
		expect(handle.original!.files).toHaveLength(0);
		expect(handle.rejections).toEqual([]);
		expect((await h.bot.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used).toBe(5);
	});

	it('follows a redirected video link and delivers the video', async () => {
		const handle = await h.discord.invoke('video', { prompt: `moved sim:redirect=3 ${marker()}` });
		await handle.finished();
		expect(textOf(handle.original)).toContain('✅ Video ready');
		expect(handle.original!.files[0]!.data!.equals(SAMPLE_VIDEO)).toBe(true);
	});

	it('never fetches a result link on a private address, and tells the member and refunds', async () => {
		const userId = snowflake();
		let hits = 0;
		const trap = createServer((_req, res) => {
			hits++;
			res.end('trap');
		});
		await new Promise<void>((resolve) => trap.listen(Number(new URL(h.relaydance.url).port), '127.0.0.2', resolve));
		try {
			const handle = await h.discord.invoke('video', { prompt: `inside job sim:resulthost=127.0.0.2 ${marker()}`, seconds: 4 }, { userId });
			await handle.finished();
			const text = textOf(handle.original);
			expect(text).toContain('The video was made, but the bot could not fetch it from RelayDance (its link points into a private network');
			expect(text).toContain('Your 4 s of quota were given back.');
			expect(hits).toBe(0);
			expect((await h.bot.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used).toBe(0);
		} finally {
			await new Promise((resolve) => trap.close(resolve));
		}
	});

	it('spools a video served without a length to disk, then attaches it whole', async () => {
		const handle = await h.discord.invoke('video', { prompt: `unsized sim:chunked sim:bytes=3000000 ${marker()}` });
		await handle.finished();
		expect(handle.original!.files[0]!.size).toBe(3_000_000);
		expect(handle.original!.files[0]!.data!.subarray(0, SAMPLE_VIDEO.length).equals(SAMPLE_VIDEO)).toBe(true);
	});

	it('waits out a 429 on the upload and sends the video again from the start', async () => {
		const handle = await h.discord.invoke('video', { prompt: `throttled sim:bytes=2000000 ${marker()}` }, { rateLimitUploads: 1 });
		await handle.finished();
		expect(handle.rejections.map((rejection) => rejection.status)).toEqual([429]);
		expect(handle.original!.files[0]!.size).toBe(2_000_000);
		expect(handle.original!.files[0]!.data!.subarray(0, SAMPLE_VIDEO.length).equals(SAMPLE_VIDEO)).toBe(true);
	});

	it('falls back to a link when Discord refuses an upload the interaction said would fit', async () => {
		const handle = await h.discord.invoke('video', { prompt: `refused sim:bytes=3000000 ${marker()}` }, { enforcedUploadLimit: 1024 * 1024 });
		await handle.finished();
		expect(handle.rejections.map((rejection) => [rejection.status, rejection.code])).toEqual([[413, 40005]]);
		expect(textOf(handle.original)).toMatch(/\[relaydance-task_\w+\.mp4\]\(http/);
		expect(handle.original!.files).toHaveLength(0);
	});

	it('uploads a video over 10 MB where the interaction allows it (boosted server)', async () => {
		const handle = await h.discord.invoke('video', { prompt: `boosted sim:bytes=12000000 ${marker()}` }, { attachmentSizeLimit: 50 * 1024 * 1024 });
		await handle.finished();
		expect(handle.original!.files[0]!.size).toBe(12_000_000);
	});

	it('pings nobody when the prompt holds @everyone, @here or a role mention', async () => {
		const handle = await h.discord.invoke('video', { prompt: `@everyone @here <@&123456789012345678> look ${marker()}` });
		await handle.finished();
		expect(textOf(handle.original)).toContain('@everyone');
		expect([...handle.history, ...handle.followups].filter((message) => message.pinged)).toEqual([]);
	});

	it('retries a 429 on submit, honouring Retry-After, and creates exactly one task', async () => {
		const tag = marker();
		const tasksBefore = h.relaydance.tasks.size;
		const handle = await h.discord.invoke('video', { prompt: `busy sim:submit429=2 ${tag}` });
		await handle.finished();
		expect(textOf(handle.original)).toContain('✅ Video ready');
		expect(submissions(tag)).toHaveLength(3);
		expect(h.relaydance.tasks.size).toBe(tasksBefore + 1);
	});

	it('does not retry a 500 on submit (the task may exist) and refunds', async () => {
		const tag = marker();
		const userId = snowflake();
		const handle = await h.discord.invoke('video', { prompt: `flaky sim:submit500 ${tag}` }, { userId });
		await handle.finished();
		expect(submissions(tag)).toHaveLength(1);
		expect(textOf(handle.original)).toContain('RelayDance is having trouble (HTTP 500)');
		expect((await h.bot.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used).toBe(0);
	});

	it('rides out poll errors and malformed bodies, and reads gateway-style answers', async () => {
		const handle = await h.discord.invoke('video', { prompt: `bumpy sim:poll500=2 sim:malformed=1 sim:gateway sim:duration=2000 ${marker()}` });
		await handle.finished();
		expect(textOf(handle.original)).toContain('✅ Video ready');
		expect(handle.history.some((message) => /Generating your video · \d+%/.test(titleOf(message)))).toBe(true);
	});

	it('gives up on a stuck task at the deadline and refunds', async () => {
		const userId = snowflake();
		const handle = await h.discord.invoke('video', { prompt: `frozen sim:stuck ${marker()}` }, { userId });
		await handle.finished();
		expect(textOf(handle.original)).toContain('RelayDance had not finished after 4 seconds, so the bot stopped waiting.');
		expect((await h.bot.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used).toBe(0);
	});

	it('refuses a third concurrent job from one user', async () => {
		const userId = snowflake();
		const running = await Promise.all([1, 2, 3].map(() => h.discord.invoke('video', { prompt: `slow sim:duration=800 ${marker()}`, seconds: 4 }, { userId })));
		await Promise.all(running.map((handle) => handle.waitFor((handle) => handle.callback !== undefined)));
		const fourth = await h.discord.invoke('video', { prompt: `one too many ${marker()}`, seconds: 4 }, { userId });
		await fourth.waitFor((handle) => handle.callback !== undefined);
		expect(refusal(fourth)).toContain('You already have 3 generations running');
		await Promise.all(running.map((handle) => handle.finished()));
	});

	it('autocompletes models from GET /v1/models, video models only', async () => {
		const handle = await h.discord.invoke('video', { prompt: 'x', model: 'seed' }, { focused: 'model' });
		await handle.waitFor((handle) => handle.choices !== undefined);
		const values = handle.choices!.map((choice) => choice.value);
		expect(values).toContain('doubao-seedance-2-0-720p');
		expect(values).not.toContain('grok-imagine-image');
	});

	it('keeps secrets out of the logs', async () => {
		const handle = await h.discord.invoke('video', { prompt: `logged sim:submit500 ${marker()}` });
		await handle.finished();
		const logs = h.logs.lines.join('\n');
		expect(logs).toContain('job failed');
		expect(logs).not.toContain(h.config.RELAYDANCE_API_KEY);
		expect(logs).not.toContain(h.config.DISCORD_TOKEN);
		for (const interaction of h.discord.interactions.values()) expect(logs).not.toContain(interaction.token);
	});

	it('sends only bodies that fit Discord’s OpenAPI spec', () => {
		expect(h.discord.violations).toEqual([]);
	});
});
