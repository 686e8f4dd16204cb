import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { buttonsOf, numberOption, startDiscordStandIn, textOf, type DiscordStandIn, type InteractionHandle } from '../stand-ins/discord/stand-in.js';
import { startRelayDanceSimulator, type RelayDanceSimulator } from '../stand-ins/relaydance/simulator.js';
import { runScript, type ScriptRun } from './support/bot-process.js';
import { REDIS_URL, redisDb, warnIfSkipped } from './support/redis.js';

/**
 * Cost before spending on Redis, with a gateway and a worker of their own: the request held for
 * Start lives in Redis, so a gateway restarted between the prompt and Start still starts it, and
 * two presses start one job. Runs when `REDIS_URL` is set, on database 2 (shared only with
 * `test/services/jobs/pending-starts.test.ts`, whose keys it leaves alone).
 */
warnIfSkipped('Redis cost suite');
const STORE = REDIS_URL && redisDb(2);
const ADMIN = String(1n << 5n); // Manage Server

describe.skipIf(!REDIS_URL)('cost before spending on Redis', () => {
	let discord: DiscordStandIn;
	let relaydance: RelayDanceSimulator;
	const processes: ScriptRun[] = [];

	const env = () => ({
		DISCORD_TOKEN: discord.botToken,
		DISCORD_API_URL: discord.apiUrl,
		RELAYDANCE_API_KEY: 'sk-cost-redis',
		RELAYDANCE_BASE_URL: relaydance.apiUrl,
		STORE_URL: STORE!,
		POLL_INTERVAL_MS: '50',
		POLL_MAX_INTERVAL_MS: '100',
		EDIT_INTERVAL_MS: '100',
		QUOTA_VIDEO_SECONDS: '30',
		SHUTDOWN_GRACE_MS: '3000',
		MODEL_PRICES: 'doubao-seedance-2-0-1080p=0.2',
	});
	async function start(role: 'gateway' | 'worker'): Promise<ScriptRun> {
		const run = runScript('dist/index.js', env(), undefined, [role]);
		processes.push(run);
		await run.waitForLog(role === 'gateway' ? 'bot ready' : 'worker ready');
		return run;
	}

	beforeAll(async () => {
		[discord, relaydance] = await Promise.all([startDiscordStandIn(), startRelayDanceSimulator({ queuedMs: 50, durationMs: 300 })]);
		// This suite's own database, emptied but for the pending-start unit suite's keys (it may run at the same time).
		const redis = new Redis(STORE!);
		for await (const keys of redis.scanStream({ count: 500 }) as AsyncIterable<string[]>) {
			const stale = keys.filter((key) => !key.startsWith('rd:pending-start:'));
			if (stale.length > 0) await redis.del(...stale);
		}
		await redis.quit();
	});
	afterEach(() => expect(discord.violations).toEqual([]));
	afterAll(async () => {
		for (const run of processes) run.child.kill('SIGKILL');
		await Promise.all(processes.map((run) => run.exit));
		await Promise.all([discord?.close(), relaydance?.close()]);
	});

	const answered = (handle: InteractionHandle) => handle.waitFor((h) => h.original !== undefined && textOf(h.original) !== '', 10_000);

	it('starts one job from two presses of Start after the gateway restarted between the prompt and Start', async () => {
		const [gateway] = await Promise.all([start('gateway'), start('worker')]);
		const set = await discord.invoke('relaydance-admin', { confirm_above: numberOption(1.5) }, { subcommand: ['defaults'], memberPermissions: ADMIN });
		expect(textOf((await answered(set)).original)).toContain('1.50');

		const tag = `m${randomUUID().slice(0, 8)}`;
		const userId = snowflake();
		const asked = await answered(await discord.invoke('video', { prompt: `on redis ${tag}`, seconds: 10 }, { userId }));
		expect(asked.original!.ephemeral).toBe(true);
		expect(textOf(asked.original)).toContain('**2.00**');

		gateway.child.kill('SIGTERM');
		await gateway.exit;
		await start('gateway');

		const prompt = asked.original!;
		const startId = buttonsOf(prompt).find((button) => button.label === 'Start')!.custom_id!;
		const presses = await Promise.all([discord.press(prompt, startId, { userId }), discord.press(prompt, startId, { userId })]);
		const isRefusal = (press: InteractionHandle) => press.callback?.type === 4 && press.original?.ephemeral === true && textOf(press.original) !== '';
		await discord.waitFor(() => presses.some(isRefusal), 10_000);
		const ran = presses.find((press) => !isRefusal(press))!;
		await ran.finished(20_000);
		expect(textOf(ran.original)).toContain('✅ Video ready');
		expect(textOf(ran.original)).toContain('Estimated cost: 2.00');
		expect(relaydance.requests.filter((request) => request.path === '/v1/video/generations' && JSON.stringify(request.body).includes(tag))).toHaveLength(1);
		const quota = await answered(await discord.invoke('quota', {}, { userId }));
		expect(textOf(quota.original)).toContain('**20 s** left');
	});
});
