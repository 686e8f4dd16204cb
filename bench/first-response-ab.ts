/**
 * Part 1 of the benchmark (first response under a burst of /video) for several builds or flag
 * sets of the bot in one run, beside the floor and the plain way, taking turns round by round (the
 * variants in a different order each round) so that a busy machine weighs on each alike. For
 * tracking down a difference, not for RESULTS.md's recorded run (`npm run bench -- first-response`).
 *
 *   npx tsx bench/first-response-ab.ts [variants.json]
 *
 * variants.json: `[{ "label": "no flags", "dist": "dist", "nodeArgs": [], "env": {} }]`, where
 * `dist` is a build of the bot (another commit: `git archive <commit> | tar -x -C <dir>`, link
 * node_modules into it, `npx tsc -p tsconfig.build.json` there); with none, the build in dist/ as
 * `npm start` runs it. BENCH_SIZES (default "100,500") and BENCH_ROUNDS (default 3, or one count per size: BENCH_SIZES=1,100,500 with BENCH_ROUNDS=30,5,3 runs part 1's rounds) pick the bursts.
 *
 * BENCH_SPLIT=1 preloads `bench/trace-callbacks.mjs` into the plain bot and every variant, and
 * prints each first response split into legs (p50 / p99, ms): the stand-in writing the packet, the
 * packet reaching the process's gateway socket handler, discord.js building the interaction, the
 * handler reaching the REST call, @discordjs/rest handing it to undici (a wait for a pooled socket
 * shows here), undici writing it, and the way back to the stand-in; then the process's CPU time
 * and GC pauses over the burst. BENCH_PROFILE=<dir> also writes a CPU profile of each burst (with
 * BENCH_ALLOC=1 an allocation profile instead).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { startDiscordStandIn, type DiscordStandIn, type InteractionHandle } from '../stand-ins/discord/stand-in.js';
import { startFlags } from '../scripts/start-flags.js';
import { fmt, percentile, Probed, responseTimes, root, startFloor, startSimulatorProcess } from './harness.js';
import { gcSince, settle } from './settle.js';

interface Variant {
	label: string;
	dist?: string;
	nodeArgs?: string[];
	env?: Record<string, string>;
}

const variants: Variant[] = process.argv[2] ? (JSON.parse(readFileSync(process.argv[2], 'utf8')) as Variant[]) : [{ label: 'bot', nodeArgs: startFlags() }];
const sizes = (process.env.BENCH_SIZES ?? '100,500').split(',').map(Number);
/** Rounds per burst size: one number for every size, or one per size ("30,5,3", as part 1 runs them). */
const roundsBySize = (process.env.BENCH_ROUNDS ?? '3').split(',').map(Number);
const roundsOf = (index: number) => roundsBySize[Math.min(index, roundsBySize.length - 1)]!;
const split = process.env.BENCH_SPLIT === '1';
const tracer = split || process.env.BENCH_PROFILE ? ['--import', './bench/trace-callbacks.mjs'] : [];

async function startVariant(variant: Variant, relaydanceApi: string): Promise<{ bot: Probed; discord: DiscordStandIn }> {
	const discord = await startDiscordStandIn({ keepFiles: false });
	const child = spawn(process.execPath, [...(variant.nodeArgs ?? []), ...tracer, '--expose-gc', '--import', './bench/probe.mjs', join(variant.dist ?? 'dist', 'index.js')], {
		cwd: root,
		stdio: ['ignore', process.env.BENCH_BOT_STDOUT ? 'inherit' : 'ignore', 'inherit', 'ipc'],
		env: {
			PATH: process.env.PATH,
			...(process.env.BENCH_ALLOC && { BENCH_ALLOC: process.env.BENCH_ALLOC }),
			DISCORD_TOKEN: discord.botToken,
			DISCORD_API_URL: discord.apiUrl,
			RELAYDANCE_API_KEY: 'sk-bench',
			RELAYDANCE_BASE_URL: relaydanceApi,
			STORE_URL: `sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-bench-')), 'bench.sqlite')}`,
			QUOTA_VIDEO_SECONDS: '1000',
			MAX_CONCURRENT_TASKS: '1000000',
			LOG_LEVEL: 'error',
			POLL_INTERVAL_MS: '500',
			EDIT_INTERVAL_MS: '4000',
			...variant.env,
		},
	});
	await discord.whenBotConnected();
	return { bot: new Probed(child), discord };
}

