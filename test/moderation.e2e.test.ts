import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DELETE_DONE, DELETE_KEPT, DELETE_REFUSED, MODERATOR_ONLY, REPORT_AGAIN, REPORT_OWN, REPORT_THANKS } from '../src/discord/render-moderation.js';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { buttonsOf, channelOption, galleryOf, startDiscordStandIn, textOf, type DiscordStandIn, type InteractionHandle, type SentMessage } from '../stand-ins/discord/stand-in.js';
import { startRelayDanceSimulator, type RelayDanceSimulator } from '../stand-ins/relaydance/simulator.js';
import { PERMISSIONS, startTestBot, type ScriptRun } from './support/bot-process.js';

/**
 * Delete and Report under every result, and the moderators' Hide, Delete and Dismiss in the audit
 * channel, through the real bot process and both stand-ins; the reports and decisions hold after
 * a restart on the same store.
 */
let discord: DiscordStandIn;
let relaydance: RelayDanceSimulator;
let bot: ScriptRun;
let auditChannel: string;
const store = `sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-moderation-')), 'store.sqlite')}`;
const ADMIN = PERMISSIONS.admin;
const MODERATOR = PERMISSIONS.moderator;
const MEMBER = PERMISSIONS.member;

function startBot(): Promise<ScriptRun> {
	return startTestBot({ discord, relaydance }, store);
}

beforeAll(async () => {
	[discord, relaydance] = await Promise.all([startDiscordStandIn(), startRelayDanceSimulator({ queuedMs: 50, durationMs: 300, imageMs: 50 })]);
	auditChannel = discord.addChannel(undefined, 'bot-audit');
	bot = await startBot();
	const set = await discord.invoke('relaydance-admin', { channel: channelOption(auditChannel) }, { subcommand: ['audit-channel'], memberPermissions: ADMIN });
	await set.waitFor((h) => h.original !== undefined && textOf(h.original) !== '');
});
afterEach(() => expect(discord.violations).toEqual([]));
afterAll(async () => {
	bot?.child.kill('SIGKILL');
	await Promise.all([discord?.close(), relaydance?.close()]);
});

