import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { buttonsOf, startDiscordStandIn, textOf, type DiscordStandIn, type InteractionHandle } from '../stand-ins/discord/stand-in.js';
import { startRelayDanceSimulator, type RelayDanceSimulator } from '../stand-ins/relaydance/simulator.js';
import { runScript, type ScriptRun } from './support/bot-process.js';

/**
 * What keeps one member, one server or the whole bot from spending too much, and a busy server
 * from crowding out a quiet one: through the real bot process, each describe with its own.
 */
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
	for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A Discord stand-in, a simulator and the real bot process between them, with `env` on top of test defaults. */
async function world(env: Record<string, string>, simulator: Parameters<typeof startRelayDanceSimulator>[0] = {}) {
	const [discord, relaydance] = await Promise.all([startDiscordStandIn(), startRelayDanceSimulator({ queuedMs: 50, durationMs: 300, ...simulator })]);
	const bot = runScript('dist/index.js', {
		DISCORD_TOKEN: discord.botToken,
		DISCORD_API_URL: discord.apiUrl,
		RELAYDANCE_API_KEY: 'sk-queue-test',
		RELAYDANCE_BASE_URL: relaydance.apiUrl,
		STORE_URL: `sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-queue-')), 'store.sqlite')}`,
		POLL_INTERVAL_MS: '50',
		POLL_MAX_INTERVAL_MS: '100',
		EDIT_INTERVAL_MS: '100',
		MAX_ACTIVE_JOBS_PER_USER: '20',
		...env,
	});
	cleanups.push(async () => {
		bot.child.kill('SIGKILL');
		await bot.exit;
		await Promise.all([discord.close(), relaydance.close()]);
	});
	await bot.waitForLog('bot ready');
	return { discord, relaydance, bot };
}

const marker = () => `m${randomUUID().slice(0, 8)}`;
const submitted = (relaydance: RelayDanceSimulator, tag: string) =>
	relaydance.requests.filter((request) => request.path === '/v1/video/generations' && !('refused' in request && request.refused) && JSON.stringify(request.body).includes(tag));
const refusedText = async (handle: InteractionHandle) => {
	await handle.waitFor((h) => h.original !== undefined && h.callback?.type === 4);
	expect(handle.original!.ephemeral).toBe(true);
	return textOf(handle.original);
};

describe('budgets', () => {
	let discord: DiscordStandIn;
	let relaydance: RelayDanceSimulator;
	let otherGuild: { guildId: string; channelIds: string[] };

	// Members may make 10 s each; the whole bot 20 s.
	beforeAll(async () => {
		({ discord, relaydance } = await world({ QUOTA_VIDEO_SECONDS: '10', QUOTA_GLOBAL_VIDEO_SECONDS: '20' }));
		otherGuild = await discord.addGuild({ name: 'Second server' });
	});
	afterEach(() => expect(discord.violations).toEqual([]));

	it('submits exactly 2 of 10 simultaneous requests from a member with room for 2', async () => {
		const tag = marker();
		const userId = snowflake();
		const handles = await Promise.all(Array.from({ length: 10 }, (_, index) => discord.invoke('video', { prompt: `race ${index} ${tag}`, seconds: 5 }, { userId })));
		await Promise.all(handles.map((handle) => handle.waitFor((h) => h.callback !== undefined)));
		const accepted = handles.filter((handle) => handle.callback!.type === 5);
		expect(accepted).toHaveLength(2);
		await Promise.all(accepted.map((handle) => handle.finished(20_000)));
		expect(submitted(relaydance, tag)).toHaveLength(2);
		for (const refused of handles.filter((handle) => handle.callback!.type === 4)) expect(await refusedText(refused)).toContain('you have 0 s of your 10 s left');
	});

	it('refuses a second server once the first has used the bot-wide budget, before any call', async () => {
		const tag = marker();
		// The race above took 10 s; 10 more in the first server fill the bot's 20.
		const first = await discord.invoke('video', { prompt: `first server ${tag}`, seconds: 10 }, { userId: snowflake() });
		await first.finished(20_000);
		expect(textOf(first.original)).toContain('Video ready');
		const second = await discord.invoke('video', { prompt: `second server ${tag}`, seconds: 4 }, { userId: snowflake(), guildId: otherGuild.guildId, channelId: otherGuild.channelIds[0] });
		expect(await refusedText(second)).toContain("The bot's budget for now is spent");
		expect(submitted(relaydance, `second server ${tag}`)).toHaveLength(0);
	});
});

