import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { titleOf, isFinal, textOf, type InteractionHandle, type SentMessage } from '../stand-ins/discord/stand-in.js';
import { APP_PERMISSIONS, snowflake } from '../stand-ins/discord/payloads.js';
import { SAMPLE_VIDEO } from '../stand-ins/relaydance/simulator.js';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;

const marker = () => `m${randomUUID().slice(0, 8)}`;
const ATTACH_FILES = 1n << 15n;
const SIXTEEN_MINUTES_AGO = () => Date.now() - 16 * 60_000;

/** The final message for `userId` among `messages`, once there is one. */
async function finalFor(messages: () => SentMessage[] | undefined, userId: string): Promise<SentMessage> {
	const find = () => messages()?.find((message) => isFinal(message) && (textOf(message).includes(`<@${userId}>`) || message.channelId !== h.discord.world.channelId));
	await h.discord.waitFor(() => find() !== undefined);
	return find()!;
}
const inChannel = (userId: string) => finalFor(() => h.discord.channelMessages, userId);
const inDms = (userId: string) => finalFor(() => h.discord.dms.get(userId), userId);
/** Waits until a progress edit of the reply has gone through (the deferral is history[0]). */
const progressShown = (handle: InteractionHandle) => handle.waitFor((handle) => handle.requests.some((request) => request.method === 'PATCH' && request.status === 200));
const link = (channelId: string, messageId: string) => `https://discord.com/channels/${h.discord.world.guildId}/${channelId}/${messageId}`;
/** The job's record once the runner has saved it as delivered. */
async function deliveredJob(userId: string) {
	return vi.waitFor(async () => {
		const [job] = await h.bot.context.jobs.recent(userId, h.discord.world.guildId);
		expect(job?.state).toBe('delivered');
		return job!;
	}, { timeout: 5_000 });
}

