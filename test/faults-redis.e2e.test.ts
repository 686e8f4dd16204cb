import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { memberSubject, VIDEO_SECONDS } from '../src/services/quota/quota.js';
import { quotaHashPrefix } from '../src/services/quota/redis-quota.js';
import { channelOption, isFinal, textOf } from '../stand-ins/discord/stand-in.js';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { runScript } from './support/bot-process.js';
import type { TrackedRequest } from './support/delivery-ledger.js';
import { startFaultCluster, type FaultCluster } from './support/fault-cluster.js';
import { RedisServer, type RedisPersistence } from './support/redis-server.js';

/**
 * Faults of Redis itself, on real gateways and workers and a `redis-server` the suite started
 * (AOF `everysec` in a temp folder, its own port): restarted under load, flushed, paused, and
 * run with settings that lose data. Each test counts lost, doubled and mis-charged jobs (the
 * target is zero) and prints the counts.
 */
let cluster: FaultCluster;
let auditChannel: string;

beforeAll(async () => {
	cluster = await startFaultCluster({
		gateways: 2,
		workers: 2,
		// Every job of the 100 in flight at once; members may each run a few.
		env: { MAX_CONCURRENT_TASKS: '200', WORKER_CONCURRENCY: '200', RECONCILE_INTERVAL_MS: '1000' },
	});
	auditChannel = cluster.discord.addChannel(cluster.onShard(0).guildId, 'bot-audit');
	expect(await cluster.admin(['audit-channel'], { channel: channelOption(auditChannel) })).not.toBe('');
}, 90_000);
afterEach(() => expect(cluster.discord.violations).toEqual([]));
afterAll(() => cluster?.close());

async function ledgerOf(requests: TrackedRequest[]) {
	await cluster.ledger.settled(requests);
	const tally = await cluster.ledger.tally(requests);
	console.log(tally.summary);
	return tally;
}

describe('Redis restarted (AOF) under load', () => {
	it('delivers every one of 100 jobs in flight exactly once, each charged once', async () => {
		const requests = await Promise.all(Array.from({ length: 100 }, (_, index) => cluster.video(`restart load ${index} sim:duration=4000`, { shard: index % 2, seconds: 4 })));
		await Promise.all(requests.map((request) => request.handle.waitFor((h) => h.callback !== undefined, 20_000)));
		expect(requests.filter((request) => request.handle.callback!.type !== 5).map((request) => textOf(request.handle.original))).toEqual([]);
		// Restart while most are rendering at RelayDance and the rest are on their way there.
		await cluster.relaydance.waitForRequest(() => cluster.relaydance.requestsFor('restart load').filter((request) => request.taskId).length >= 50, 30_000);
		const finishedBefore = requests.filter((request) => isFinal(request.handle.original)).length;
		await cluster.redis.restart();
		expect(finishedBefore, 'the restart came while jobs were in flight').toBeLessThan(50);
		await Promise.all(requests.map((request) => request.handle.finished(60_000)));
		const tally = await ledgerOf(requests);
		expect(requests.filter((request) => !textOf(request.handle.original).includes('Video ready'))).toHaveLength(0);
		expect([tally.lost, tally.deliveredTwice, tally.chargedWrong, tally.taskTwice]).toEqual([0, 0, 0, 0]);
	}, 120_000);
});

