import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REVIEW_DECIDED, REVIEW_REJECTED, REVIEW_WAITING, REVIEWER_ONLY } from '../src/discord/render-review.js';
import { SOURCE_LOCALE, t } from '../src/i18n/index.js';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { buttonsOf, channelOption, galleryOf, startDiscordStandIn, textOf, type DiscordStandIn, type InteractionHandle, type SentMessage } from '../stand-ins/discord/stand-in.js';
import { startRelayDanceSimulator, type RelayDanceSimulator } from '../stand-ins/relaydance/simulator.js';
import { PERMISSIONS, startTestBot, type ScriptRun } from './support/bot-process.js';

/**
 * Review before posting, through the real bot process and both stand-ins: a result made in a
 * channel under review goes to the moderators' channel with Approve and Reject, and nothing of it
 * reaches the member's channel before Approve; the decision holds after a restart.
 */
let discord: DiscordStandIn;
let relaydance: RelayDanceSimulator;
let bot: ScriptRun;
let requests: string;
let review: string;
const store = `sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-review-')), 'store.sqlite')}`;
const ADMIN = PERMISSIONS.admin;
const MODERATOR = PERMISSIONS.moderator;
const MEMBER = PERMISSIONS.member;

function startBot(): Promise<ScriptRun> {
	return startTestBot({ discord, relaydance }, store);
}

beforeAll(async () => {
	[discord, relaydance] = await Promise.all([startDiscordStandIn(), startRelayDanceSimulator({ queuedMs: 50, durationMs: 300, imageMs: 50 })]);
	requests = discord.addChannel(undefined, 'creations');
	review = discord.addChannel(undefined, 'mod-review');
	bot = await startBot();
	const set = await discord.invoke('relaydance-admin', { channel: channelOption(requests), review_channel: channelOption(review) }, { subcommand: ['review', 'on'], memberPermissions: ADMIN });
	await set.waitFor((h) => h.original !== undefined && textOf(h.original) !== '');
	expect(textOf(set.original)).toContain(`now go first to <#${review}>`);
});
afterEach(() => expect(discord.violations).toEqual([]));
afterAll(async () => {
	bot?.child.kill('SIGKILL');
	await Promise.all([discord?.close(), relaydance?.close()]);
});

const marker = () => `m${randomUUID().slice(0, 8)}`;
/** The result of `tag` in the review channel (the admin's first line there names no prompt). */
const reviewOf = (tag: string) => discord.messagesIn(review).find((message) => textOf(message).includes(tag));
/** Whatever of `tag` the bot posted in the members' channel. */
const postedIn = (tag: string) => discord.messagesIn(requests).filter((message) => textOf(message).includes(tag));
const buttonOf = (message: SentMessage | undefined, label: string) => {
	const found = buttonsOf(message).find((candidate) => candidate.label === label);
	if (!found?.custom_id) throw new Error(`no ${label} button on ${JSON.stringify(message?.components)}`);
	return found.custom_id;
};
async function ephemeralAnswer(handle: InteractionHandle): Promise<string> {
	await handle.waitFor((h) => (h.original !== undefined && textOf(h.original) !== '') || h.followups.length > 0, 10_000);
	const answer = h(handle);
	expect(answer.ephemeral).toBe(true);
	return textOf(answer);
}
const h = (handle: InteractionHandle) => handle.followups[0] ?? handle.original!;

/** `/video` (or `/image`) in the channel under review; resolves once it waits for a moderator, with its review message. */
async function heldForReview(command: 'video' | 'image', tag: string, userId: string, options: { createdAt?: number } = {}) {
	const values = command === 'video' ? { prompt: `a lighthouse ${tag}`, seconds: 5 } : { prompt: `a lighthouse ${tag}`, count: 2 };
	const handle = await discord.invoke(command, values, { userId, channelId: requests, ...options });
	await discord.waitFor(() => reviewOf(tag) !== undefined, 20_000);
	await discord.waitFor(() => textOf(handle.original).includes(REVIEW_WAITING) || postedIn(tag).some((message) => textOf(message).includes(REVIEW_WAITING)), 20_000);
	return { handle, held: reviewOf(tag)! };
}

