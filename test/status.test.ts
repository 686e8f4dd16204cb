import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WorkerHeartbeat } from '../src/services/cluster/heartbeat.js';
import { QUEUE_NAME, QUEUE_PREFIX, WORKER_HEARTBEAT_PREFIX } from '../src/services/cluster/names.js';
import { readStatus, renderStatus, type ClusterStatus } from '../src/services/cluster/status-report.js';
import { IMAGES, type Claim } from '../src/services/quota/quota.js';
import { RedisQuota } from '../src/services/quota/redis-quota.js';
import { runScript } from './support/bot-process.js';
import { REDIS_URL, redisDb, warnIfSkipped } from './support/redis.js';

warnIfSkipped('npm run status suite');

const HOUR = 60 * 60_000;
const member = (subject: string): Claim => ({ subject, limit: 1_000, scope: 'member' });
const server = (guildId: string): Claim => ({ subject: `server:${guildId}`, limit: 1_000, scope: 'server' });
const bot: Claim = { subject: 'bot', limit: 10_000, scope: 'bot' };

describe('npm run status with SQLite', () => {
	it('refuses, saying status reads a Redis store and SQLite runs everything in one process', async () => {
		const run = runScript('dist/status.js', { STORE_URL: 'sqlite://data/relaydance-bot.sqlite' });
		expect(await run.exit).toBe(1);
		expect(run.output().stderr).toContain('npm run status reads a Redis store (STORE_URL=redis://host:port/db)');
		expect(run.output().stderr).toContain('With SQLite the bot runs everything in one process');
	});
});

describe.skipIf(!REDIS_URL)('npm run status on Redis', () => {
	const connections: Redis[] = [];
	const connect = (options: { maxRetriesPerRequest?: null } = {}) => {
		const redis = new Redis(redisDb(12), options);
		connections.push(redis);
		return redis;
	};
	let redis: Redis;
	let queue: Queue;
	let worker: Worker;
	let heartbeat: WorkerHeartbeat;
	let status: ClusterStatus;

	beforeAll(async () => {
		redis = connect();
		await redis.flushdb();
		queue = new Queue(QUEUE_NAME, { connection: redis, prefix: QUEUE_PREFIX });
		await queue.setGlobalConcurrency(4);
		await queue.addBulk(['one', 'two', 'three', 'four', 'five'].map((name) => ({ name, data: {} })));
		await queue.add('later', {}, { delay: HOUR });

		// A worker fetching by hand (no processor): one job completed, one failed, one left running.
		worker = new Worker(QUEUE_NAME, null, { connection: connect({ maxRetriesPerRequest: null }), prefix: QUEUE_PREFIX, autorun: false });
		const take = async () => (await worker.getNextJob('token', { block: false })) as Job;
		await (await take()).moveToCompleted('done', 'token', false);
		await (await take()).moveToFailed(new Error('refused'), 'token', false);
		await take();
		// The stalled check marks every active job; our worker never renews its lock, so it stays marked.
		void worker.startStalledCheckTimer();
		await vi.waitFor(async () => expect(await redis.exists(`${QUEUE_PREFIX}:${QUEUE_NAME}:stalled-check`)).toBe(1));

		heartbeat = new WorkerHeartbeat(redis, { id: 'w-test', host: 'box-1', pid: 4242, role: 'worker', startedAt: Date.now() - 65_000 }, () => 1);
		heartbeat.start();
		await redis.set(`${WORKER_HEARTBEAT_PREFIX}broken`, 'not json', 'PX', 60_000);

		const video = new RedisQuota(redis, 1_000, HOUR);
		const images = new RedisQuota(redis, 1_000, HOUR, IMAGES);
		// Server 111 keeps a video budget; 222 keeps none; the bot keeps one for video only.
		await video.reserveAll([member('111:u1'), server('111'), bot], 20, 'j1');
		await video.reserveAll([member('111:u2'), server('111'), bot], 15, 'j2');
		await images.reserveAll([member('111:u1')], 2, 'j3');
		await images.reserveAll([member('111:u3')], 1, 'j4');
		await video.reserveAll([member('222:u9'), bot], 8, 'j5');
		await video.refund(await video.reserveAll([member('222:u10'), bot], 5, 'j6'));
		await images.reserveAll([member('dm:u5')], 1, 'j7');

		// Same connection as the heartbeat's first SET, so that SET has landed before these reads.
		status = await readStatus(redis, queue);
	});
	afterAll(async () => {
		await worker?.close(true);
		await queue?.close();
		await Promise.all(connections.map((connection) => connection.quit()));
	});

	it('counts the queue: waiting, running, delayed, failed, completed, stalled and the global concurrency', () => {
		expect(status.queue).toEqual({ key: 'rd:bull:jobs', waiting: 2, running: 1, delayed: 1, failed: 1, completed: 1, stalled: 1, paused: false, globalConcurrency: 4 });
	});

	it('lists live workers from their heartbeats, flags a key that is not one, and counts BullMQ workers in this database only', () => {
		expect(status.workers.alive).toHaveLength(1);
		expect(status.workers.alive[0]).toMatchObject({ id: 'w-test', host: 'box-1', pid: 4242, role: 'worker', running: 1 });
		expect(status.workers.alive[0]!.expiresInMs).toBeGreaterThan(10_000);
		expect(status.workers.alive[0]!.expiresInMs).toBeLessThanOrEqual(15_000);
		expect(status.workers.unreadable).toEqual([`${WORKER_HEARTBEAT_PREFIX}broken`]);
		expect(status.workers.bullmqWorkers).toBe(1);
	});

	it("sums quota use per server: the server budget's count when kept, else its members'; members with use; bot-wide", () => {
		expect(status.quota.servers).toEqual([
			{ server: '111', videoSeconds: 35, images: 3, members: 3, from: { videoSeconds: 'budget', images: 'members' } },
			{ server: '222', videoSeconds: 8, images: 0, members: 1, from: { videoSeconds: 'members', images: 'members' } },
			{ server: 'dm', videoSeconds: 0, images: 1, members: 1, from: { videoSeconds: 'members', images: 'members' } },
		]);
		expect(status.quota.bot).toEqual({ videoSeconds: 43, images: 4, from: { videoSeconds: 'budget', images: 'members' } });
	});

	it('renders every figure for a terminal', () => {
		const text = renderStatus(status);
		expect(text).toContain('Queue rd:bull:jobs');
		expect(text).toMatch(/waiting +2\n/);
		expect(text).toMatch(/running +1\n/);
		expect(text).toMatch(/delayed +1\n/);
		expect(text).toMatch(/failed +1\n/);
		expect(text).toMatch(/completed \(kept\) +1\n/);
		expect(text).toMatch(/stalled +1 /);
		expect(text).toMatch(/global concurrency +4\n/);
		expect(text).toContain('Workers: 1 alive by heartbeat, running 1 job; BullMQ sees 1 worker connection');
		expect(text).toMatch(/w-test +worker +box-1 pid 4242 +up 1m 5s +running 1/);
		expect(text).toContain(`${WORKER_HEARTBEAT_PREFIX}broken: not a heartbeat`);
		expect(text).toMatch(/bot-wide +video 43 s, images 4\*\n/);
		expect(text).toMatch(/server 111 +video 35 s, images 3\*, 3 members with use\n/);
		expect(text).toMatch(/server 222 +video 8 s\*, images 0\*, 1 member with use\n/);
		expect(text).toMatch(/DMs +video 0 s\*, images 1\*, 1 member with use\n/);
	});

	it('prints the same as a process, and the object with --json', async () => {
		const run = runScript('dist/status.js', { STORE_URL: redisDb(12) });
		expect(await run.exit).toBe(0);
		const { stdout } = run.output();
		const url = new URL(REDIS_URL!);
		expect(stdout).toContain(`redis ${url.hostname}:${url.port || 6379} db 12`);
		expect(stdout).toMatch(/waiting +2\n/);
		expect(stdout).toContain('Workers: 1 alive by heartbeat');
		expect(stdout).toMatch(/server 111 +video 35 s, images 3\*, 3 members with use\n/);

		const script = fileURLToPath(new URL('../dist/status.js', import.meta.url));
		const json = await promisify(execFile)(process.execPath, [script, '--json'], { env: { PATH: process.env.PATH!, STORE_URL: redisDb(12) } });
		const parsed = JSON.parse(json.stdout) as ClusterStatus;
		expect(parsed.queue).toEqual(status.queue);
		expect(parsed.quota).toEqual(status.quota);
		expect(parsed.workers.alive.map((alive) => alive.id)).toEqual(['w-test']);
	});

	it('says which Redis it could not reach, and why', async () => {
		const run = runScript('dist/status.js', { STORE_URL: 'redis://127.0.0.1:1/0' });
		expect(await run.exit).toBe(1);
		expect(run.output().stderr).toContain('status could not reach the Redis at STORE_URL (127.0.0.1:1): connect ECONNREFUSED');
	});
});