describe('delivery when Discord says no', () => {
	beforeAll(async () => {
		h = await startHarness();
	});
	afterAll(async () => {
		await h?.close();
	});

	it('posts the video in the channel as a reply to the original, pinging only the requester, when the final edit gets 50027', async () => {
		const userId = snowflake();
		const bystander = snowflake();
		const handle = await h.discord.invoke('video', { prompt: `<@${bystander}> @everyone a long dance sim:duration=1500 ${marker()}` }, { userId });
		await progressShown(handle);
		const replyId = handle.original!.id;
		handle.expireToken();

		const posted = await inChannel(userId);
		expect(posted.files).toHaveLength(1);
		expect(posted.files[0]!.data!.equals(SAMPLE_VIDEO)).toBe(true);
		expect(posted.messageReference).toEqual({ message_id: replyId, fail_if_not_exists: false });
		expect(posted.repliesTo).toBe(replyId);
		expect(posted.allowedMentions).toEqual({ parse: [], users: [userId] });
		expect(posted.pingedUsers).toEqual([userId]);
		expect(textOf(posted)).toContain('✅ Video ready');

		const refused = handle.requests.findIndex((request) => request.code === 50027);
		expect(refused).toBeGreaterThanOrEqual(0);
		expect(handle.requests.slice(refused + 1)).toEqual([]);

		const job = await deliveredJob(userId);
		expect(job.result).toMatchObject({ delivery: 'attachment', messageUrl: link(h.discord.world.channelId, posted.id) });
		expect(job.reply.messageId).toBe(replyId);
	});

	it('stops progress edits after the first 10008 when the reply is deleted, and posts the result in the channel', async () => {
		const userId = snowflake();
		const handle = await h.discord.invoke('video', { prompt: `deleted under us sim:duration=2000 ${marker()}` }, { userId });
		await progressShown(handle);
		const replyId = handle.original!.id;
		const before = handle.requests.length;
		handle.deleteOriginal();

		const posted = await inChannel(userId);
		const after = handle.requests.slice(before);
		expect(after.map((request) => [request.method, request.files, request.status, request.code])).toEqual([['PATCH', 0, 404, 10008]]);
		expect(posted.files).toHaveLength(1);
		expect(posted.messageReference).toEqual({ message_id: replyId, fail_if_not_exists: false });
		expect(posted.repliesTo).toBeUndefined();
		expect(posted.pingedUsers).toEqual([userId]);
	});

	it('sends nothing through the webhook for an interaction older than 15 minutes, and posts in the channel', async () => {
		const userId = snowflake();
		const handle = await h.discord.invoke('video', { prompt: `an old interaction ${marker()}` }, { userId, createdAt: SIXTEEN_MINUTES_AGO() });
		const posted = await inChannel(userId);
		expect(handle.callback?.type).toBe(5);
		expect(handle.requests).toEqual([]);
		expect(posted.files).toHaveLength(1);
		expect(posted.messageReference).toBeUndefined();
		expect(posted.pingedUsers).toEqual([userId]);
	});

	it('posts the video in the channel once when Discord stored the upload but reset the connection before answering', async () => {
		const userId = snowflake();
		h.discord.failChannelPosts(h.discord.world.channelId, 'stored-then-reset');
		await h.discord.invoke('video', { prompt: `stored, then reset ${marker()}` }, { userId, createdAt: SIXTEEN_MINUTES_AGO() });
		const posted = await inChannel(userId);
		const job = await deliveredJob(userId);
		expect(h.discord.channelMessages.filter((message) => textOf(message).includes(`<@${userId}>`))).toEqual([posted]);
		expect(posted.files).toHaveLength(1);
		expect(posted.nonce).toMatch(/^[0-9a-f]{25}$/);
		expect(job.result).toMatchObject({ delivery: 'attachment', messageUrl: link(h.discord.world.channelId, posted.id) });
		expect(h.discord.dms.get(userId)).toBeUndefined();
	});

	it('sends the video to the requester in a DM when the channel refuses the bot (50013)', async () => {
		const userId = snowflake();
		const restore = h.discord.refuseChannelPosts(h.discord.world.channelId, 50013);
		try {
			await h.discord.invoke('video', { prompt: `a private screening ${marker()}` }, { userId, createdAt: SIXTEEN_MINUTES_AGO() });
			const dm = await inDms(userId);
			expect(h.discord.channelRejections.some((rejection) => rejection.code === 50013 && rejection.channelId === h.discord.world.channelId)).toBe(true);
			expect(dm.files).toHaveLength(1);
			expect(textOf(dm)).toContain(`<#${h.discord.world.channelId}>`);
			expect(dm.messageReference).toBeUndefined();
			expect(dm.pinged).toBe(false);
			expect(h.discord.channelMessages.some((message) => textOf(message).includes(`<@${userId}>`))).toBe(false);
		} finally {
			restore();
		}
	});

	it('keeps the video and logs an error when the channel and the DMs both refuse', async () => {
		const userId = snowflake();
		const tag = marker();
		const restoreChannel = h.discord.refuseChannelPosts(h.discord.world.channelId, 50001);
		const restoreDms = h.discord.refuseDms(userId);
		try {
			await h.discord.invoke('video', { prompt: `nowhere to go ${tag}` }, { userId, createdAt: SIXTEEN_MINUTES_AGO() });
			await h.discord.waitFor(() => h.discord.channelRejections.some((rejection) => rejection.code === 50007));
			expect((await deliveredJob(userId)).result?.delivery).toBe('none');
			expect(h.logs.lines.some((line) => line.includes('no message could carry it') && line.includes(userId) && line.includes('"level":50'))).toBe(true);
			expect((await h.bot.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used).toBe(5);
		} finally {
			restoreChannel();
			restoreDms();
		}
	});

	it('says in the first reply that the video can only arrive there when the bot lacks Attach Files', async () => {
		const handle = await h.discord.invoke('video', { prompt: `no files here sim:duration=1000 ${marker()}` }, { appPermissions: BigInt(APP_PERMISSIONS) & ~ATTACH_FILES });
		await progressShown(handle);
		const first = handle.history[1]!;
		expect(textOf(first)).toContain("I can't post in this channel (missing Attach Files)");
		expect(textOf(first)).toContain('can only arrive in this reply');
		expect(textOf(first)).toContain('DMs');
		expect(first.pinged).toBe(false);
		await handle.finished();
		expect(handle.original!.files).toHaveLength(1);
		expect(handle.original!.content).toBe('');
	});

	it('says nothing about permissions when the bot may post in the channel', async () => {
		const handle = await h.discord.invoke('video', { prompt: `all allowed sim:duration=1000 ${marker()}` });
		await progressShown(handle);
		expect(handle.history[1]!.content).toBe('');
		await handle.finished();
	});

	it('retries an upload answered 502 and delivers the file', async () => {
		const userId = snowflake();
		const handle = await h.discord.invoke('video', { prompt: `flaky upload sim:bytes=1000000 ${marker()}` }, { userId, failUploads: [{ status: 502 }] });
		await handle.finished();
		const uploads = handle.requests.filter((request) => request.files > 0);
		expect(uploads.map((request) => request.status)).toEqual([502, 200]);
		expect(handle.original!.files[0]!.size).toBe(1_000_000);
		expect(handle.original!.files[0]!.data!.subarray(0, SAMPLE_VIDEO.length).equals(SAMPLE_VIDEO)).toBe(true);
		expect((await deliveredJob(userId)).result).toMatchObject({ delivery: 'attachment', messageUrl: link(h.discord.world.channelId, handle.original!.id) });
	});

	it('delivers a video as a file when its final edit is answered 429, 429, 502: rate limits are waits, not failed tries', async () => {
		const userId = snowflake();
		const failUploads = [{ status: 429, retryAfter: 0.2 }, { status: 429, retryAfter: 0.1 }, { status: 502 }];
		const handle = await h.discord.invoke('video', { prompt: `rate limited upload sim:bytes=65536 ${marker()}` }, { userId, failUploads });
		await handle.finished();
		const uploads = handle.requests.filter((request) => request.files > 0);
		expect(uploads.map((request) => request.status)).toEqual([429, 429, 502, 200]);
		expect(uploads[1]!.at - uploads[0]!.at).toBeGreaterThanOrEqual(190);
		expect(textOf(handle.original)).toContain('✅ Video ready');
		expect(handle.original!.files).toHaveLength(1);
		expect(handle.original!.files[0]!.size).toBe(65_536);
		expect((await deliveredJob(userId)).result).toMatchObject({ delivery: 'attachment', messageUrl: link(h.discord.world.channelId, handle.original!.id) });
		expect((await h.bot.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used).toBe(5);
	});

	it('posts the file in the channel when a 429 on the final edit asks for a wait the interaction token would not outlive', async () => {
		const userId = snowflake();
		const tokenLeftMs = 20_000; // the bot stops trusting a token a minute before Discord kills it
		const handle = await h.discord.invoke(
			'video',
			{ prompt: `rate limited near the end ${marker()}` },
			{ userId, createdAt: Date.now() - 14 * 60_000 + tokenLeftMs, failUploads: [{ status: 429, retryAfter: 60 }] },
		);
		const started = Date.now();
		const posted = await inChannel(userId);
		expect(Date.now() - started).toBeLessThan(tokenLeftMs);
		expect(posted.files).toHaveLength(1);
		expect(handle.requests.filter((request) => request.files > 0).map((request) => request.status)).toEqual([429]);
		expect((await deliveredJob(userId)).result).toMatchObject({ delivery: 'attachment', messageUrl: link(h.discord.world.channelId, posted.id) });
	});

	it('sends a link after three failed uploads (5xx and a reset connection), never an error', async () => {
		const userId = snowflake();
		const handle = await h.discord.invoke('video', { prompt: `broken uploads ${marker()}` }, { userId, failUploads: [{ status: 500 }, 'reset', { status: 503 }] });
		await handle.finished();
		const uploads = handle.requests.filter((request) => request.files > 0);
		expect(uploads.map((request) => request.status)).toEqual([500, 0, 503]);
		const text = textOf(handle.original);
		expect(text).toContain('✅ Video ready');
		expect(text).toMatch(/Discord would not take the upload just now, so here is a link: \[relaydance-task_\w+\.mp4\]\(http/);
		expect(handle.original!.files).toHaveLength(0);
		expect((await deliveredJob(userId)).result?.delivery).toBe('link');
		expect((await h.bot.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used).toBe(5);
	});

	it('waits out 429s on progress edits and still delivers in the reply', async () => {
		const handle = await h.discord.invoke('video', { prompt: `busy edits ${marker()}` }, { rateLimitEdits: 2 });
		await handle.finished();
		expect(handle.rejections.filter((rejection) => rejection.status === 429)).toHaveLength(2);
		expect(handle.original!.files).toHaveLength(1);
	});

	it('sends only bodies that fit Discord’s OpenAPI spec', () => {
		expect(h.discord.violations).toEqual([]);
	});
});

describe('a job waiting for a submission slot', () => {
	let one: Harness;
	beforeAll(async () => {
		one = await startHarness({ MAX_SUBMITTING: '1' });
	});
	afterAll(async () => {
		await one?.close();
	});

	it('shows its place in line while queued', async () => {
		const titles = (handle: InteractionHandle) => handle.history.map((message) => titleOf(message));
		const first = await one.discord.invoke('video', { prompt: `slow submit sim:submitdelay=1500 ${marker()}` });
		await first.waitFor((handle) => titles(handle).some((title) => title.startsWith('📤 Sending your request')));
		const second = await one.discord.invoke('video', { prompt: `second ${marker()}` });
		const third = await one.discord.invoke('video', { prompt: `third ${marker()}` });
		await second.waitFor((handle) => titles(handle).includes('⏳ Queued · next in line'));
		await third.waitFor((handle) => titles(handle).includes('⏳ Queued · 2nd in line'));
		await Promise.all([first, second, third].map((handle) => handle.finished()));
		expect(one.discord.violations).toEqual([]);
	});
});