/** The plain way (`bench/plain-bot.mjs`), as the harness starts it, with the tracer when asked. */
async function startPlainTraced(relaydanceApi: string): Promise<{ plain: Probed; discord: DiscordStandIn }> {
	const discord = await startDiscordStandIn({ keepFiles: false });
	const child = spawn(process.execPath, [...tracer, 'bench/plain-bot.mjs', discord.apiUrl, relaydanceApi, discord.botToken], { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
	await discord.whenBotConnected();
	return { plain: new Probed(child), discord };
}

type Stamps = { recv?: number; built?: number; posted?: number; create?: number; sent?: number };
type Window = { cpuMs: number; gcMs: number; gcCount: number; handlerUs: number; messageUs: number };

/** Sends `message` to the traced process and resolves with the first answer `pick` accepts. */
function ask<T>(process: Probed, message: object, pick: (reply: { trace?: unknown; window?: Window }) => T | undefined): Promise<T> {
	return new Promise((resolve) => {
		const onMessage = (reply: { trace?: unknown; window?: Window }) => {
			const picked = reply && pick(reply);
			if (picked === undefined) return;
			process.child.off('message', onMessage);
			resolve(picked);
		};
		process.child.on('message', onMessage);
		process.child.send(message);
	});
}
const answered = (name: string) => (reply: { trace?: unknown }) => (reply.trace === name ? true : undefined);

/** CPU time, GC and handler time of each traced process over each burst (until every callback was in). */
const windows = new Map<string, number[][]>();

/** When the stand-in's write of each INTERACTION_CREATE reached the socket (its `invoke` resolved). */
const written = new Map<string, number>();

/** This process's GC during each burst, ms, by burst size and variant: what the stand-ins' own collection added to the readings. */
const standInGc = new Map<string, number[]>();

async function burst(discord: DiscordStandIn, count: number, prompt: string, label: string): Promise<InteractionHandle[]> {
	const from = await settle();
	const handles = await Promise.all(
		Array.from({ length: count }, async () => {
			const handle = await discord.invoke('video', { prompt }, { userId: snowflake() });
			written.set(handle.id, performance.now());
			return handle;
		}),
	);
	await Promise.all(handles.map((handle) => handle.waitFor((handle) => handle.callback !== undefined || handle.rejections.length > 0, 120_000)));
	const key = `${count} ${label}`;
	standInGc.set(key, [...(standInGc.get(key) ?? []), gcSince(from)]);
	return handles;
}

/** Legs of each first response, ms, per burst size and variant (see the header). */
const legs = new Map<string, number[][]>();
const LEGS = ['stand-in writes', 'to the process', 'discord.js builds', 'handler to REST post', 'REST to undici', 'undici sends', 'back'];

function legsOf(handle: InteractionHandle, stamps: Stamps | undefined): number[] | undefined {
	const writtenAt = written.get(handle.id);
	if (!stamps?.recv || !stamps.built || !stamps.posted || !stamps.create || !stamps.sent || !handle.callback || writtenAt === undefined) return undefined;
	// The stand-in's clock is this process's performance.now(); the bot's stamps are ms since the epoch.
	const epoch = (at: number) => performance.timeOrigin + at;
	return [writtenAt - handle.sentAt, stamps.recv - epoch(writtenAt), stamps.built - stamps.recv, stamps.posted - stamps.built, stamps.create - stamps.posted, stamps.sent - stamps.create, epoch(handle.callback.at) - stamps.sent];
}

async function measure(discord: DiscordStandIn, size: number, prompt: string, waitForJobs: boolean, traced?: { label: string; process: Probed }): Promise<number[]> {
	const key = `${size} ${traced?.label}`;
	const profileDir = process.env.BENCH_PROFILE;
	if (traced && profileDir) await ask(traced.process, { trace: 'profile-start' }, answered('profiling'));
	if (traced && split) await ask(traced.process, { trace: 'mark' }, answered('marked'));
	const handles = await burst(discord, size, prompt, traced?.label ?? 'floor');
	if (traced && split) {
		const window = await ask(traced.process, { trace: 'window' }, (reply) => (reply.trace === 'window' ? reply.window : undefined));
		const rows = windows.get(key) ?? [[], [], [], [], []];
		[window.cpuMs, window.gcMs, window.gcCount, window.handlerUs, window.messageUs].forEach((value, index) => rows[index]!.push(value));
		windows.set(key, rows);
	}
	if (traced && profileDir) await ask(traced.process, { trace: 'profile-stop', file: join(profileDir, `${traced.label}-${size}-${Date.now()}.${process.env.BENCH_ALLOC === '1' ? 'heapprofile' : 'cpuprofile'}`) }, answered('profiled'));
	if (traced && split) {
		const trace = await ask(traced.process, { trace: 'take' }, (reply) => (typeof reply.trace === 'object' && reply.trace ? (reply.trace as Record<string, Stamps>) : undefined));
		const rows = legs.get(key) ?? LEGS.map(() => []);
		for (const handle of handles) legsOf(handle, trace[handle.id])?.forEach((value, index) => rows[index]!.push(value));
		legs.set(key, rows);
	}
	const values = responseTimes(handles);
	if (waitForJobs) await Promise.all(handles.map((handle) => handle.finished(120_000)));
	for (const handle of handles) {
		discord.forget(handle);
		written.delete(handle.id);
	}
	return values;
}

const relaydance = await startSimulatorProcess({ SIM_QUEUED_MS: '100', SIM_DURATION_MS: '400' });
const floor = await startFloor();
const plain = await startPlainTraced(relaydance.apiUrl);
const bots: Array<{ variant: Variant; bot: Probed; discord: DiscordStandIn }> = [];
for (const variant of variants) bots.push({ variant, ...(await startVariant(variant, relaydance.apiUrl)) });

console.log(`| burst | variant | n | p50 | p99 | max | p99 / floor | p99 / plain | p50 / plain | per-round p50 |`);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const [sizeIndex, size] of sizes.entries()) {
	const rounds = roundsOf(sizeIndex);
	const measured = new Map<string, number[][]>();
	const add = (label: string, values: number[]) => measured.set(label, [...(measured.get(label) ?? []), values]);
	for (let round = 0; round < rounds; round++) {
		add('floor', await measure(floor.discord, size, 'floor', false));
		add('plain', await measure(plain.discord, size, 'a lighthouse at dusk, plain', true, { label: 'plain', process: plain.plain }));
		// Variants take turns in a different order each round.
		const order = bots.map((_, index) => bots[(index + round) % bots.length]!);
		for (const { variant, discord, bot } of order) add(variant.label, await measure(discord, size, 'a lighthouse at dusk, bench', true, { label: variant.label, process: bot }));
	}
	const all = (label: string) => measured.get(label)!.flat();
	for (const label of measured.keys()) {
		const values = all(label);
		const p99 = percentile(values, 99);
		const p50 = percentile(values, 50);
		const perRound = measured.get(label)!.map((values) => fmt(percentile(values, 50), 0)).join(' ');
		const vs = (other: string, p: 50 | 99) => (label === other ? '—' : `${fmt(percentile(values, p) / percentile(all(other), p), 2)}×`);
		console.log(`| ${size} | ${label} | ${values.length} | ${fmt(p50)} | ${fmt(p99)} | ${fmt(Math.max(...values))} | ${vs('floor', 99)} | ${vs('plain', 99)} | ${vs('plain', 50)} | ${perRound} |`);
	}
}
if (split) {
	console.log(`\n| burst variant | ${LEGS.map((leg) => `${leg} p50 / p99`).join(' | ')} |`);
	console.log(`|---|${LEGS.map(() => '---').join('|')}|`);
	for (const [key, rows] of legs) console.log(`| ${key} | ${rows.map((values) => `${fmt(percentile(values, 50))} / ${fmt(percentile(values, 99))}`).join(' | ')} |`);
	console.log('\n| burst variant | CPU ms over the burst (median of rounds) | GC ms | GC pauses | µs per interaction in its handler, sync | µs per gateway message, sync | per round CPU |');
	console.log('|---|---|---|---|---|---|---|');
	for (const [key, [cpu, gc, count, handler, message]] of windows) console.log(`| ${key} | ${fmt(percentile(cpu!, 50), 0)} | ${fmt(percentile(gc!, 50), 0)} | ${fmt(percentile(count!, 50), 0)} | ${fmt(percentile(handler!, 50), 0)} | ${fmt(percentile(message!, 50), 0)} | ${cpu!.map((value) => fmt(value, 0)).join(' ')} |`);
}
console.log(`\nThis process's GC during each burst (ms, the stand-ins' own; \`settle()\` collects before each):`);
for (const [key, values] of standInGc) console.log(`- ${key}: ${values.map((value) => fmt(value, 0)).join(' ')}`);
await Promise.all([floor.floor.stop(), plain.plain.stop(), ...bots.map(({ bot }) => bot.stop())]);
await Promise.all([floor.discord.close(), plain.discord.close(), ...bots.map(({ discord }) => discord.close()), relaydance.stop()]);
process.exit(0);
