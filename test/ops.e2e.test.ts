import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seriesSum } from '../scripts/metrics-text.js';
import { startDiscordStandIn, textOf, type DiscordStandIn } from '../stand-ins/discord/stand-in.js';
import { startRelayDanceSimulator, type RelayDanceSimulator } from '../stand-ins/relaydance/simulator.js';
import { runScript, type ScriptRun } from './support/bot-process.js';
import { RedisServer } from './support/redis-server.js';

/**
 * The ops server through the real bot process (`node dist/index.js` with `OPS_PORT=0`): the probes
 * answer, `/metrics` counts what a delivered `/video` and `/image` went through, and on Redis
 * `/readyz` turns 503 naming Redis while a `redis-server` this suite started is paused, and 200
 * again once it answers.
 */
let discord: DiscordStandIn;
let relaydance: RelayDanceSimulator;
const processes: ScriptRun[] = [];

beforeAll(async () => {
	[discord, relaydance] = await Promise.all([startDiscordStandIn(), startRelayDanceSimulator({ queuedMs: 50, durationMs: 200, imageMs: 100 })]);
});
afterEach(async () => {
	for (const run of processes.splice(0)) {
		run.child.kill('SIGKILL');
		await run.exit;
	}
	expect(discord.violations).toEqual([]);
});
afterAll(() => Promise.all([discord?.close(), relaydance?.close()]));

/** Starts the bot process with its ops server on a free port; answers the process and the server's address once both are up. */
async function startBot(storeUrl: string): Promise<{ run: ScriptRun; url: string }> {
	const run = runScript('dist/index.js', {
		DISCORD_TOKEN: discord.botToken,
		DISCORD_API_URL: discord.apiUrl,
		RELAYDANCE_API_KEY: 'sk-ops-test',
		RELAYDANCE_BASE_URL: relaydance.apiUrl,
		STORE_URL: storeUrl,
		OPS_PORT: '0',
		POLL_INTERVAL_MS: '50',
		POLL_MAX_INTERVAL_MS: '100',
		EDIT_INTERVAL_MS: '100',
	});
	processes.push(run);
	await run.waitForLog('bot ready', 20_000);
	const listening = run.logs().find((line) => line.msg === 'ops server listening');
	expect(listening?.url, 'the process logs its ops server address').toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
	return { run, url: String(listening!.url) };
}

async function get(url: string): Promise<{ status: number; body: string }> {
	const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
	return { status: response.status, body: await response.text() };
}

