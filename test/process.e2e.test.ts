import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordStandIn, textOf, type DiscordStandIn } from '../stand-ins/discord/stand-in.js';
import { startRelayDanceSimulator, type RelayDanceSimulator } from '../stand-ins/relaydance/simulator.js';
import { LOCALES } from '../src/i18n/index.js';
import { runScript } from './support/bot-process.js';
import { fixtures } from './support/harness.js';

let discord: DiscordStandIn;
let relaydance: RelayDanceSimulator;
beforeAll(async () => {
	[discord, relaydance] = await Promise.all([startDiscordStandIn(), startRelayDanceSimulator({ queuedMs: 50, durationMs: 200 })]);
});
afterAll(async () => {
	await Promise.all([discord?.close(), relaydance?.close()]);
});

/** What the bot process needs to run against the two stand-ins, with a store of its own. */
const botEnv = () => ({
	DISCORD_TOKEN: discord.botToken,
	DISCORD_API_URL: discord.apiUrl,
	RELAYDANCE_API_KEY: 'sk-process-test',
	RELAYDANCE_BASE_URL: relaydance.apiUrl,
	STORE_URL: `sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-proc-store-')), 'store.sqlite')}`,
});

describe('npm start', () => {
	it('lists every missing setting in one message and points to the demo', async () => {
		const run = runScript('dist/index.js', { POLL_INTERVAL_MS: 'often' });
		expect(await run.exit).toBe(1);
		const { stderr } = run.output();
		expect(stderr).toContain('DISCORD_TOKEN is required');
		expect(stderr).toContain('RELAYDANCE_API_KEY is required');
		expect(stderr).toContain('POLL_INTERVAL_MS');
		expect(stderr).toContain('npm run demo');
	});

	it('says plainly that npm run gateway and npm run worker need Redis, on the SQLite default', async () => {
		for (const role of ['gateway', 'worker']) {
			const run = runScript('dist/index.js', botEnv(), undefined, [role]);
			expect(await run.exit).toBe(1);
			expect(run.output().stderr).toContain(`npm run ${role} needs STORE_URL=redis://host:port/db`);
		}
	});

	it('reads .env when present, with real environment variables winning', async () => {
		const run = runScript('dist/index.js', { RELAYDANCE_API_KEY: 'from-env' }, 'DISCORD_TOKEN=from-dotenv\nRELAYDANCE_API_KEY=\nPOLL_INTERVAL_MS=soon\n');
		expect(await run.exit).toBe(1);
		const { stderr } = run.output();
		expect(stderr).toContain('POLL_INTERVAL_MS');
		expect(stderr).not.toContain('DISCORD_TOKEN');
		expect(stderr).not.toContain('RELAYDANCE_API_KEY');
	});

	it('runs the real bot process: connects, delivers a /video, and stops cleanly on SIGTERM', async () => {
		const run = runScript('dist/index.js', { ...botEnv(), POLL_INTERVAL_MS: '50', EDIT_INTERVAL_MS: '50' });
		await Promise.race([discord.whenBotConnected(), run.exit.then(() => Promise.reject(new Error(run.output().stderr)))]);
		const handle = await discord.invoke('video', { prompt: '@image1 waves from the process test', image1: fixtures.catPng() });
		await handle.finished();
		expect(textOf(handle.original)).toContain('✅ Video ready');
		expect(handle.original!.files).toHaveLength(1);
		run.child.kill('SIGTERM');
		expect(await run.exit).toBe(0);
		expect(run.output().stdout).not.toContain('sk-process-test');
	});

	it('loads no Redis client, queue or queue UI when it runs on SQLite', async () => {
		const loads = join(mkdtempSync(join(tmpdir(), 'rd-loads-')), 'loads.txt');
		const recorder = fileURLToPath(new URL('./support/record-loads.mjs', import.meta.url));
		const run = runScript('dist/index.js', { ...botEnv(), OPS_PORT: '0', OPS_TOKEN: 'ops-loads-test-token-0123', NODE_OPTIONS: `--import=${recorder}`, RECORD_LOADS_FILE: loads });
		await Promise.race([discord.whenBotConnected(), run.exit.then(() => Promise.reject(new Error(run.output().stderr)))]);
		run.child.kill('SIGTERM');
		expect(await run.exit).toBe(0);
		const packages = new Set([...readFileSync(loads, 'utf8').matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].map((match) => match[1]));
		expect(packages).toContain('discord.js');
		expect(packages).toContain('@keyv/sqlite');
		for (const name of ['bullmq', 'ioredis', '@keyv/redis', '@redis/client', '@bull-board/api', '@bull-board/express', 'express']) expect(packages).not.toContain(name);
	});

	it('stops the start with a clear message when the webhook port is taken', async () => {
		const taken = createServer();
		await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
		const port = (taken.address() as AddressInfo).port;
		try {
			const run = runScript('dist/index.js', { ...botEnv(), WEBHOOK_PUBLIC_URL: 'https://bot.example.com', WEBHOOK_PORT: String(port) });
			expect(await run.exit).toBe(1);
			expect(run.output().stderr).toContain(`The bot could not start: WEBHOOK_PORT ${port} on 127.0.0.1 is already in use (EADDRINUSE)`);
		} finally {
			await new Promise((resolve) => taken.close(resolve));
		}
	});
});

