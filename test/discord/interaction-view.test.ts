import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { REST } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InteractionReplyView, type InteractionReplyViewOptions } from '../../src/discord/interaction-view.js';
import { createLogger } from '../../src/logger.js';
import { asInteractionAddress, TOKEN_LIFETIME_MS, type InteractionAddress } from '../../src/discord/reply-address.js';
import type { VideoJob as Job } from '../../src/services/jobs/job.js';
import type { FinishedVideo } from '../../src/services/media/finished-video.js';
import { APP_PERMISSIONS, snowflake } from '../../stand-ins/discord/payloads.js';
import { startDiscordStandIn, textOf, type DiscordStandIn } from '../../stand-ins/discord/stand-in.js';

let discord: DiscordStandIn;
beforeAll(async () => {
	discord = await startDiscordStandIn();
});
afterAll(() => discord?.close());

function jobFor(createdAt: number, userId = snowflake(), address: Partial<InteractionAddress> = {}): Job {
	const id = randomUUID();
	return {
		id,
		kind: 'video',
		state: 'failed',
		createdAt,
		updatedAt: createdAt,
		requester: { userId, guildId: discord.world.guildId },
		reply: {
			applicationId: discord.world.applicationId,
			interactionId: '1',
			credential: 'expired-token',
			interactionCreatedAt: createdAt,
			userId,
			guildId: discord.world.guildId,
			channelId: discord.world.channelId,
			attachmentSizeLimit: 10 * 1024 * 1024,
			appPermissions: APP_PERMISSIONS,
			...address,
		} satisfies InteractionAddress,
		settings: { prompt: 'a slow render', apiPrompt: 'a slow render', model: 'doubao-seedance-2-0-1080p', seconds: 5, audio: true, references: [] },
		quota: { userId, jobId: id, amount: 5, windowStart: createdAt },
		failure: { kind: 'Timeout', message: 'RelayDance had not finished after 30 minutes, so the bot stopped waiting.' },
		refunded: true,
	};
}

const expired = () => Date.now() - TOKEN_LIFETIME_MS - 1_000;
const video = { url: 'https://relaydance.example/v.mp4', fileName: 'v.mp4', bytes: 4, fetched: true, open: async () => Readable.from([Buffer.from('mp4!')]), dispose: async () => {} } as unknown as FinishedVideo;

function viewOf(job: Job, options?: InteractionReplyViewOptions) {
	const rest = new REST({ api: discord.apiUrl }).setToken(discord.botToken);
	return new InteractionReplyView({ interactions: rest, bot: rest, api: discord.apiUrl, botToken: discord.botToken }, asInteractionAddress(job.reply), 10, createLogger('silent'), undefined, options);
}
/** The bot's posts in the guild channel that mention `userId` (each test's requester is new). */
const postsFor = (userId: string) => discord.channelMessages.filter((message) => textOf(message).includes(`<@${userId}>`));