const marker = () => `m${randomUUID().slice(0, 8)}`;
const audit = () => discord.messagesIn(auditChannel);
const auditAbout = (tag: string) => audit().filter((message) => textOf(message).includes(tag));
/** The reports in the audit channel on the result of `tag`. */
const reportsOf = (tag: string) => auditAbout(tag).filter((message) => textOf(message).startsWith('🚩'));
const buttonOf = (message: SentMessage | undefined, label: string) => {
	const found = buttonsOf(message).find((candidate) => candidate.label === label);
	if (!found?.custom_id) throw new Error(`no ${label} button on ${JSON.stringify(message?.components)}`);
	return found.custom_id;
};
/** The ephemeral answer to a press: its text once it has some. */
async function answerOf(handle: InteractionHandle): Promise<string> {
	await handle.waitFor((h) => h.original !== undefined && textOf(h.original) !== '', 10_000);
	expect(handle.original!.ephemeral).toBe(true);
	return textOf(handle.original);
}
/** Waits for a condition on the stand-in's state, re-checked as things change. */
async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the audit channel holds ${JSON.stringify(audit().map((message) => textOf(message)))}`);
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

async function makeImage(tag: string, userId: string): Promise<InteractionHandle> {
	const handle = await discord.invoke('image', { prompt: `a quiet harbour ${tag}`, count: 1 }, { userId });
	await handle.finished(20_000);
	return handle;
}

async function press(message: SentMessage, label: string, userId: string, memberPermissions = MEMBER): Promise<InteractionHandle> {
	return discord.press(message, buttonOf(message, label), { userId, memberPermissions });
}

/** Delete under the result, then "Delete it" on the confirmation; answers what the confirmation says then. */
async function deleteConfirmed(result: SentMessage, userId: string, memberPermissions = MEMBER): Promise<string> {
	const asked = await press(result, 'Delete', userId, memberPermissions);
	expect(await answerOf(asked)).toContain('for everyone?');
	const confirmed = await press(asked.original!, 'Delete it', userId, memberPermissions);
	await confirmed.waitFor(() => textOf(asked.original) !== '' && !textOf(asked.original).includes('for everyone?'), 10_000);
	expect(buttonsOf(asked.original)).toEqual([]);
	return textOf(asked.original);
}

const isDeleted = (message: SentMessage) => discord.deletedMessages.some((deleted) => deleted.id === message.id);

describe('Delete', () => {
	it('lets the requester delete a video after confirming; the charge stays, the audit channel and /jobs say so', async () => {
		const tag = marker();
		const userId = snowflake();
		const handle = await discord.invoke('video', { prompt: `a kite ${tag}`, seconds: 5 }, { userId });
		await handle.finished(20_000);
		const result = handle.original!;
		expect(buttonsOf(result).map((button) => button.label)).toEqual(['Again', 'Edit', 'Delete', 'Report']);

		expect(await deleteConfirmed(result, userId)).toBe(DELETE_DONE);
		expect(isDeleted(result) || handle.originalDeleted).toBe(true);
		expect(handle.original).toBeUndefined();
		await until(() => auditAbout(tag).some((message) => textOf(message).startsWith('🗑️')), 'the audit line');
		expect(textOf(auditAbout(tag).find((message) => textOf(message).startsWith('🗑️')))).toContain(`<@${userId}> deleted`);

		const listing = await discord.invoke('jobs', {}, { userId });
		expect(await answerOf(listing)).toContain('You deleted the message.');
		// The 5 s stay charged: 25 of 30 left.
		const quota = await discord.invoke('quota', {}, { userId });
		expect(await answerOf(quota)).toMatch(/25 s/);
	});

	it('keeps the result when the requester presses Keep', async () => {
		const tag = marker();
		const userId = snowflake();
		const handle = await makeImage(tag, userId);
		const asked = await press(handle.original!, 'Delete', userId);
		await answerOf(asked);
		const kept = await press(asked.original!, 'Keep', userId);
		await kept.waitFor(() => textOf(asked.original) === DELETE_KEPT, 10_000);
		expect(handle.original).toBeDefined();
		expect(isDeleted(handle.original!)).toBe(false);
	});

	it('refuses a stranger, ephemerally, and lets a moderator delete', async () => {
		const tag = marker();
		const userId = snowflake();
		const handle = await makeImage(tag, userId);
		const result = handle.original!;
		const stranger = await press(result, 'Delete', snowflake());
		expect(await answerOf(stranger)).toContain(DELETE_REFUSED);
		expect(handle.original).toBeDefined();

		const moderator = snowflake();
		expect(await deleteConfirmed(result, moderator, MODERATOR)).toBe(DELETE_DONE);
		expect(handle.original).toBeUndefined();
		await until(() => auditAbout(tag).some((message) => textOf(message).includes(`<@${moderator}> (moderator) deleted`)), 'the audit line');
		const listing = await discord.invoke('jobs', {}, { userId });
		expect(await answerOf(listing)).toContain('A moderator deleted the message.');
	});
});

describe('Report', () => {
	it('thanks the reporter once, posts to the audit channel once per reporter, and refuses the requester', async () => {
		const tag = marker();
		const userId = snowflake();
		const handle = await makeImage(tag, userId);
		const result = handle.original!;
		const reporter = snowflake();
		expect(await answerOf(await press(result, 'Report', reporter))).toBe(REPORT_THANKS);
		expect(await answerOf(await press(result, 'Report', reporter))).toBe(REPORT_AGAIN);
		expect(await answerOf(await press(result, 'Report', userId))).toContain(REPORT_OWN);
		await until(() => reportsOf(tag).length === 1, 'the report in the audit channel');
		await new Promise((resolve) => setTimeout(resolve, 200));
		const reports = reportsOf(tag);
		expect(reports).toHaveLength(1);
		const text = textOf(reports[0]);
		expect(text).toContain(`<@${reporter}> reported`);
		expect(text).toContain(`<@${userId}>`);
		expect(text).toContain(`a quiet harbour ${tag}`);
		expect(text).toContain(`/${result.channelId}/${result.id}`);
		expect(buttonsOf(reports[0]).map((button) => button.label)).toEqual(['Hide', 'Delete', 'Dismiss']);
		expect(galleryOf(handle.original).every((item) => !item.spoiler)).toBe(true);
	});

	it('hides the media after three members report it, until a moderator dismisses the reports', async () => {
		const tag = marker();
		const handle = await makeImage(tag, snowflake());
		for (const reporter of [snowflake(), snowflake(), snowflake()]) expect(await answerOf(await press(handle.original!, 'Report', reporter))).toBe(REPORT_THANKS);
		await until(() => galleryOf(handle.original).length > 0 && galleryOf(handle.original).every((item) => item.spoiler), 'the media as spoilers');
		expect(handle.original!.files).toHaveLength(1);
		await until(() => reportsOf(tag).length === 3, 'three reports');
		const last = reportsOf(tag).find((message) => textOf(message).includes('Hidden now'))!;
		expect(last).toBeDefined();

		// A member without Manage Messages cannot decide.
		expect(await answerOf(await press(last, 'Dismiss', snowflake()))).toContain(MODERATOR_ONLY);
		const moderator = snowflake();
		await press(last, 'Dismiss', moderator, MODERATOR);
		await until(() => galleryOf(handle.original).every((item) => !item.spoiler), 'the media shown again');
		await until(() => textOf(reportsOf(tag).find((message) => message.id === last.id)).includes(`<@${moderator}> dismissed`), 'the decision line');
	});

	it('lets a moderator hide a reported result, then delete it from the audit channel', async () => {
		const tag = marker();
		const handle = await makeImage(tag, snowflake());
		const result = handle.original!;
		await answerOf(await press(result, 'Report', snowflake()));
		await until(() => reportsOf(tag).length === 1, 'the report');
		const report = reportsOf(tag)[0]!;
		const moderator = snowflake();
		await press(report, 'Hide', moderator, MODERATOR);
		await until(() => galleryOf(handle.original).every((item) => item.spoiler), 'the media as spoilers');
		await press(reportsOf(tag)[0]!, 'Delete', moderator, MODERATOR);
		await until(() => handle.original === undefined, 'the result deleted');
		await until(() => textOf(audit().find((message) => message.id === report.id)).includes(`<@${moderator}> deleted the result`), 'the decision line');
		expect(buttonsOf(audit().find((message) => message.id === report.id))).toEqual([]);
		expect(isDeleted(result)).toBe(true);
	});
});

describe('after a restart', () => {
	it('keeps reports and decisions: a repeated report is known, the third hides, the audit buttons still work', async () => {
		const tag = marker();
		const userId = snowflake();
		const handle = await makeImage(tag, userId);
		const result = handle.original!;
		const first = snowflake();
		expect(await answerOf(await press(result, 'Report', first))).toBe(REPORT_THANKS);
		await until(() => reportsOf(tag).length === 1, 'the report');

		bot.child.kill('SIGTERM');
		await bot.exit;
		bot = await startBot();

		expect(await answerOf(await press(handle.original!, 'Report', first))).toBe(REPORT_AGAIN);
		expect(await answerOf(await press(handle.original!, 'Report', snowflake()))).toBe(REPORT_THANKS);
		expect(galleryOf(handle.original).every((item) => !item.spoiler)).toBe(true);
		expect(await answerOf(await press(handle.original!, 'Report', snowflake()))).toBe(REPORT_THANKS);
		await until(() => galleryOf(handle.original).every((item) => item.spoiler), 'the media as spoilers');

		const moderator = snowflake();
		await press(reportsOf(tag)[0]!, 'Delete', moderator, MODERATOR);
		await until(() => handle.original === undefined, 'the result deleted');
		// The record is marked after the message goes, and the audit line follows the mark.
		await until(() => auditAbout(tag).some((message) => textOf(message).includes(`<@${moderator}> (moderator) deleted`)), 'the audit line');
		const listing = await discord.invoke('jobs', {}, { userId });
		expect(await answerOf(listing)).toContain('A moderator deleted the message.');
	});
});