/** Nothing of the result is in the members' channel or the member's reply: no file, no gallery. */
function nothingShown(handle: InteractionHandle, tag: string): void {
	expect(handle.original?.files ?? []).toEqual([]);
	expect(galleryOf(handle.original)).toEqual([]);
	for (const message of postedIn(tag)) {
		expect(message.files).toEqual([]);
		expect(galleryOf(message)).toEqual([]);
	}
}

describe('a channel under review', () => {
	it('sends a video to the moderators first; the member sees it waits; a stranger cannot approve; Approve puts it in the reply', async () => {
		const tag = marker();
		const userId = snowflake();
		const { handle, held } = await heldForReview('video', tag, userId);

		expect(held.files).toHaveLength(1);
		expect(held.files[0]!.filename).toMatch(/\.mp4$/);
		expect(textOf(held)).toContain(`<@${userId}>`);
		expect(textOf(held)).toContain(`a lighthouse ${tag}`);
		expect(buttonsOf(held).map((button) => button.label)).toEqual(['Approve', 'Reject']);
		expect(held.pingedUsers).toEqual([]);
		nothingShown(handle, tag);
		expect(buttonsOf(handle.original)).toEqual([]);

		const stranger = await discord.press(held, buttonOf(held, 'Approve'), { userId: snowflake(), memberPermissions: MEMBER });
		expect(await ephemeralAnswer(stranger)).toContain(REVIEWER_ONLY);
		nothingShown(handle, tag);

		const moderator = snowflake();
		await discord.press(held, buttonOf(held, 'Approve'), { userId: moderator, memberPermissions: MODERATOR });
		await handle.waitFor((x) => galleryOf(x.original).length === 1, 20_000);
		expect(textOf(handle.original)).toContain('✅ Video ready');
		expect(handle.original!.files).toHaveLength(1);
		expect(handle.original!.files[0]!.size).toBe(held.files[0]!.size);
		expect(buttonsOf(handle.original).map((button) => button.label)).toEqual(['Again', 'Edit', 'Delete', 'Report']);
		await discord.waitFor(() => textOf(reviewOf(tag)).includes(`<@${moderator}> approved it`));
		expect(buttonsOf(reviewOf(tag))).toEqual([]);
		expect(reviewOf(tag)!.files).toHaveLength(1);
		expect(postedIn(tag)).toEqual([]);

		const listing = await discord.invoke('jobs', {}, { userId, channelId: requests });
		await listing.waitFor((x) => textOf(x.original) !== '');
		expect(textOf(listing.original)).toContain(`/${handle.original!.channelId}/${handle.original!.id}`);
	});

	it('tells the member plainly on Reject; the media never reaches the channel and the charge stays', async () => {
		const tag = marker();
		const userId = snowflake();
		const { handle, held } = await heldForReview('video', tag, userId);
		const moderator = snowflake();
		await discord.press(held, buttonOf(held, 'Reject'), { userId: moderator, memberPermissions: MODERATOR });
		await handle.waitFor((x) => textOf(x.original).includes(REVIEW_REJECTED), 20_000);
		nothingShown(handle, tag);
		await discord.waitFor(() => textOf(reviewOf(tag)).includes(`<@${moderator}> rejected it`));
		expect(buttonsOf(reviewOf(tag))).toEqual([]);

		const listing = await discord.invoke('jobs', {}, { userId, channelId: requests });
		await listing.waitFor((x) => textOf(x.original) !== '');
		expect(textOf(listing.original)).toContain("A moderator didn't approve it.");
		const quota = await discord.invoke('quota', {}, { userId, channelId: requests });
		await quota.waitFor((x) => textOf(x.original) !== '');
		expect(textOf(quota.original)).toMatch(/25 s/);
	});

	it('decides once when two moderators press at once: the second is told it is decided', async () => {
		const tag = marker();
		const { handle, held } = await heldForReview('video', tag, snowflake());
		const [first, second] = [snowflake(), snowflake()];
		const presses = await Promise.all([
			discord.press(held, buttonOf(held, 'Approve'), { userId: first, memberPermissions: MODERATOR }),
			discord.press(held, buttonOf(held, 'Reject'), { userId: second, memberPermissions: MODERATOR }),
		]);
		await discord.waitFor(() => buttonsOf(reviewOf(tag)).length === 0, 20_000);
		const refused = await Promise.race(presses.map(async (press) => (await press.waitFor((x) => x.followups.length > 0, 20_000), press)));
		expect(textOf(refused.followups[0])).toContain(REVIEW_DECIDED);
		expect(refused.followups[0]!.ephemeral).toBe(true);
		// The press refused lost: the other decided.
		const winner = refused === presses[0] ? 'rejected' : 'approved';
		await discord.waitFor(() => textOf(reviewOf(tag)).includes(`${winner} it`));
		if (winner === 'approved') await handle.waitFor((x) => galleryOf(x.original).length === 1, 20_000);
		else await handle.waitFor((x) => textOf(x.original).includes(REVIEW_REJECTED), 20_000);
		expect((textOf(reviewOf(tag)).match(/⚖️/g) ?? []).length).toBe(1);
	});

	it('holds /image results too, and Approve posts every image in the reply', async () => {
		const tag = marker();
		const { handle, held } = await heldForReview('image', tag, snowflake());
		expect(held.files).toHaveLength(2);
		nothingShown(handle, tag);
		await discord.press(held, buttonOf(held, 'Approve'), { userId: snowflake(), memberPermissions: MODERATOR });
		await handle.waitFor((x) => galleryOf(x.original).length === 2, 20_000);
		expect(textOf(handle.original)).toContain('Images ready');
		expect(handle.original!.files.map((file) => file.size)).toEqual(held.files.map((file) => file.size));
	});

	it("after the reply's token, the waiting note and the approved result go to the channel as replies; no media before Approve", async () => {
		const tag = marker();
		const userId = snowflake();
		const { handle, held } = await heldForReview('video', tag, userId, { createdAt: Date.now() - 20 * 60_000 });
		nothingShown(handle, tag);
		await discord.press(held, buttonOf(held, 'Approve'), { userId: snowflake(), memberPermissions: MODERATOR });
		await discord.waitFor(() => postedIn(tag).some((message) => message.files.length === 1), 20_000);
		const result = postedIn(tag).find((message) => message.files.length === 1)!;
		expect(textOf(result)).toContain('✅ Video ready');
		expect(result.pingedUsers).toEqual([userId]);
	});
});