describe('InteractionReplyView', () => {
	it('posts the final word in the channel with the bot token once the interaction token has expired', async () => {
		const job = jobFor(expired());
		await viewOf(job).fail(job);
		const posted = discord.channelMessages.at(-1)!;
		expect(textOf(posted)).toContain('RelayDance had not finished after 30 minutes');
		expect(posted.pingedUsers).toEqual([job.requester.userId]);
		expect(discord.violations).toEqual([]);
	});

	it('answers the channel message’s link, replying to the original when its id is known', async () => {
		const original = discord.channelMessages.at(-1)!.id;
		const job = jobFor(expired(), snowflake(), { messageId: original });
		const delivered = await viewOf(job).deliver(job, video);
		const posted = discord.channelMessages.at(-1)!;
		expect(posted.files[0]!.data!.toString()).toBe('mp4!');
		expect(posted.repliesTo).toBe(original);
		expect(delivered).toEqual({ delivery: 'attachment', messageUrl: `https://discord.com/channels/${discord.world.guildId}/${discord.world.channelId}/${posted.id}` });
	});

	it('sends the video to a DM when the channel refuses, and answers none when the DM is refused too', async () => {
		const restore = discord.refuseChannelPosts(discord.world.channelId, 10003);
		try {
			const job = jobFor(expired());
			const delivered = await viewOf(job).deliver(job, video);
			const [dm] = discord.dms.get(job.requester.userId)!;
			expect(delivered).toEqual({ delivery: 'attachment', messageUrl: `https://discord.com/channels/@me/${dm!.channelId}/${dm!.id}` });

			const refusing = jobFor(expired());
			const restoreDms = discord.refuseDms(refusing.requester.userId);
			expect(await viewOf(refusing).deliver(refusing, video)).toEqual({ delivery: 'none' });
			restoreDms();
		} finally {
			restore();
		}
		expect(discord.violations).toEqual([]);
	});

	it('rejects, and posts nothing, when the bot is stopping', async () => {
		const job = jobFor(expired());
		const before = discord.channelMessages.length;
		const stopping = new AbortController();
		stopping.abort(new Error('stopping'));
		await expect(viewOf(job).deliver(job, video, stopping.signal)).rejects.toThrow('stopping');
		await expect(viewOf(job).fail(job, stopping.signal)).rejects.toThrow('stopping');
		expect(discord.channelMessages.length).toBe(before);
	});

	it('posts the failure once when Discord stored the channel post but reset the connection before answering', async () => {
		const job = jobFor(expired());
		discord.failChannelPosts(discord.world.channelId, 'stored-then-reset');
		await viewOf(job).fail(job);
		expect(postsFor(job.requester.userId)).toHaveLength(1);
		expect(discord.dms.get(job.requester.userId)).toBeUndefined();
		expect(discord.violations).toEqual([]);
	});

	it('posts the video once when Discord stored the upload but reset the connection before answering', async () => {
		const job = jobFor(expired());
		discord.failChannelPosts(discord.world.channelId, 'stored-then-reset');
		const delivered = await viewOf(job, { uploadBackoffMs: [0, 0] }).deliver(job, video);
		const posts = postsFor(job.requester.userId);
		expect(posts).toHaveLength(1);
		expect(posts[0]!.files).toHaveLength(1);
		expect(delivered).toEqual({ delivery: 'attachment', messageUrl: `https://discord.com/channels/${discord.world.guildId}/${discord.world.channelId}/${posts[0]!.id}` });
		expect(discord.violations).toEqual([]);
	});

	it('sends a job’s failure with a nonce of that job, so posting it again (a restart) within minutes creates nothing', async () => {
		const job = jobFor(expired());
		const view = viewOf(job);
		await view.fail(job);
		const again = jobFor(expired(), job.requester.userId);
		await viewOf({ ...again, id: job.id }).fail({ ...again, id: job.id });
		const [failed, ...none] = postsFor(job.requester.userId);
		expect(none).toEqual([]);
		expect(failed!.nonce).toMatch(/^[0-9a-f]{25}$/);
		const other = jobFor(expired());
		await viewOf(other).fail(other);
		expect(postsFor(other.requester.userId)[0]!.nonce).not.toBe(failed!.nonce);
	});

	it('cuts off an upload try that gets no answer, tries again, then sends a link', async () => {
		const job = jobFor(expired());
		const before = discord.unansweredChannelPosts.length;
		discord.failChannelPosts(discord.world.channelId, 'no-answer', 'no-answer', 'no-answer');
		const started = performance.now();
		const delivered = await viewOf(job, { uploadBackoffMs: [0, 0], uploadAttemptTimeoutMs: 200 }).deliver(job, video);
		expect(performance.now() - started).toBeLessThan(5_000);
		expect(discord.unansweredChannelPosts.length - before).toBe(3);
		const [posted, ...more] = postsFor(job.requester.userId);
		expect(more).toEqual([]);
		expect(posted!.files).toEqual([]);
		expect(textOf(posted)).toContain('Discord would not take the upload just now, so here is a link');
		expect(delivered).toMatchObject({ delivery: 'link' });
	});

	it('rejects with the bot’s own reason, not as a broken upload, when it stops during an upload that gets no answer', async () => {
		const job = jobFor(expired());
		const before = discord.unansweredChannelPosts.length;
		discord.failChannelPosts(discord.world.channelId, 'no-answer');
		const stopping = new AbortController();
		const delivery = viewOf(job, { uploadAttemptTimeoutMs: 60_000 }).deliver(job, video, stopping.signal);
		const settled = expect(delivery).rejects.toThrow('stopping');
		await discord.waitFor(() => discord.unansweredChannelPosts.length > before);
		stopping.abort(new Error('stopping'));
		await settled;
		expect(postsFor(job.requester.userId)).toEqual([]);
	});

	it('does nothing more once the final word is shown', async () => {
		const job = jobFor(expired());
		const view = viewOf(job);
		await view.fail(job);
		const before = discord.channelMessages.length;
		await view.fail(job);
		expect(await view.deliver(job, video)).toEqual({ delivery: 'none' });
		view.update({ ...job, state: 'running' });
		expect(discord.channelMessages.length).toBe(before);
	});
});