describe.skipIf(!REDIS_URL)('WorkerHeartbeat', () => {
	let redis: Redis;
	const key = `${WORKER_HEARTBEAT_PREFIX}w-beat`;
	const info = { id: 'w-beat', host: 'box-2', pid: 7, role: 'worker', startedAt: 1_000 };
	beforeAll(() => {
		redis = new Redis(redisDb(12));
	});
	afterEach(() => {
		vi.useRealTimers();
	});
	afterAll(async () => {
		await redis.quit();
	});

	it('writes its JSON at start, expiring after three intervals, and deletes it on stop', async () => {
		const heartbeat = new WorkerHeartbeat(redis, info, () => 2, 1_000);
		heartbeat.start();
		expect(JSON.parse((await redis.get(key))!)).toEqual({ ...info, running: 2 });
		const ttl = await redis.pttl(key);
		expect(ttl).toBeGreaterThan(2_000);
		expect(ttl).toBeLessThanOrEqual(3_000);
		await heartbeat.stop();
		expect(await redis.exists(key)).toBe(0);
	});

	it('beats every interval with the running count of the moment, and not after stop', async () => {
		vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
		let running = 0;
		const heartbeat = new WorkerHeartbeat(redis, info, () => running, 5_000);
		heartbeat.start();
		running = 3;
		vi.advanceTimersByTime(4_999);
		expect(JSON.parse((await redis.get(key))!).running).toBe(0);
		vi.advanceTimersByTime(1);
		expect(JSON.parse((await redis.get(key))!).running).toBe(3);
		await heartbeat.stop();
		vi.advanceTimersByTime(10_000);
		expect(await redis.exists(key)).toBe(0);
	});
});
