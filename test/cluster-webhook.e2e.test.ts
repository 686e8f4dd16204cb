import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { startDiscordStandIn, textOf, type DiscordStandIn } from '../stand-ins/discord/stand-in.js';
import { freePort } from '../stand-ins/free-port.js';
import { startRelayDanceSimulator, type RelayDanceSimulator } from '../stand-ins/relaydance/simulator.js';
import { runScript, type ScriptRun } from './support/bot-process.js';
import { REDIS_URL, redisDb, warnIfSkipped } from './support/redis.js';

/**
 * Webhook mode with several workers: RelayDance calls one public URL, which reaches one worker;
 * the job may be waiting in another. Runs when `REDIS_URL` is set; says so when skipped.
 */
warnIfSkipped('Multi-process webhook suite');
const STORE = REDIS_URL && redisDb(8);

describe.skipIf(!REDIS_URL)('webhooks with several workers', () => {
	let discord: DiscordStandIn;
	let relaydance: RelayDanceSimulator;
	const runs: ScriptRun[] = [];

	beforeAll(async () => {
		[discord, relaydance] = await Promise.all([startDiscordStandIn(), startRelayDanceSimulator({ queuedMs: 50, durationMs: 300 })]);
		const redis = new Redis(STORE!);
		await redis.flushdb(); // this suite's own database
		await redis.quit();
	});
	afterAll(async () => {
		for (const run of runs) run.child.kill('SIGKILL');
		await Promise.all([discord?.close(), relaydance?.close()]);
	});

	async function start(role: 'gateway' | 'worker', env: Record<string, string> = {}): Promise<ScriptRun> {
		const run = runScript(
			'dist/index.js',
			{
				DISCORD_TOKEN: discord.botToken,
				DISCORD_API_URL: discord.apiUrl,
				RELAYDANCE_API_KEY: 'sk-cluster-webhook',
				RELAYDANCE_BASE_URL: relaydance.apiUrl,
				STORE_URL: STORE!,
				POLL_INTERVAL_MS: '50',
				EDIT_INTERVAL_MS: '100',
				// Only a callback can finish a job within the test: the safety poll comes after a minute.
				WEBHOOK_FALLBACK_POLL_MS: '60000',
				...env,
			},
			undefined,
			[role],
		);
		runs.push(run);
		await run.waitForLog(role === 'gateway' ? 'bot ready' : 'worker ready');
		return run;
	}

	it('wakes the job in the worker that waits for it when the callback reaches another worker', async () => {
		const [publicPort, privatePort] = await Promise.all([freePort(), freePort()]);
		const publicUrl = `http://127.0.0.1:${publicPort}`;
		const webhook = (port: number) => ({ WEBHOOK_PUBLIC_URL: publicUrl, WEBHOOK_PORT: String(port), WEBHOOK_HOST: '127.0.0.1' });
		await start('gateway', webhook(0));
		// The worker RelayDance calls runs one job at a time; a long job fills it, so the next goes to the other.
		const reached = await start('worker', { ...webhook(publicPort), WORKER_CONCURRENCY: '1' });
		const tag = `m${randomUUID().slice(0, 8)}`;
		const filler = await discord.invoke('video', { prompt: `filler sim:duration=6000 ${tag}`, seconds: 4 }, { userId: snowflake() });
		await relaydance.waitForRequest((request) => request.path === '/v1/video/generations' && JSON.stringify(request.body).includes(`filler sim:duration=6000 ${tag}`));
		const waiting = await start('worker', webhook(privatePort));

		const userId = snowflake();
		const handle = await discord.invoke('video', { prompt: `woken elsewhere ${tag}`, seconds: 4 }, { userId });
		await handle.finished(15_000);
		expect(textOf(handle.original)).toContain('Video ready');
		expect(waiting.logs().some((line) => line.userId === userId && line.msg === 'task submitted')).toBe(true);
		expect(reached.logs().some((line) => line.userId === userId)).toBe(false);
		await filler.finished(15_000);
	});
});
