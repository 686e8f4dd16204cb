import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../src/services/jobs/job.js';
import { VIDEO_SECONDS, type QuotaRecord } from '../src/services/quota/quota.js';
import { openStore, scanStore } from '../src/services/store/store.js';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { startDiscordStandIn, textOf, type DiscordStandIn } from '../stand-ins/discord/stand-in.js';
import { startRelayDanceSimulator, type RelayDanceSimulator } from '../stand-ins/relaydance/simulator.js';
import { runScript, type ScriptRun } from './support/bot-process.js';

/**
 * `STORE_URL=redis://…`: every record in a real Redis, through a real connection. Runs when
 * `REDIS_URL` is set (`.ci/run` sets it, and fails when no Redis answers); says so when skipped.
 */
const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) console.warn('Redis suite skipped: REDIS_URL is not set (e.g. REDIS_URL=redis://127.0.0.1:6379/9 npm test; CI sets it).');

describe.skipIf(!REDIS_URL)('the Redis store', () => {
	let discord: DiscordStandIn;
	let relaydance: RelayDanceSimulator;
	const processes: ScriptRun[] = [];

	beforeAll(async () => {
		[discord, relaydance] = await Promise.all([startDiscordStandIn(), startRelayDanceSimulator({ queuedMs: 50, durationMs: 300 })]);
		const keyv = await openStore(REDIS_URL!);
		await keyv.clear(); // the bot's namespace only
		await keyv.disconnect();
	});
	afterEach(async () => {
		for (const run of processes.splice(0)) {
			run.child.kill('SIGKILL');
			await run.exit;
		}
		expect(discord.violations).toEqual([]);
	});
	afterAll(() => Promise.all([discord?.close(), relaydance?.close()]));

	async function startBot(): Promise<ScriptRun> {
		const run = runScript('dist/index.js', {
			DISCORD_TOKEN: discord.botToken,
			DISCORD_API_URL: discord.apiUrl,
			RELAYDANCE_API_KEY: 'sk-redis',
			RELAYDANCE_BASE_URL: relaydance.apiUrl,
			STORE_URL: REDIS_URL!,
			POLL_INTERVAL_MS: '50',
			POLL_MAX_INTERVAL_MS: '100',
			EDIT_INTERVAL_MS: '100',
		});
		processes.push(run);
		await run.waitForLog('bot ready');
		return run;
	}

	async function readRedis() {
		const keyv = await openStore(REDIS_URL!);
		try {
			return {
				jobs: (await scanStore<Job>(keyv, 'job:')).map(([, job]) => job),
				quotas: Object.fromEntries((await scanStore<QuotaRecord>(keyv, VIDEO_SECONDS.keyPrefix)).map(([subject, record]) => [subject, record.charges])),
			};
		} finally {
			await keyv.disconnect();
		}
	}

	it('keeps the job and the quota in Redis', async () => {
		await startBot();
		const tag = `m${randomUUID().slice(0, 8)}`;
		const userId = snowflake();
		const handle = await discord.invoke('video', { prompt: `in redis ${tag}`, seconds: 5 }, { userId });
		await handle.finished(20_000);
		expect(textOf(handle.original)).toContain('Video ready');
		const { jobs, quotas } = await readRedis();
		const job = jobs.find((candidate) => candidate.settings.prompt.includes(tag));
		expect(job?.state).toBe('delivered');
		expect(quotas[`${discord.world.guildId}:${userId}`]).toEqual({ [job!.id]: 5 });
	});

	it('resumes from Redis after the bot is killed mid-job, and delivers once', async () => {
		const first = await startBot();
		const tag = `m${randomUUID().slice(0, 8)}`;
		const handle = await discord.invoke('video', { prompt: `survives sim:duration=3000 ${tag}`, seconds: 5 }, { userId: snowflake() });
		await handle.waitFor((h) => /Generating your video/.test(textOf(h.original)));
		first.child.kill('SIGKILL');
		await first.exit;
		await startBot();
		await handle.finished(20_000);
		expect(textOf(handle.original)).toContain('Video ready');
		expect(relaydance.requests.filter((request) => request.path === '/v1/video/generations' && JSON.stringify(request.body).includes(tag))).toHaveLength(1);
	});
});
