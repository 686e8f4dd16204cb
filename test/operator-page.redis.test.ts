import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SIGNALS_CHANNEL } from '../src/services/cluster/names.js';
import { IntakePause } from '../src/services/ops/page/intake-pause.js';
import { openStore } from '../src/services/store/store.js';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { textOf } from '../stand-ins/discord/stand-in.js';
import { startHarness, type Harness } from './support/harness.js';
import { REDIS_URL, redisDb, warnIfSkipped } from './support/redis.js';

/**
 * The operator page's API on Redis (scripts use the bearer token): the cluster's workers by their
 * heartbeats, bull-board at /queues behind the login, the intake pause in the shared store and
 * announced to every process, and the operator's Cancel through the queue's dispatch.
 */
warnIfSkipped('Operator page on Redis');
const TOKEN = 'operator-token-for-redis-0123456789';
const STORE = REDIS_URL && redisDb(14);

describe.skipIf(!REDIS_URL)('operator page on Redis', () => {
	let h: Harness;
	let url: string;
	const bearer = { authorization: `Bearer ${TOKEN}` };

	beforeAll(async () => {
		const redis = new Redis(STORE!);
		await redis.flushdb(); // this suite's own database
		await redis.quit();
		h = await startHarness({ STORE_URL: STORE!, OPS_PORT: '0', OPS_TOKEN: TOKEN, MAX_SUBMITTING: '1' });
		url = h.bot.opsUrl()!;
	});
	afterAll(async () => {
		await h?.close();
	});

	it('lists the workers alive by their heartbeats and the shared queue', async () => {
		const overview = (await (await fetch(`${url}/api/overview`, { headers: bearer })).json()) as { processes: { mode: string; workers: { alive: Array<{ role: string }> }; queue: { key: string } } };
		expect(overview.processes.mode).toBe('cluster');
		expect(overview.processes.workers.alive.map((worker) => worker.role)).toContain('all');
		expect(overview.processes.queue.key).toBeTruthy();
	});

	it('serves bull-board under /queues to the logged-in only', async () => {
		const anonymous = await fetch(`${url}/queues/`, { redirect: 'manual' });
		expect(anonymous.status).toBe(303);
		const board = await fetch(`${url}/queues/`, { headers: bearer });
		expect(board.status).toBe(200);
		expect(board.headers.get('content-type')).toContain('text/html');
		expect(board.headers.get('x-frame-options')).toBe('DENY');
	});

	it('keeps the intake pause in Redis and announces it to every process', async () => {
		const listener = new Redis(STORE!);
		const heard = new Promise<unknown>((resolve) => listener.on('message', (_channel, message: string) => resolve(JSON.parse(message))));
		await listener.subscribe(SIGNALS_CHANNEL);
		try {
			expect((await fetch(`${url}/api/intake/pause`, { method: 'POST', headers: bearer })).status).toBe(200);
			expect(await heard).toEqual({ type: 'intake', paused: true });
			const store = await openStore(STORE!);
			expect((await new IntakePause(store).load()).paused).toBe(true);
			expect((await fetch(`${url}/api/intake/resume`, { method: 'POST', headers: bearer })).status).toBe(200);
			expect((await new IntakePause(store).load()).paused).toBe(false);
			await store.disconnect();
		} finally {
			await listener.quit();
		}
	});

	it("cancels a waiting job through the queue's dispatch, telling its member the operator did", async () => {
		const tag = `m${randomUUID().slice(0, 8)}`;
		const userId = snowflake();
		const slow = await h.discord.invoke('video', { prompt: `slow sim:submitdelay=1500 ${tag}`, seconds: 5 });
		await h.relaydance.waitForRequest((request) => JSON.stringify(request.body ?? '').includes(`slow sim:submitdelay=1500 ${tag}`));
		const waiting = await h.discord.invoke('video', { prompt: `to cancel ${tag}`, seconds: 5 }, { userId });
		// The page's own view of the line: the job waits behind the slow submit.
		const job = await vi.waitFor(async () => {
			const overview = (await (await fetch(`${url}/api/overview`, { headers: bearer })).json()) as { line: { waiting: Array<{ id: string; member: string }> } };
			const row = overview.line.waiting.find((candidate) => candidate.member === userId);
			if (!row) throw new Error('not in the line yet');
			return row;
		});
		const answer = await fetch(`${url}/api/jobs/${job.id}/cancel`, { method: 'POST', headers: bearer });
		expect(answer.status).toBe(200);
		await waiting.waitFor((handle) => textOf(handle.original).includes("Cancelled by the bot's operator"));
		expect((await h.bot.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used).toBe(0);
		await slow.finished();
	});
});