describe('the line for RelayDance', () => {
	let discord: DiscordStandIn;
	let relaydance: RelayDanceSimulator;

	// One task in flight at a time; 25 s per member; 45 s for the whole bot (what the tests below use, with 2 to spare).
	beforeAll(async () => {
		({ discord, relaydance } = await world({ MAX_CONCURRENT_TASKS: '1', QUOTA_VIDEO_SECONDS: '25', QUOTA_GLOBAL_VIDEO_SECONDS: '45' }, { durationMs: 600 }));
	});
	afterEach(() => expect(discord.violations).toEqual([]));

	it('serves two servers in turn: the quiet server\'s one request is not put behind the busy one\'s', async () => {
		const tag = marker();
		const busy = await discord.addGuild({ name: 'Busy' });
		const quiet = await discord.addGuild({ name: 'Quiet' });
		const inBusy = { guildId: busy.guildId, channelId: busy.channelIds[0] };
		const first = await discord.invoke('video', { prompt: `busy 0 ${tag}`, seconds: 4 }, { userId: snowflake(), ...inBusy });
		await relaydance.waitForRequest((request) => JSON.stringify(request.body ?? '').includes(`busy 0 ${tag}`));
		const handles = [first];
		for (let index = 1; index <= 3; index++) {
			const handle = await discord.invoke('video', { prompt: `busy ${index} ${tag}`, seconds: 4 }, { userId: snowflake(), ...inBusy });
			await handle.waitFor((h) => h.callback !== undefined);
			handles.push(handle);
		}
		handles.push(await discord.invoke('video', { prompt: `quiet ${tag}`, seconds: 4 }, { userId: snowflake(), guildId: quiet.guildId, channelId: quiet.channelIds[0] }));
		await Promise.all(handles.map((handle) => handle.finished(30_000)));
		const order = submitted(relaydance, tag).map((request) => /(busy \d|quiet)/.exec(JSON.stringify(request.body))![1]);
		expect(order).toEqual(['busy 0', 'busy 1', 'quiet', 'busy 2', 'busy 3']);
	});

	it('shows each waiting job its place as the line moves, and Cancel gives the quota back', async () => {
		const tag = marker();
		const userId = snowflake();
		const running = await discord.invoke('video', { prompt: `running sim:duration=1500 ${tag}`, seconds: 4 }, { userId: snowflake() });
		await relaydance.waitForRequest((request) => JSON.stringify(request.body ?? '').includes(`running sim:duration=1500 ${tag}`));
		const second = await discord.invoke('video', { prompt: `second sim:duration=5000 ${tag}`, seconds: 4 }, { userId: snowflake() });
		const third = await discord.invoke('video', { prompt: `third ${tag}`, seconds: 15 }, { userId });
		await third.waitFor((h) => /2nd in line/.test(textOf(h.original)));
		await third.waitFor((h) => /next in line/.test(textOf(h.original)), 20_000);
		expect(third.history.some((message) => /2nd in line/.test(textOf(message)))).toBe(true);
		const cancelButton = buttonsOf(third.original).find((button) => button.label === 'Cancel')!;
		await discord.press(third.original!, cancelButton.custom_id!, { userId });
		await third.waitFor((h) => /Cancelled/.test(textOf(h.original)));
		expect(textOf(third.original)).toContain('Your 15 s of quota were given back.');
		await Promise.all([running.finished(20_000), second.finished(20_000)]);
		expect(submitted(relaydance, `third ${tag}`)).toHaveLength(0);
		// 25 s per member and 45 s for the bot: 15 more fit only because the cancelled 15 came back to both.
		const again = await discord.invoke('video', { prompt: `after cancel ${tag}`, seconds: 15 }, { userId });
		await again.finished(20_000);
		expect(textOf(again.original)).toContain('Video ready');
	});
});
