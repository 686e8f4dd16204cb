import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { channelOption, roleOption, startDiscordStandIn, textOf, userOption, type DiscordStandIn, type InteractionHandle, type OptionValue } from '../stand-ins/discord/stand-in.js';
import { startRelayDanceSimulator, type RelayDanceSimulator } from '../stand-ins/relaydance/simulator.js';
import { runScript, type ScriptRun } from './support/bot-process.js';

/**
 * `/relaydance-admin` as server admins use it, and what members then meet, through the real bot
 * process: limits by role and grant, the server's budget, where the bot works, the blocklist, the
 * audit channel, and the bot-wide pause when RelayDance's balance runs out.
 */
let discord: DiscordStandIn;
let relaydance: RelayDanceSimulator;
let bot: ScriptRun;
let auditChannel: string;
let elsewhere: string;
const ADMIN = String(1n << 5n); // Manage Server
const MEMBER = String((1n << 10n) | (1n << 11n)); // view and send only
const CREDIT_RETRY_MS = 1_500;
const OWNER = snowflake();

beforeAll(async () => {
	[discord, relaydance] = await Promise.all([startDiscordStandIn(), startRelayDanceSimulator({ queuedMs: 50, durationMs: 300 })]);
	auditChannel = discord.addChannel(undefined, 'bot-audit');
	elsewhere = discord.addChannel(undefined, 'off-topic');
	bot = runScript('dist/index.js', {
		DISCORD_TOKEN: discord.botToken,
		DISCORD_API_URL: discord.apiUrl,
		RELAYDANCE_API_KEY: 'sk-admin-test',
		RELAYDANCE_BASE_URL: relaydance.apiUrl,
		STORE_URL: `sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-admin-')), 'store.sqlite')}`,
		POLL_INTERVAL_MS: '50',
		POLL_MAX_INTERVAL_MS: '100',
		EDIT_INTERVAL_MS: '100',
		QUOTA_VIDEO_SECONDS: '10',
		MAX_ACTIVE_JOBS_PER_USER: '5',
		CREDIT_RETRY_MS: String(CREDIT_RETRY_MS),
		MODEL_PRICES: 'doubao-seedance-2-0-1080p=0.1',
		BOT_OWNER_IDS: OWNER,
	});
	await bot.waitForLog('bot ready');
	await admin(['audit-channel'], { channel: channelOption(auditChannel) });
});
afterEach(() => expect(discord.violations).toEqual([]));
afterAll(async () => {
	bot?.child.kill('SIGKILL');
	await Promise.all([discord?.close(), relaydance?.close()]);
});

const marker = () => `m${randomUUID().slice(0, 8)}`;
const submitted = (tag: string) => relaydance.requests.filter((request) => request.path === '/v1/video/generations' && !request.refused && JSON.stringify(request.body).includes(tag));
const audit = () => discord.messagesIn(auditChannel);

/** Runs an admin subcommand as someone with Manage Server (unless `as` says otherwise) and returns its (ephemeral) answer. */
async function admin(subcommand: [string] | [string, string], values: Record<string, OptionValue | undefined> = {}, as: { userId?: string; memberPermissions?: string } = {}): Promise<string> {
	const handle = await discord.invoke('relaydance-admin', values, { subcommand, memberPermissions: as.memberPermissions ?? ADMIN, userId: as.userId });
	await handle.waitFor((h) => h.original !== undefined && textOf(h.original) !== '');
	expect(handle.original!.ephemeral).toBe(true);
	return textOf(handle.original);
}

async function refusal(handle: InteractionHandle): Promise<string> {
	await handle.waitFor((h) => h.callback?.type === 4 && h.original !== undefined);
	expect(handle.original!.ephemeral).toBe(true);
	return textOf(handle.original);
}

