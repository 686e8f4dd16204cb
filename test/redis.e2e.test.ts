import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../src/services/jobs/job.js';
import { Redis } from 'ioredis';
import { VIDEO_SECONDS } from '../src/services/quota/quota.js';
import { quotaHashPrefix } from '../src/services/quota/redis-quota.js';
import { REDIS_URL, redisDb, warnIfSkipped } from './support/redis.js';
import { openStore, scanStore } from '../src/services/store/store.js';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { startDiscordStandIn, textOf, type DiscordStandIn } from '../stand-ins/discord/stand-in.js';
import { startRelayDanceSimulator, type RelayDanceSimulator } from '../stand-ins/relaydance/simulator.js';
import { runScript, type ScriptRun } from './support/bot-process.js';

/**
 * `STORE_URL=redis://…` with `npm start` (one process, gateway and worker): every record in a real
 * Redis, through a real connection. Runs when `REDIS_URL` is set (`.ci/run` sets it, and fails
 * when no Redis answers); says so when skipped.
 */
warnIfSkipped('Redis suite');
const STORE = REDIS_URL && redisDb(10);

describe.skipIf(!REDIS_URL)('the Redis store', () => {
	let discord: DiscordStandIn;
	let relaydance: RelayDanceSimulator;
	const processes: ScriptRun[] = [];

	beforeAll(async () => {
		[discord, relaydance] = await Promise.all([startDiscordStandIn(), startRelayDanceSimulator({ queuedMs: 50, durationMs: 300 })]);
		const redis = new Redis(STORE!);
		await redis.flushdb(); // this suite's own database
		await redis.quit();
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
			STORE_URL: STORE!,
			// A killed process's jobs go to the next worker within a second.
			WORKER_LOCK_MS: '1000',
			POLL_INTERVAL_MS: '50',
			POLL_MAX_INTERVAL_MS: '100',
			EDIT_INTERVAL_MS: '100',
		});
		processes.push(run);
		await run.waitForLog('bot ready');
		return run;
	}

	async function readRedis(subject: string) {
		const keyv = await openStore(STORE!);
		const redis = new Redis(STORE!);
		try {
			return {
				jobs: (await scanStore<Job>(keyv, 'job:')).map(([, job]) => job),
				quota: await redis.hgetall(`${quotaHashPrefix(VIDEO_SECONDS)}${subject}`),
			};
		} finally {
			await Promise.all([keyv.disconnect(), redis.quit()]);
		}
	}

	it('keeps the job and the quota in Redis', async () => {
		await startBot();
		const tag = `m${randomUUID().slice(0, 8)}`;
		const userId = snowflake();
		const handle = await discord.invoke('video', { prompt: `in redis ${tag}`, seconds: 5 }, { userId });
		await handle.finished(20_000);
		expect(textOf(handle.original)).toContain('Video ready');
		const { jobs, quota } = await readRedis(`${discord.world.guildId}:${userId}`);
		const job = jobs.find((candidate) => candidate.settings.prompt.includes(tag));
		expect(job?.state).toBe('delivered');
		expect(quota).toMatchObject({ [job!.id]: '5', '@used': '5' });
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
