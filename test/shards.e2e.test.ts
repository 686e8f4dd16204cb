import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { shardOf } from '../stand-ins/discord/gateway.js';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { startDiscordStandIn, textOf, type DiscordStandIn } from '../stand-ins/discord/stand-in.js';
import { startRelayDanceSimulator, type RelayDanceSimulator } from '../stand-ins/relaydance/simulator.js';
import { runScript, type ScriptRun } from './support/bot-process.js';

/**
 * Gateway sharding through discord.js's own: the stand-in recommends two shards and routes each
 * guild's events to its shard, `(guild_id >> 22) % shard_count`, as Discord does.
 */
let discord: DiscordStandIn;
let relaydance: RelayDanceSimulator;
const guilds: Array<{ guildId: string; channelId: string }> = [];
const processes: ScriptRun[] = [];

beforeAll(async () => {
	[discord, relaydance] = await Promise.all([startDiscordStandIn({ shards: 2 }), startRelayDanceSimulator({ queuedMs: 50, durationMs: 200 })]);
	guilds.push({ guildId: discord.world.guildId, channelId: discord.world.channelId });
	// One guild on each shard.
	while (new Set(guilds.map((guild) => shardOf(guild.guildId, 2))).size < 2) {
		const added = await discord.addGuild({ name: `Guild ${guilds.length}` });
		guilds.push({ guildId: added.guildId, channelId: added.channelIds[0]! });
	}
});
afterEach(async () => {
	for (const run of processes.splice(0)) {
		run.child.kill('SIGTERM');
		await run.exit;
	}
	expect(discord.violations).toEqual([]);
});
afterAll(() => Promise.all([discord?.close(), relaydance?.close()]));

const onShard = (shard: number) => guilds.find((guild) => shardOf(guild.guildId, 2) === shard)!;

function startBot(env: Record<string, string>): ScriptRun {
	const run = runScript('dist/index.js', {
		DISCORD_TOKEN: discord.botToken,
		DISCORD_API_URL: discord.apiUrl,
		RELAYDANCE_API_KEY: 'sk-shards',
		RELAYDANCE_BASE_URL: relaydance.apiUrl,
		STORE_URL: `sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-shards-')), 'store.sqlite')}`,
		POLL_INTERVAL_MS: '50',
		POLL_MAX_INTERVAL_MS: '100',
		EDIT_INTERVAL_MS: '100',
		...env,
	});
	processes.push(run);
	return run;
}

describe('sharding', () => {
	it('runs every shard Discord recommends in one process (SHARD_COUNT=auto) and serves a guild on each', async () => {
		const bot = startBot({});
		await bot.waitForLog('bot ready');
		const routedBefore = discord.routed.length;
		for (const shard of [0, 1]) {
			const { guildId, channelId } = onShard(shard);
			const handle = await discord.invoke('video', { prompt: `shard ${shard} auto`, seconds: 4 }, { userId: snowflake(), guildId, channelId });
			await handle.finished(20_000);
			expect(textOf(handle.original)).toContain('Video ready');
		}
		const interactions = discord.routed.slice(routedBefore).filter((entry) => entry.event === 'INTERACTION_CREATE');
		expect(interactions.map((entry) => entry.shards)).toEqual([[0], [1]]);
	});

	it('splits the shards between two processes (SHARD_IDS): each guild\'s commands reach only its shard\'s process', async () => {
		const zero = startBot({ SHARD_COUNT: '2', SHARD_IDS: '0' });
		const one = startBot({ SHARD_COUNT: '2', SHARD_IDS: '1' });
		await Promise.all([zero.waitForLog('bot ready'), one.waitForLog('bot ready')]);
		const users = [snowflake(), snowflake()];
		for (const shard of [0, 1]) {
			const { guildId, channelId } = onShard(shard);
			const handle = await discord.invoke('video', { prompt: `shard ${shard} split`, seconds: 4 }, { userId: users[shard], guildId, channelId });
			await handle.finished(20_000);
			expect(textOf(handle.original)).toContain('Video ready');
		}
		const handledBy = (run: ScriptRun, userId: string) => run.logs().some((line) => line.userId === userId && line.msg === 'task submitted');
		expect([handledBy(zero, users[0]!), handledBy(one, users[0]!)]).toEqual([true, false]);
		expect([handledBy(zero, users[1]!), handledBy(one, users[1]!)]).toEqual([false, true]);
	});
});