describe('limits', () => {
	it('gives a member the best of their roles\' limits', async () => {
		const fans = discord.addRole(undefined, 'fans');
		const patrons = discord.addRole(undefined, 'patrons');
		const viewers = discord.addRole(undefined, 'viewers');
		await admin(['limits', 'set-role'], { role: roleOption(fans), video_seconds: 12 });
		await admin(['limits', 'set-role'], { role: roleOption(patrons), video_seconds: 20 });
		await admin(['limits', 'set-role'], { role: roleOption(viewers), video_seconds: 6 });
		const tag = marker();
		const userId = snowflake();
		// The best role in the middle: neither "first role wins" nor "last role wins" would pass.
		const roles = [fans, patrons, viewers];
		const fits = await discord.invoke('video', { prompt: `patron ${tag}`, seconds: 15 }, { userId, roles });
		await fits.finished(20_000);
		expect(textOf(fits.original)).toContain('Video ready');
		const over = await discord.invoke('video', { prompt: `patron more ${tag}`, seconds: 6 }, { userId, roles });
		expect(await refusal(over)).toContain('you have 5 s of your 20 s left');
	});

	it('lets a grant override the member\'s roles', async () => {
		const big = discord.addRole(undefined, 'big-spenders');
		await admin(['limits', 'set-role'], { role: roleOption(big), video_seconds: 60 });
		const userId = snowflake();
		await admin(['limits', 'grant'], { member: userOption(userId), video_seconds: 4 });
		const refused = await discord.invoke('video', { prompt: `granted ${marker()}`, seconds: 5 }, { userId, roles: [big] });
		expect(await refusal(refused)).toContain('you have 4 s of your 4 s left');
	});

	it('caps the whole server with its budget, whatever members have left', async () => {
		const budgeted = await discord.addGuild({ name: 'Budgeted' });
		const place = { guildId: budgeted.guildId, channelId: budgeted.channelIds[0] };
		const set = await discord.invoke('relaydance-admin', { video_seconds: 8 }, { subcommand: ['limits', 'budget'], memberPermissions: ADMIN, ...place });
		await set.waitFor((h) => textOf(h.original) !== '');
		const tag = marker();
		const first = await discord.invoke('video', { prompt: `budget one ${tag}`, seconds: 5 }, { userId: snowflake(), ...place });
		await first.finished(20_000);
		expect(textOf(first.original)).toContain('Video ready');
		const second = await discord.invoke('video', { prompt: `budget two ${tag}`, seconds: 5 }, { userId: snowflake(), ...place });
		expect(await refusal(second)).toContain("This server's budget for now is spent");
		expect(submitted(`budget two ${tag}`)).toHaveLength(0);
	});
});

describe('the admin command', () => {
	it('refuses a member without Manage Server, even when the server opened the command to them', async () => {
		// The stand-in delivers the command whatever `default_member_permissions` says, as Discord does after an override.
		const answer = await admin(['blocklist', 'add'], { term: 'anything' }, { memberPermissions: MEMBER });
		expect(answer).toContain('Only members with the **Manage Server** permission');
		expect(await admin(['blocklist', 'list'])).not.toContain('anything');
	});
});

describe('bot-wide settings', () => {
	it('lets only the bot\'s owners turn DMs off, and then refuses /video in DMs', async () => {
		const refused = await admin(['where', 'access'], { dms: false });
		expect(refused).toContain("only the bot's owners");
		expect(await admin(['where', 'access'], { dms: false }, { userId: OWNER })).toContain('DMs with the bot **off**');
		try {
			const inDm = await discord.invoke('video', { prompt: `a dm ${marker()}`, seconds: 4 }, { dm: true });
			expect(await refusal(inDm)).toContain('does not take requests in DMs');
		} finally {
			await admin(['where', 'access'], { dms: true }, { userId: OWNER });
		}
	});
});