describe('a review channel the bot cannot post in', () => {
	it('tells the member the result could not be sent for review, and shows nothing in the channel', async () => {
		const tag = marker();
		const allow = discord.refuseChannelPosts(review, 50013);
		try {
			const handle = await discord.invoke('video', { prompt: `a lighthouse ${tag}`, seconds: 5 }, { userId: snowflake(), channelId: requests });
			await handle.waitFor((x) => textOf(x.original).includes(t(SOURCE_LOCALE, 'review.notSent')), 20_000);
			nothingShown(handle, tag);
			expect(reviewOf(tag)).toBeUndefined();
		} finally {
			allow();
		}
	});
});

describe('after a restart', () => {
	it('loses nothing between posting for review and the decision: Approve after the restart delivers', async () => {
		const tag = marker();
		const { handle, held } = await heldForReview('video', tag, snowflake());
		bot.child.kill('SIGTERM');
		await bot.exit;
		bot = await startBot();
		nothingShown(handle, tag);
		await discord.press(held, buttonOf(held, 'Approve'), { userId: snowflake(), memberPermissions: MODERATOR });
		await handle.waitFor((x) => galleryOf(x.original).length === 1, 20_000);
		expect(textOf(handle.original)).toContain('✅ Video ready');
		await discord.waitFor(() => buttonsOf(reviewOf(tag)).length === 0);
	});
});

describe('review off', () => {
	it('shows the channels under review in where show, and posts results there at once again once off', async () => {
		const where = await discord.invoke('relaydance-admin', {}, { subcommand: ['where', 'show'], memberPermissions: ADMIN });
		await where.waitFor((x) => textOf(x.original) !== '');
		expect(textOf(where.original)).toContain(`**Review before posting:** <#${requests}> → <#${review}>`);

		const off = await discord.invoke('relaydance-admin', { channel: channelOption(requests) }, { subcommand: ['review', 'off'], memberPermissions: ADMIN });
		await off.waitFor((x) => textOf(x.original) !== '');
		expect(textOf(off.original)).toContain('posted at once again');
		const tag = marker();
		const handle = await discord.invoke('video', { prompt: `a lighthouse ${tag}`, seconds: 5 }, { userId: snowflake(), channelId: requests });
		await handle.finished(20_000);
		expect(galleryOf(handle.original)).toHaveLength(1);
		expect(reviewOf(tag)).toBeUndefined();
	});
});