describe('Redis flushed with jobs running and waiting', () => {
	it('delivers the running and the waiting jobs, each charged once, reports the loss at error level and in the audit channel, and keeps the settings (a blocklist rule still refuses)', async () => {
		expect(await cluster.admin(['blocklist', 'add'], { term: 'kraken' })).not.toBe('');
		const before = await cluster.video('a kraken rises', { track: false });
		await before.handle.waitFor((h) => h.callback !== undefined && h.original !== undefined);
		expect(textOf(before.handle.original)).toContain("can't be used in this server");
		// Two tasks at once bot-wide: two jobs run, two wait in the shared queue.
		await Promise.all(cluster.all().map((process) => process.restart({ env: { MAX_CONCURRENT_TASKS: '2', WORKER_CONCURRENCY: '2' } })));
		const running = [await cluster.video('running A sim:duration=6000'), await cluster.video('running B sim:duration=6000', { shard: 1 })];
		await Promise.all(running.map((request) => cluster.relaydance.waitForRequest((entry) => entry.taskId !== undefined && JSON.stringify(entry.body).includes(request.tag), 20_000)));
		const waiting = [await cluster.video('waiting C'), await cluster.video('waiting D', { shard: 1 })];
		await Promise.all(waiting.map((request) => request.handle.waitFor((h) => /in line/.test(textOf(h.original)), 20_000)));
		const auditBefore = cluster.discord.messagesIn(auditChannel).length;

		await cluster.redis.flushall();

		await Promise.all(running.map((request) => request.handle.finished(30_000)));
		for (const request of running) expect.soft(textOf(request.handle.original)).toContain('Video ready');
		// Every process says so, at error level, once.
		for (const process of cluster.all()) {
			await cluster.waitForLog((line) => line.msg.includes('Redis lost its data') && line.level >= 50, 20_000, [process]);
		}
		for (const process of cluster.all()) {
			const reports = process.run.logs().filter((line) => line.level >= 50 && line.msg.includes('Redis lost its data'));
			expect.soft(reports, `${process.name} reports one loss once: ${JSON.stringify(reports)}`).toHaveLength(1);
		}
		await cluster.discord.waitFor(() => cluster.discord.messagesIn(auditChannel).slice(auditBefore).some((message) => /Redis/.test(message.content)), 15_000);
		expect(cluster.discord.messagesIn(auditChannel).slice(auditBefore).filter((message) => /Redis/.test(message.content))).toHaveLength(1);
		// The settings are back in Redis: a gateway started now reads the rule too.
		await cluster.gateways[0]!.restart();
		const after = await cluster.video('the kraken again', { track: false });
		await after.handle.waitFor((h) => h.callback !== undefined && h.original !== undefined);
		expect(after.handle.original!.ephemeral).toBe(true);
		expect(textOf(after.handle.original)).toContain("can't be used in this server");
		// The waiting jobs' records went with the data (only Redis held them): the gateways that
		// queued them write them back and the reconciler queues them again.
		await Promise.all(waiting.map((request) => request.handle.finished(30_000)));
		for (const request of waiting) expect.soft(textOf(request.handle.original)).toContain('Video ready');
		// Their charges went with the data too, and are taken again: each made video charged once.
		const tally = await ledgerOf([...running, ...waiting]);
		expect([tally.lost, tally.deliveredTwice, tally.chargedWrong, tally.taskTwice]).toEqual([0, 0, 0, 0]);
	}, 120_000);
});