describe('npm run register', () => {
	it('registers /video in the guild, required option first, attachments typed, per the OpenAPI spec', async () => {
		const run = runScript('dist/register.js', { DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: discord.world.guildId });
		expect(await run.exit).toBe(0);
		expect(run.output().stdout).toContain('Registered /video');
		const [command] = discord.registered.guild as Array<{ name: string; options: Array<{ name: string; type: number; required?: boolean; file_types?: string[] }> }>;
		expect(command!.name).toBe('video');
		const names = command!.options.map((option) => option.name);
		expect(names.slice(0, 6)).toEqual(['prompt', 'model', 'seconds', 'audio', 'ratio', 'resolution']);
		expect(names.filter((name) => /^(image|video|audio)\d$/.test(name))).toHaveLength(15);
		expect(command!.options[0]!.required).toBe(true);
		expect(command!.options.find((option) => option.name === 'video2')!.file_types).toEqual(['video']);
		expect(discord.violations).toEqual([]);
	});

	it('registers /image (prompt required, count) and the "Make a video" message command beside /video', async () => {
		const run = runScript('dist/register.js', { DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: discord.world.guildId });
		expect(await run.exit).toBe(0);
		expect(run.output().stdout).toContain('"Make a video"');
		const commands = discord.registered.guild as Array<{ name: string; type?: number; options?: Array<{ name: string; required?: boolean; min_value?: number; max_value?: number }> }>;
		expect(commands.map((command) => command.name)).toEqual(['video', 'image', 'jobs', 'quota', 'relaydance-admin', 'Make a video']);
		const image = commands.find((command) => command.name === 'image')!;
		expect(image.options![0]).toMatchObject({ name: 'prompt', required: true });
		expect(image.options!.find((option) => option.name === 'count')).toMatchObject({ min_value: 1, max_value: 4 });
		expect(commands.find((command) => command.name === 'Make a video')!.type).toBe(3);
		expect(discord.violations).toEqual([]);
	});

	it('sends every description of every command, subcommand and option in every kept locale, names left English', async () => {
		const run = runScript('dist/register.js', { DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: discord.world.guildId });
		expect(await run.exit).toBe(0);
		type Node = { name: string; description?: string; description_localizations?: Record<string, string>; name_localizations?: unknown; options?: Node[] };
		const walk = (node: Node, path: string): Array<[string, Node]> => [...(node.description ? [[path, node] as [string, Node]] : []), ...(node.options ?? []).flatMap((option) => walk(option, `${path} ${option.name}`))];
		const described = (discord.registered.guild as Node[]).flatMap((command) => walk(command, `/${command.name}`));
		expect(described.length).toBeGreaterThan(50);
		const kept = LOCALES.filter((locale) => locale !== 'en-US').sort();
		for (const [path, node] of described) {
			expect(Object.keys(node.description_localizations ?? {}).sort(), path).toEqual(kept);
			expect(node.name_localizations ?? null, path).toBeNull();
		}
		const video = (discord.registered.guild as Node[]).find((command) => command.name === 'video')!;
		expect(video.description_localizations!.de).toBe('Erstell mit RelayDance ein Video aus einem Prompt und optionalen Referenzmedien');
		expect(video.description_localizations!.ja).toBe('プロンプトと任意の参照メディアから RelayDance で動画を生成');
		expect(discord.violations).toEqual([]);
	});
});
