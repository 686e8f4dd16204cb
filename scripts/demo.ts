/**
 * `npm run demo`: the whole job offline, with no credentials. Starts the Discord stand-in and the
 * RelayDance simulator, registers the commands and starts the real bot process (the build that
 * `npm start` runs) against them,
 * plays a `/video` with a reference image and audio on, then an `/image` of two and Animate on one
 * of them, then a `/video` through a restart of the bot process, then `/jobs`, and prints what a
 * Discord user would see, then what the bot's `/metrics` counted.
 * The bot runs with its ops server on (OPS_PORT=0, a generated OPS_TOKEN). `npm run demo -- --ops`
 * in a terminal then leaves everything up and prints where to look, until Ctrl-C; without a
 * terminal (CI, a pipe) it ends as usual, since nobody could press Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buttonsOf, galleryOf, startDiscordStandIn, textOf, titleOf, type InteractionHandle, type SentMessage } from '../stand-ins/discord/stand-in.js';
import { startRelayDanceSimulator } from '../stand-ins/relaydance/simulator.js';
import { metricsHighlights } from './metrics-text.js';
import { startFlags } from './start-flags.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const started = Date.now();
const since = () => `+${((Date.now() - started) / 1000).toFixed(1)} s`.padStart(8);

/** `<t:1700000000:R>` is a live timestamp in Discord; print it the way a client shows it. */
function showTimestamps(text: string): string {
	return text.replace(/<t:(\d+):R>/g, (_, seconds: string) => {
		const delta = Math.round(Number(seconds) - Date.now() / 1000);
		if (Math.abs(delta) < 2) return 'just now';
		const amount = Math.abs(delta) < 3600 ? `${Math.abs(delta)} seconds` : `${Math.round(Math.abs(delta) / 3600)} hours`;
		return delta < 0 ? `${amount} ago` : `in ${amount}`;
	}).replace(/<@(\d+)>/g, '@demo-user');
}