describe('Redis paused (SIGSTOP) for 20 s', () => {
	const PAUSE_MS = 20_000;

	it('answers a new /video within 3 s with "try again in a minute" (nothing reserved), delivers a video that finishes meanwhile, and loses nothing once Redis is back', async () => {
		// Back to the suite's settings (the flush test narrowed them) on a Redis nothing is missing from.
		// Locks long enough to outlast the pause: a worker counts on two thirds of one after taking or renewing it.
		await Promise.all(cluster.all().map((process) => process.restart({ env: { MAX_CONCURRENT_TASKS: '200', WORKER_CONCURRENCY: '200', WORKER_LOCK_MS: '60000' } })));
		const inFlight = [await cluster.video('paused A sim:duration=3000'), await cluster.video('paused B sim:duration=12000', { shard: 1 })];
		await Promise.all(inFlight.map((request) => cluster.relaydance.waitForRequest((entry) => entry.taskId !== undefined && JSON.stringify(entry.body).includes(request.tag), 20_000)));
		cluster.redis.pause();
		const pausedAt = Date.now();
		let resumed = false;
		try {
			const userId = snowflake();
			const asked = await cluster.video('asked while Redis sleeps', { userId, track: false });
			await asked.handle.waitFor((h) => h.original !== undefined && textOf(h.original) !== '', 3_000).catch((error: unknown) => {
				console.log(cluster.gateways.map((gateway) => gateway.run.output().stdout.slice(-3000)).join('\n----\n'));
				throw error;
			});
			expect(asked.handle.original!.ephemeral).toBe(true);
			expect.soft(textOf(asked.handle.original)).toContain('try again in a minute');
			// Workers keep waiting on RelayDance and post what finishes while their queue lock surely
			// runs (no other worker can take the job before it ends): A, taken just before the pause.
			await inFlight[0]!.handle.waitFor((h) => textOf(h.original).includes('Video ready'), PAUSE_MS - (Date.now() - pausedAt) - 1_000);
			expect(cluster.redis.paused, 'delivered while Redis was still paused').toBe(true);
			await new Promise((resolve) => setTimeout(resolve, Math.max(0, PAUSE_MS - (Date.now() - pausedAt))));
			cluster.redis.resume();
			resumed = true;
			await Promise.all(inFlight.map((request) => request.handle.finished(30_000)));
			expect(await cluster.ledger.recordOf(asked.tag)).toBeUndefined();
			const held = await cluster.store().hgetall(quotaHashPrefix(VIDEO_SECONDS) + memberSubject(userId, asked.guildId));
			expect(Object.keys(held).filter((field) => !field.startsWith('@'))).toEqual([]);
		} finally {
			if (!resumed) cluster.redis.resume();
		}
		// Everything carries on with no restart: a new job goes through.
		const next = await cluster.video('after the pause');
		await next.handle.finished(30_000);
		expect(textOf(next.handle.original)).toContain('Video ready');
		const tally = await ledgerOf([...inFlight, next]);
		expect([tally.lost, tally.deliveredTwice, tally.chargedWrong, tally.taskTwice]).toEqual([0, 0, 0, 0]);
	}, 90_000);
});

describe('start checks on Redis settings', () => {
	/** A worker started against a Redis of `persistence` kind (the cluster's stand-ins); resolves with how it went. */
	async function startAgainst(persistence: RedisPersistence) {
		const redis = await RedisServer.start(persistence);
		const run = runScript(
			'dist/index.js',
			{ DISCORD_TOKEN: cluster.discord.botToken, DISCORD_API_URL: cluster.discord.apiUrl, RELAYDANCE_API_KEY: 'sk-faults', RELAYDANCE_BASE_URL: cluster.relaydance.apiUrl, STORE_URL: redis.url(0), LOG_LEVEL: 'info' },
			undefined,
			['worker'],
		);
		return { redis, run };
	}

	it('refuses to start on a Redis that evicts keys (allkeys-lru): exit 1, one line naming maxmemory-policy', async () => {
		const { redis, run } = await startAgainst('evicting');
		try {
			const outcome = await Promise.race([run.exit.then((code) => ({ code })), run.waitForLog('worker ready', 20_000).then(() => 'ready' as const)]);
			expect(outcome, 'the worker started on a Redis that evicts keys').not.toBe('ready');
			expect(outcome).toEqual({ code: 1 });
			const { stdout, stderr } = run.output();
			const lines = `${stdout}\n${stderr}`.split('\n').filter((line) => line.includes('maxmemory-policy'));
			expect(lines.length).toBeGreaterThanOrEqual(1);
			expect(lines.some((line) => line.includes('allkeys-lru') || line.includes('noeviction'))).toBe(true);
		} finally {
			run.child.kill('SIGKILL');
			await run.exit;
			await redis.cleanup();
		}
	}, 40_000);

	it('warns about persistence when Redis has neither AOF nor RDB, and starts', async () => {
		const { redis, run } = await startAgainst('none');
		try {
			await run.waitForLog('worker ready', 20_000);
			await run.waitForLog((line) => line.level === 40 && line.msg.includes('persistence'), 5_000);
		} finally {
			run.child.kill('SIGKILL');
			await run.exit;
			await redis.cleanup();
		}
	}, 40_000);
});