describe('where and what', () => {
	it('keeps /video out of a channel that is not on the server\'s list', async () => {
		await admin(['where', 'channel-add'], { channel: channelOption(discord.world.channelId) });
		try {
			const tag = marker();
			const outside = await discord.invoke('video', { prompt: `outside ${tag}`, seconds: 4 }, { userId: snowflake(), channelId: elsewhere });
			expect(await refusal(outside)).toContain(`only in <#${discord.world.channelId}>`);
			expect(submitted(tag)).toHaveLength(0);
		} finally {
			await admin(['where', 'channels-all']);
		}
	});

	it('refuses a blocked word written in full-width letters, capitals or with an invisible character, without echoing it, and tells the audit channel', async () => {
		await admin(['blocklist', 'add'], { term: 'kraken' });
		const tag = marker();
		for (const prompt of [`a ｋｒａｋｅｎ rises ${tag}`, `A KRAKEN RISES ${tag}`, `a kra\u2063ken rises ${tag}`]) {
			const handle = await discord.invoke('video', { prompt, seconds: 4 }, { userId: snowflake() });
			const answer = await refusal(handle);
			expect(answer).toContain("can't be used in this server");
			expect(answer.toLowerCase()).not.toContain('kraken');
		}
		expect(submitted(tag)).toHaveLength(0);
		await discord.waitFor(() => audit().filter((message) => message.content.includes('Refused a prompt') && message.content.includes(tag)).length === 3);
		expect(audit().every((message) => !message.pinged)).toBe(true);
	});
});

describe('the audit channel', () => {
	it('gets one line for a delivered job and one for a failed one: who, prompt, model, seconds, audio, outcome, task, spend', async () => {
		const tag = marker();
		const userId = snowflake();
		const good = await discord.invoke('video', { prompt: `a meadow ${tag}`, seconds: 4 }, { userId });
		const bad = await discord.invoke('video', { prompt: `a storm sim:fail=InternalServiceError ${tag}`, seconds: 4 }, { userId });
		await Promise.all([good.finished(20_000), bad.finished(20_000)]);
		await discord.waitFor(() => audit().filter((message) => message.content.includes(tag)).length === 2);
		const [delivered, failed] = [`a meadow ${tag}`, `a storm`].map((text) => audit().find((message) => message.content.includes(text))!.content);
		expect(delivered).toMatch(new RegExp(`<@${userId}> · doubao-seedance-2-0-1080p · 4 s, audio on · ✅ delivered \\(attachment\\) · task \`task_\\w+\` · spend ≈ 0\\.40`));
		expect(failed).toContain('❌ TaskFailed');
		expect(failed).toContain('spend ≈ 0.00');
		expect(audit().filter((message) => message.content.includes(tag)).every((message) => !message.pinged)).toBe(true);
	});
});

describe('when RelayDance\'s balance runs out', () => {
	it('pauses bot-wide, tells members plainly and the audit channel once, and resumes on its own', async () => {
		const tag = marker();
		const alertsBefore = audit().filter((message) => message.content.includes('balance is spent')).length;
		relaydance.setBalance('402');
		const waiting = await discord.invoke('video', { prompt: `waits ${tag}`, seconds: 4 }, { userId: snowflake() });
		await waiting.waitFor((h) => textOf(h.original).includes('credit has run out'));
		// While paused, a new request is refused with the same plain words, and nothing is reserved.
		const refused = await discord.invoke('video', { prompt: `refused ${tag}`, seconds: 4 }, { userId: snowflake() });
		expect(await refusal(refused)).toContain("The bot's RelayDance credit has run out; the server's admins have been told.");
		await discord.waitFor(() => audit().filter((message) => message.content.includes('balance is spent')).length === alertsBefore + 1);
		// Still spent when the pause ends: it tries again, pauses again, and does not tell the admins twice.
		await relaydance.waitForRequest((request) => Boolean(request.refused) && JSON.stringify(request.body).includes(`waits ${tag}`) && relaydance.refusedForBalance().filter((r) => JSON.stringify(r.body).includes(`waits ${tag}`)).length >= 2, 10_000);
		relaydance.setBalance(false);
		await waiting.finished(20_000);
		expect(textOf(waiting.original)).toContain('Video ready');
		expect(submitted(`waits ${tag}`)).toHaveLength(1);
		expect(audit().filter((message) => message.content.includes('balance is spent'))).toHaveLength(alertsBefore + 1);
		expect(submitted(`refused ${tag}`)).toHaveLength(0);
	});
});