/** Prints a message as a card the first and last time, and only its headline in between. */
function show(label: string, message: SentMessage, full: boolean): void {
	const body = showTimestamps(textOf(message));
	if (!full) return console.log(`${since()}  ${label} ${body.split('\n')[0]} (${/Started (.*)/.exec(body)?.[1] ?? ''})`);
	console.log(`${since()}  ${label}`);
	for (const line of body.split('\n')) console.log(`           │ ${line}`);
	for (const file of message.files) console.log(`           │ 📎 ${file.filename} (${(file.size / 1024).toFixed(0)} KB, ${file.contentType})`);
	if (message.pinged) console.log('           │ (this message would have pinged someone!)');
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv) {
	return spawn(command, args, { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `--ops` in a terminal: leave the bot and both stand-ins up at the end, for the ops server and its page. */
const stayUp = process.argv.includes('--ops') && process.stdout.isTTY === true;
const opsToken = randomBytes(24).toString('hex');

const discord = await startDiscordStandIn();
const relaydance = await startRelayDanceSimulator({ queuedMs: 1_500, durationMs: 5_000, imageMs: 2_500 });
const env = {
	DISCORD_TOKEN: discord.botToken,
	DISCORD_API_URL: discord.apiUrl,
	DISCORD_GUILD_ID: discord.world.guildId,
	RELAYDANCE_API_KEY: 'sk-demo-not-a-real-key',
	RELAYDANCE_BASE_URL: relaydance.apiUrl,
	STORE_URL: `sqlite://${join(mkdtempSync(join(tmpdir(), 'relaydance-demo-')), 'demo.sqlite')}`,
	POLL_INTERVAL_MS: '1000',
	POLL_MAX_INTERVAL_MS: '2000',
	EDIT_INTERVAL_MS: '1500',
	// Info, to read the ops server's address from its log line; only warnings and worse are shown.
	LOG_LEVEL: 'info',
	OPS_PORT: '0',
	OPS_TOKEN: opsToken,
};
console.log('relaydance-bot demo: everything runs on this machine; no Discord or RelayDance account is used.');
console.log(`  Discord stand-in      ${discord.apiUrl}`);
console.log(`  RelayDance simulator  ${relaydance.apiUrl}\n`);

const register = run(process.execPath, ['dist/register.js'], env);
let registerOutput = '';
register.stdout.on('data', (chunk) => (registerOutput += chunk));
register.stderr.on('data', (chunk) => (registerOutput += chunk));
const registered = await new Promise<number>((resolve) => register.on('exit', (code) => resolve(code ?? 1)));
console.log(`npm run register → ${registerOutput.trim()}`);
if (registered !== 0) process.exit(1);

/** Starts the real bot process (`npm start`'s build) and waits until it is on the gateway. */
async function startBot(label: string) {
	const child = run(process.execPath, [...startFlags(), 'dist/index.js'], env);
	let errors = '';
	let opsUrl: string | undefined;
	let partial = '';
	child.stdout.on('data', (chunk: Buffer) => {
		const lines = (partial + chunk).split('\n');
		partial = lines.pop()!;
		for (const line of lines) {
			const entry = parseLogLine(line);
			if (entry?.msg === 'ops server listening') opsUrl = String(entry.url);
			if (!entry || entry.level >= 40) process.stdout.write(`  [bot] ${line}\n`);
		}
	});
	child.stderr.on('data', (chunk: Buffer) => (errors += chunk));
	const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
	const ready = await Promise.race([discord.whenBotConnected().then(() => true), exited.then(() => false)]);
	if (!ready) {
		console.error(`The bot process exited before connecting:\n${errors}`);
		process.exit(1);
	}
	console.log(`${label} → bot process ${child.pid} connected to the gateway${opsUrl ? `; its ops server is on ${opsUrl}` : ''}.\n`);
	return { child, exited, errors: () => errors, opsUrl: () => opsUrl };
}

/** A pino JSON line, or undefined for anything else the process printed. */
function parseLogLine(line: string): { level: number; msg: string; [key: string]: unknown } | undefined {
	if (!line.startsWith('{')) return undefined;
	try {
		return JSON.parse(line) as { level: number; msg: string };
	} catch {
		return undefined;
	}
}

/** Prints what one bot process's `/metrics` counted; its counters start again with each process. */
async function showMetrics(label: string, opsUrl: string | undefined): Promise<void> {
	if (!opsUrl) return;
	try {
		const response = await fetch(`${opsUrl}/metrics`);
		const text = await response.text();
		console.log(`${since()}  ${label} (${opsUrl}/metrics, ${(Buffer.byteLength(text) / 1024).toFixed(0)} KB):`);
		for (const line of metricsHighlights(text)) console.log(`           │ ${line}`);
	} catch (error) {
		console.error(`Could not read ${opsUrl}/metrics: ${(error as Error).message}`);
	}
}

/** Prints every state of one interaction's reply as a Discord user would see it. */
function follow(interaction: InteractionHandle): void {
	let shown = 0;
	interaction.on('change', () => {
		if (interaction.callback && shown === 0 && interaction.callback.type === 5) {
			console.log(`${since()}  bot deferred the reply after ${interaction.firstResponseMs?.toFixed(0)} ms: "RelayDance is thinking…"`);
		}
		while (shown < interaction.history.length) {
			const message = interaction.history[shown]!;
			const final = /ready|failed|Cancelled/.test(textOf(message));
			if (shown > 0) show(final ? 'final message:' : 'reply edited:', message, final || shown === 1);
			shown++;
		}
	});
}

let bot = await startBot('npm start');
const image = { data: readFileSync(join(root, 'stand-ins/fixtures/cat.png')), name: 'cat.png', contentType: 'image/png' };
console.log('A member types:  /video prompt:"@image1 dances in the rain" image1:cat.png seconds:5 audio:True\n');
const interaction = await discord.invoke('video', { prompt: '@image1 dances in the rain', seconds: 5, audio: true, image1: image });
follow(interaction);
try {
	await interaction.finished(60_000);
} catch (error) {
	console.error(`The demo did not finish: ${(error as Error).message}\n${bot.errors()}`);
	process.exitCode = 1;
}

const file = interaction.original?.files[0];
if (file?.data) {
	mkdirSync(join(root, 'demo-output'), { recursive: true });
	const path = join('demo-output', file.filename);
	writeFileSync(join(root, path), file.data);
	console.log(`\nDelivered ${file.filename}: ${file.size} bytes, ${file.contentType}. Saved to ${path}.`);
} else if (!process.exitCode) {
	console.error('\nThe final message held no video.');
	process.exitCode = 1;
}
const pings = [...interaction.history, ...interaction.followups].filter((message) => message.pinged).length;
console.log(`RelayDance calls: ${relaydance.requests.map((request) => `${request.method} ${request.path.replace(/task_\w+/, '{task}')}`).filter((line, index, all) => all.indexOf(line) === index).join(', ')}`);
console.log(`Discord bodies off the official OpenAPI spec: ${discord.violations.length}; messages that pinged anyone: ${pings}.`);
if (discord.violations.length > 0) console.error(discord.violations.join('\n'));
if (interaction.original?.componentsV2) {
	// Discord's current layout: one card holding the video itself, its words and its buttons.
	const final = interaction.original;
	console.log('\nThe result is one Components V2 card (no content, no embeds):');
	console.log(`           │ container: "${titleOf(final)}"`);
	for (const item of galleryOf(final)) console.log(`           │ media gallery: ${item.url} (alt text "${item.description}")`);
	console.log(`           │ buttons in the card: ${buttonsOf(final).map((button) => `[${button.label}]`).join(' ')}`);
}

console.log('\nThe member types:  /image prompt:"a lighthouse at dusk, oil painting" count:2\n');
const images = await discord.invoke('image', { prompt: 'a lighthouse at dusk, oil painting', count: 2 }, { userId: interaction.userId });
follow(images);
try {
	await images.finished(60_000);
	const files = images.original?.files ?? [];
	console.log(`${since()}  ${files.length} images in one message: ${files.map((file) => `${file.filename} (${(file.size / 1024).toFixed(0)} KB)`).join(', ')}`);
	console.log(`${since()}  buttons under them: ${buttonsOf(images.original).map((candidate) => `[${candidate.label}]`).join(' ')}`);
	const animate = buttonsOf(images.original).find((candidate) => candidate.label === 'Animate')!;
	console.log('\nThe member presses [Animate] under the first image; a form opens with the prompt and the video settings.\n');
	const pressed = await discord.press(images.original!, animate.custom_id!, { userId: interaction.userId });
	await pressed.waitFor((handle) => handle.modal !== undefined);
	console.log(`${since()}  form "${pressed.modal!.title}" opened; the member writes "@image1 the beam sweeps across a stormy sea" and sends it.`);
	const animated = await discord.submitModal(pressed, { prompt: '@image1 the beam sweeps across a stormy sea', seconds: '5' }, { userId: interaction.userId });
	follow(animated);
	await animated.finished(60_000);
	const clip = animated.original?.files[0];
	if (!clip) throw new Error('the animated image arrived without a video');
	console.log(`${since()}  the image became ${clip.filename} (${(clip.size / 1024).toFixed(0)} KB); the member could press [${buttonsOf(animated.original).map((candidate) => candidate.label).join('] [')}] for another.`);
} catch (error) {
	console.error(`The /image part of the demo did not finish: ${(error as Error).message}\n${bot.errors()}`);
	process.exitCode = 1;
}

console.log('\nA deploy in the middle of a video: the member asks again, and the bot is restarted (SIGTERM) while RelayDance renders.\n');
const second = await discord.invoke('video', { prompt: 'a paper boat sails across a puddle', seconds: 5, audio: false }, { userId: interaction.userId });
follow(second);
await second.waitFor((handle) => /Generating your video/.test(textOf(handle.original)), 60_000);
await showMetrics('before the restart, the first bot process\'s /metrics counted', bot.opsUrl());
bot.child.kill('SIGTERM');
const code = await bot.exited;
console.log(`${since()}  bot process stopped (exit ${code}); the job is left in the store, the member's reply untouched.`);
bot = await startBot('npm start again');
try {
	await second.finished(60_000);
	console.log(`${since()}  the new process resumed the job and delivered it: ${relaydance.requests.filter((request) => request.path === '/v1/video/generations').length} submissions in all, none repeated.`);
} catch (error) {
	console.error(`The resumed job did not finish: ${(error as Error).message}\n${bot.errors()}`);
	process.exitCode = 1;
}

console.log('\nAnother member, whose Discord is in German, in a server set to Japanese: a refusal only they see is German, the result everyone sees is Japanese.\n');
const german = await discord.invoke('video', { prompt: '@image2 tanzt im Regen', seconds: 5 }, { locale: 'de', guildLocale: 'ja' });
await german.waitFor((handle) => handle.original !== undefined);
console.log(`${since()}  refusal (ephemeral, German): ${textOf(german.original)}`);
const japanese = await discord.invoke('video', { prompt: 'a kite over the dunes', seconds: 5 }, { locale: 'de', guildLocale: 'ja' });
try {
	await japanese.finished(60_000);
	console.log(`${since()}  result (public, Japanese): "${titleOf(japanese.original)}", buttons ${buttonsOf(japanese.original).map((button) => `[${button.label}]`).join(' ')}`);
} catch (error) {
	console.error(`The Japanese result did not arrive: ${(error as Error).message}\n${bot.errors()}`);
	process.exitCode = 1;
}

console.log('\nThe member types /jobs (only they see the answer):\n');
const jobs = await discord.invoke('jobs', {}, { userId: interaction.userId });
await jobs.waitFor((handle) => handle.original !== undefined);
for (const line of showTimestamps(textOf(jobs.original)).split('\n')) console.log(`           │ ${line}`);

console.log('');
await showMetrics('the second bot process\'s /metrics counted (the resumed job was counted started by the first)', bot.opsUrl());

/** Stops the bot (SIGTERM, as a deploy would) and both stand-ins. */
async function stopAll(): Promise<void> {
	bot.child.kill('SIGTERM');
	await bot.exited;
	await Promise.all([discord.close(), relaydance.close()]);
}

if (stayUp && bot.opsUrl()) {
	const url = bot.opsUrl()!;
	const page = await fetch(`${url}/`).then((response) => response.status, () => 0);
	console.log(`\nEverything stays up until Ctrl-C. The bot's ops server:`);
	console.log(`  Operator page  ${url}/${page === 404 ? '  (not in this build yet: it answers 404)' : ''}`);
	console.log(`  Log in with    ${opsToken}`);
	console.log(`  Metrics        ${url}/metrics`);
	console.log(`  Readiness      ${url}/readyz   (liveness: ${url}/livez)`);
	await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
	console.log('\nCtrl-C: stopping the bot and the stand-ins.');
	await stopAll();
	process.exit(process.exitCode ?? 0);
}
if (process.argv.includes('--ops') && !stayUp) console.log('\n--ops leaves everything up only in a terminal (stdout is not one here): ending as usual.');
await stopAll();
