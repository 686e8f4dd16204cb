import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFlags } from '../scripts/start-flags.js';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { startDiscordStandIn, type DiscordStandIn, type InteractionHandle } from '../stand-ins/discord/stand-in.js';
import type { RelayDanceSimulator } from '../stand-ins/relaydance/simulator.js';
import { settle } from './settle.js';
/** What `bench/probe.mjs` reports from inside the bot process. */
export interface ProbeStats {
	rssNow: number;
	rssPeak: number;
	heapUsed: number;
	heapTotal: number;
	external: number;
	delayP50Ms: number;
	delayP99Ms: number;
	delayMaxMs: number;
}

export const root = fileURLToPath(new URL('..', import.meta.url));

/** A child process that answers the probe over IPC. */
export class Probed {
	constructor(readonly child: ChildProcess) {}

	ask(probe: 'stats' | 'reset' | 'gc' | 'snapshot'): Promise<ProbeStats> {
		return new Promise((resolve) => {
			const onMessage = (message: { probe?: string; stats?: ProbeStats }) => {
				if (message?.probe !== probe || !message.stats) return;
				this.child.off('message', onMessage);
				resolve(message.stats);
			};
			this.child.on('message', onMessage);
			this.child.send({ probe });
		});
	}

	async stop(): Promise<void> {
		if (this.child.exitCode !== null) return;
		const exited = new Promise((resolve) => this.child.once('exit', resolve));
		this.child.kill('SIGTERM');
		const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
		await exited;
		clearTimeout(timer);
	}
}

/** Starts the real bot process as `npm start` does (`node dist/index.js`) against a fresh Discord stand-in, with the probe preloaded. */
export async function startBot(relaydance: Pick<RelayDanceSimulator, 'apiUrl'>, env: Record<string, string> = {}): Promise<{ bot: Probed; discord: DiscordStandIn }> {
	const discord = await startDiscordStandIn({ keepFiles: false });
	const nodeArgs = process.env.BENCH_BOT_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
	const child = spawn(process.execPath, [...startFlags(), ...nodeArgs, '--expose-gc', '--import', './bench/probe.mjs', 'dist/index.js'], {
		cwd: root,
		stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
		env: {
			PATH: process.env.PATH,
			DISCORD_TOKEN: discord.botToken,
			DISCORD_API_URL: discord.apiUrl,
			RELAYDANCE_API_KEY: 'sk-bench',
			RELAYDANCE_BASE_URL: relaydance.apiUrl,
			STORE_URL: `sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-bench-')), 'bench.sqlite')}`,
			QUOTA_VIDEO_SECONDS: '1000',
			// The capacity part tracks thousands of tasks in flight at once: no cap on them here.
			MAX_CONCURRENT_TASKS: '1000000',
			LOG_LEVEL: 'error',
			...env,
		},
	});
	let stderr = '';
	child.stderr!.on('data', (chunk) => (stderr += chunk));
	if (process.env.BENCH_TRACE) child.stderr!.pipe(process.stderr);
	const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`bot exited (${code}): ${stderr}`))));
	await Promise.race([discord.whenBotConnected(), exited]);
	exited.catch(() => {});
	return { bot: new Probed(child), discord };
}

/**
 * The simulator in a process of its own (`npm run simulator`), so its work does not share an
 * event loop with the Discord stand-in that timestamps first responses.
 */
export async function startSimulatorProcess(env: Record<string, string>): Promise<{ apiUrl: string; stop: () => Promise<void> }> {
	const child = spawn(process.execPath, ['--import', 'tsx', 'stand-ins/relaydance/main.ts'], {
		cwd: root,
		stdio: ['ignore', 'pipe', 'inherit'],
		env: { PATH: process.env.PATH, SIM_PORT: '0', ...env },
	});
	const apiUrl = await new Promise<string>((resolve, reject) => {
		child.stdout!.on('data', (chunk: Buffer) => {
			const match = /listening on (\S+)/.exec(String(chunk));
			if (match) resolve(match[1]!);
		});
		child.once('exit', (code) => reject(new Error(`simulator exited (${code})`)));
	});
	return { apiUrl, stop: () => new Probed(child).stop() };
}

/** The floor client: a bare gateway client that only defers; given `redisUrl`, after one script there (`bench/floor-client.mjs`). */
export async function startFloor(redisUrl?: string): Promise<{ floor: Probed; discord: DiscordStandIn }> {
	const discord = await startDiscordStandIn({ keepFiles: false });
	const child = spawn(process.execPath, ['bench/floor-client.mjs', discord.apiUrl, ...(redisUrl ? [redisUrl] : [])], { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
	await discord.whenBotConnected();
	return { floor: new Probed(child), discord };
}

/** The plain way: a one-file discord.js bot doing the same job (`bench/plain-bot.mjs`), against its own Discord stand-in; given `redisUrl`, with its quota there. */
export async function startPlain(relaydance: Pick<RelayDanceSimulator, 'apiUrl'>, redisUrl?: string): Promise<{ plain: Probed; discord: DiscordStandIn }> {
	const discord = await startDiscordStandIn({ keepFiles: false });
	const child = spawn(process.execPath, [...(process.env.BENCH_PLAIN_IMPORT ? ['--import', process.env.BENCH_PLAIN_IMPORT] : []), 'bench/plain-bot.mjs', discord.apiUrl, relaydance.apiUrl, discord.botToken, ...(redisUrl ? [redisUrl] : [])], { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
	await discord.whenBotConnected();
	return { plain: new Probed(child), discord };
}

/**
 * Sends `count` /video commands at once, each from its own member, placed by `guildOf(index)` (the
 * world's guild when it gives none); resolves when each has its first response or a refusal.
 */
export async function burst(discord: DiscordStandIn, count: number, prompt: string, guildOf: (index: number) => string | undefined = () => undefined): Promise<InteractionHandle[]> {
	await settle();
	const handles = await Promise.all(
		Array.from({ length: count }, (_, index) => {
			const guildId = guildOf(index);
			return discord.invoke('video', { prompt }, { userId: snowflake(), ...(guildId && { guildId }) });
		}),
	);
	await Promise.all(handles.map((handle) => handle.waitFor((handle) => handle.callback !== undefined || handle.rejections.length > 0, 120_000)));
	return handles;
}

/** Each handle's first response in ms (infinite when there was none). */
export function responseTimes(handles: InteractionHandle[]): number[] {
	return handles.map((handle) => handle.firstResponseMs ?? Number.POSITIVE_INFINITY);
}

/** A burst at the floor client (`startFloor`): each first response in ms, the handles let go. */
export async function floorBurst(discord: DiscordStandIn, count: number): Promise<number[]> {
	const handles = await burst(discord, count, 'floor');
	handles.forEach((handle) => discord.forget(handle));
	return responseTimes(handles);
}

/** A burst at a bot (`burst`), waited out until every job has finished; the handles, let go. */
export async function jobBurst(discord: DiscordStandIn, count: number, prompt: string, guildOf?: (index: number) => string | undefined): Promise<InteractionHandle[]> {
	const handles = await burst(discord, count, prompt, guildOf);
	await Promise.all(handles.map((handle) => handle.finished(120_000)));
	handles.forEach((handle) => discord.forget(handle));
	return handles;
}

export function percentile(values: number[], p: number): number {
	if (values.length === 0) return Number.NaN;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const MB = 1024 * 1024;
export const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