/** Polls `read` every 100 ms until `done` holds for its answer; fails with the last answer after `timeoutMs`. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last: T | undefined;
	for (;;) {
		last = await read();
		if (done(last)) return last;
		if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last answer: ${JSON.stringify(last).slice(0, 500)}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

describe('the ops server of the bot process (SQLite)', () => {
	it('answers /livez and /readyz, and /metrics counts a delivered /video and /image through every stage', async () => {
		const { url } = await startBot(`sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-ops-')), 'store.sqlite')}`);
		expect(await get(`${url}/livez`)).toEqual({ status: 200, body: 'ok\n' });
		const ready = await get(`${url}/readyz`);
		expect(ready.status).toBe(200);
		expect(JSON.parse(ready.body)).toEqual({ status: 'ready', checks: { store: 'up', discord: 'up' }, down: [] });

		const video = await discord.invoke('video', { prompt: 'a heron takes off, ops test', seconds: 5 });
		await video.finished(20_000);
		expect(textOf(video.original)).toContain('Video ready');
		const image = await discord.invoke('image', { prompt: 'a heron in the reeds, ops test', count: 1 }, { userId: video.userId });
		await image.finished(20_000);
		expect(image.original?.files.length).toBeGreaterThan(0);

		// A job ends (and is counted) as its delivery is written, a moment after the message is posted.
		const metrics = await until(
			() => get(`${url}/metrics`),
			({ body }) => seriesSum(body, 'relaydance_bot_jobs_ended_total', { kind: 'image', outcome: 'delivered' }) >= 1 && seriesSum(body, 'relaydance_bot_jobs_ended_total', { kind: 'video', outcome: 'delivered' }) >= 1,
		);
		const text = metrics.body;
		for (const kind of ['video', 'image']) {
			expect(seriesSum(text, 'relaydance_bot_jobs_started_total', { kind }), `${kind} started`).toBe(1);
			expect(seriesSum(text, 'relaydance_bot_jobs_ended_total', { kind, outcome: 'delivered' }), `${kind} delivered`).toBe(1);
			for (const stage of ['accepted_to_submitted', 'submitted_to_finished', 'finished_to_delivered']) {
				expect(seriesSum(text, 'relaydance_bot_job_stage_seconds_count', { kind, stage }), `${kind} ${stage}`).toBe(1);
			}
		}
		expect(seriesSum(text, 'relaydance_bot_relaydance_requests_total', { route: 'POST /video/generations' })).toBe(1);
		expect(seriesSum(text, 'relaydance_bot_relaydance_requests_total', { route: 'GET /video/generations/{id}' })).toBeGreaterThanOrEqual(1);
		expect(seriesSum(text, 'relaydance_bot_relaydance_requests_total')).toBeGreaterThanOrEqual(3);
		expect(seriesSum(text, 'relaydance_bot_discord_responses_total')).toBeGreaterThanOrEqual(2);
		expect(seriesSum(text, 'relaydance_bot_first_response_seconds_count')).toBeGreaterThanOrEqual(2);
		expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
		// SQLite: no BullMQ queue, so no series of it.
		expect(text).not.toMatch(/^relaydance_bot_queue_jobs\{/m);
	}, 60_000);
});

/** Why the Redis test cannot run here, or undefined when it can. */
function redisServerMissing(): string | undefined {
	const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
	return found.error || found.status !== 0 ? '`redis-server` is not on PATH (apt-get install redis-server, brew install redis)' : undefined;
}
const missing = redisServerMissing();
// In CI it never skips: without the binary, RedisServer.start fails the test with what to install.
const skipRedis = missing !== undefined && !process.env.CI;
if (skipRedis) console.warn(`ops server on Redis skipped: ${missing}; it starts its own redis-server.`);

describe.skipIf(skipRedis)('the ops server of the bot process (Redis)', () => {
	let redis: RedisServer | undefined;
	afterEach(async () => {
		redis?.resume();
		await redis?.cleanup();
	});

	it('answers /readyz 503 naming Redis and the store while its redis-server is paused, 200 once it answers again, and shows the BullMQ queue', async () => {
		redis = await RedisServer.start('none');
		const { url } = await startBot(redis.url(0));
		const readyz = async () => {
			const { status, body } = await get(`${url}/readyz`);
			return { status, body: JSON.parse(body) as { status: string; checks: Record<string, string>; down: string[] } };
		};
		const up = await readyz();
		expect(up).toEqual({ status: 200, body: { status: 'ready', checks: { store: 'up', redis: 'up', discord: 'up' }, down: [] } });
		const metrics = await get(`${url}/metrics`);
		expect(metrics.body).toMatch(/^relaydance_bot_queue_jobs\{state="waiting"\} \d+$/m);
		expect(metrics.body).toMatch(/^relaydance_bot_queue_jobs\{state="active"\} \d+$/m);

		redis.pause();
		const down = await until(readyz, ({ status }) => status === 503);
		expect(down.body.status).toBe('not ready');
		expect(down.body.down).toEqual(expect.arrayContaining(['redis', 'store']));
		expect(down.body.checks).toMatchObject({ redis: 'down', store: 'down', discord: 'up' });
		expect((await get(`${url}/livez`)).status, '/livez checks nothing outside the process').toBe(200);

		redis.resume();
		const back = await until(readyz, ({ status }) => status === 200);
		expect(back.body.down).toEqual([]);
	}, 60_000);
});
