/**
 * The processes and the Redis the scale parts run on: the built bot in one role (`gateway`,
 * `worker`) with the probe preloaded, the two Redis databases the benchmark may use, and bursts of
 * commands at the Discord stand-in.
 */
import { spawn } from 'node:child_process';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startFlags } from '../scripts/start-flags.js';
import { connectionOf } from '../src/services/cluster/cluster.js';
import { heartbeatSchema } from '../src/services/cluster/heartbeat.js';
import { QUEUE_NAME, QUEUE_PREFIX, WORKER_HEARTBEAT_PREFIX } from '../src/services/cluster/names.js';
import type { DiscordStandIn } from '../stand-ins/discord/stand-in.js';
import { Probed, root } from './harness.js';

/**
 * The Redis the scale parts use (`BENCH_REDIS_URL`, default the local one); only databases 14 and
 * 15 of it, or only `BENCH_REDIS_DB` when set (a Redis shared with others' test databases).
 */
const REDIS_BASE = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ONE_DB = process.env.BENCH_REDIS_DB ? Number(process.env.BENCH_REDIS_DB) : undefined;
export const BENCH_DBS = { quota: ONE_DB ?? 14, firstResponse: ONE_DB ?? 14, jobs: ONE_DB ?? 15 } as const;

export function redisUrl(db: number): string {
	const url = new URL(REDIS_BASE);
	url.pathname = `/${db}`;
	return url.toString();
}

/** Empties database `db` (one of `BENCH_DBS`: the benchmark's own) and returns a connection to it. */
export async function freshRedis(db: number): Promise<Redis> {
	const redis = new Redis(redisUrl(db), { lazyConnect: true, maxRetriesPerRequest: 1 });
	await redis.connect();
	await redis.flushdb();
	return redis;
}

/** Why the scale parts cannot run here, or undefined when a Redis answers. */
export async function redisMissing(): Promise<string | undefined> {
	const redis = new Redis(redisUrl(BENCH_DBS.jobs), { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
	try {
		await redis.connect();
		await redis.ping();
		return undefined;
	} catch (error) {
		return `no Redis answers at ${REDIS_BASE} (${error instanceof Error ? error.message : String(error)}); set BENCH_REDIS_URL`;
	} finally {
		redis.disconnect();
	}
}

/** `INFO memory`'s `used_memory`, in bytes. */
export async function usedMemory(redis: Redis): Promise<number> {
	return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? Number.NaN);
}

/** RelayDance traffic a process sent, as its undici reported it. */
export interface RelayDanceCounts {
	/** Video submissions RelayDance accepted (2xx): tasks this process started. */
	submitted: number;
	polls: number;
	requests: number;
}

/**
 * Preloaded beside the probe: counts the process's requests to RelayDance from undici's own
 * diagnostics channel (the bot's code knows nothing of it) and answers `{ scaleCount }` over IPC.
 * Plain JavaScript in a data: URL, so the measured process still runs no TypeScript loader.
 */
const COUNTER = `data:text/javascript,${encodeURIComponent(`
import { subscribe } from 'node:diagnostics_channel';
const origin = new URL(process.env.RELAYDANCE_BASE_URL).origin;
const counts = { submitted: 0, polls: 0, requests: 0 };
subscribe('undici:request:headers', ({ request, response }) => {
	if (!String(request.origin).startsWith(origin)) return;
	counts.requests++;
	const path = request.path.split('?')[0];
	if (request.method === 'POST' && path.endsWith('/video/generations') && response.statusCode < 300) counts.submitted++;
	else if (request.method === 'GET' && path.includes('/video/generations/')) counts.polls++;
});
process.on('message', (message) => { if (message?.scaleCount) process.send?.({ scaleCount: counts }); });
`)}`;

/** The built bot in one role, as `npm run gateway` / `npm run worker` runs it, with the probe and the counter preloaded. */
export class RoleProcess extends Probed {
	private output = '';
	private partial = '';
	/** Warning and error log lines so far, by message (ids and numbers in it replaced by `*`). */
	readonly problems = new Map<string, number>();
	private readonly exited: Promise<number | null>;

	constructor(
		readonly role: 'gateway' | 'worker',
		env: Record<string, string>,
	) {
		super(
			spawn(process.execPath, [...startFlags(), '--expose-gc', '--import', './bench/probe.mjs', '--import', COUNTER, ...(role === 'gateway' && process.env.BENCH_GATEWAY_IMPORT ? ['--import', process.env.BENCH_GATEWAY_IMPORT] : []), 'dist/index.js', role], {
				cwd: root,
				stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
				env: { PATH: process.env.PATH, ...env },
			}),
		);
		// Keep only the tail: a full pipe would stall the process.
		const keep = (chunk: Buffer) => (this.output = (this.output + String(chunk)).slice(-20_000));
		this.child.stdout!.on('data', (chunk: Buffer) => {
			keep(chunk);
			this.countProblems(chunk);
		});
		this.child.stderr!.on('data', keep);
		if (process.env.BENCH_TRACE) this.child.stderr!.pipe(process.stderr);
		this.exited = new Promise((resolve) => this.child.once('exit', resolve));
	}

	get pid(): number {
		return this.child.pid!;
	}

	/** Resolves once the output holds `text`; rejects if the process exits first or `timeoutMs` passes. */
	async waitFor(text: string, timeoutMs = 60_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (!this.output.includes(text)) {
			if (this.child.exitCode !== null) throw new Error(`${this.role} ${this.pid} exited (${this.child.exitCode}):\n${this.output}`);
			if (Date.now() > deadline) throw new Error(`${this.role} ${this.pid}: no "${text}" in ${timeoutMs} ms:\n${this.output}`);
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}

	/** Pino lines of level warn (40) and above, counted by what they say. */
	private countProblems(chunk: Buffer): void {
		const lines = (this.partial + String(chunk)).split('\n');
		this.partial = lines.pop()!;
		for (const line of lines) {
			let entry: { level?: number; msg?: string; err?: { message?: string } };
			try {
				entry = JSON.parse(line) as typeof entry;
			} catch {
				continue;
			}
			if ((entry.level ?? 0) < 40) continue;
			const what = `${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`.replace(/\d+/g, '*').slice(0, 120);
			this.problems.set(what, (this.problems.get(what) ?? 0) + 1);
		}
	}

	counts(): Promise<RelayDanceCounts> {
		return new Promise((resolve) => {
			const onMessage = (message: { scaleCount?: RelayDanceCounts }) => {
				if (!message?.scaleCount) return;
				this.child.off('message', onMessage);
				resolve(message.scaleCount);
			};
			this.child.on('message', onMessage);
			this.child.send({ scaleCount: true });
		});
	}

	/** Gone now: the part flushes its database after, so nothing needs to go back to the queue. */
	async kill(): Promise<void> {
		if (this.child.exitCode === null) this.child.kill('SIGKILL');
		await this.exited;
	}
}

/** Environment every bot process of a scale part shares: one Discord stand-in, one RelayDance, one Redis database. */
export function botEnv(discord: DiscordStandIn, relaydanceApiUrl: string, db: number, env: Record<string, string> = {}): Record<string, string> {
	return {
		DISCORD_TOKEN: discord.botToken,
		DISCORD_API_URL: discord.apiUrl,
		RELAYDANCE_API_KEY: 'sk-bench',
		RELAYDANCE_BASE_URL: relaydanceApiUrl,
		STORE_URL: redisUrl(db),
		QUOTA_VIDEO_SECONDS: '1000',
		LOG_LEVEL: 'warn',
		...env,
	};
}

/** Starts `count` workers and resolves once BullMQ counts every one of them on the queue. */
export async function startWorkers(count: number, env: Record<string, string>, timeoutMs = 60_000): Promise<RoleProcess[]> {
	const workers = Array.from({ length: count }, () => new RoleProcess('worker', env));
	const queue = new Queue(QUEUE_NAME, { connection: connectionOf(env.STORE_URL!), prefix: QUEUE_PREFIX });
	try {
		const deadline = Date.now() + timeoutMs;
		while ((await queue.getWorkersCount()) < count) {
			const dead = workers.find((worker) => worker.child.exitCode !== null);
			if (dead) await dead.waitFor('never', 0);
			if (Date.now() > deadline) throw new Error(`only ${await queue.getWorkersCount()} of ${count} workers on the queue after ${timeoutMs} ms`);
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	} catch (error) {
		await Promise.all(workers.map((worker) => worker.kill()));
		throw error;
	} finally {
		await queue.close();
	}
	return workers;
}

/**
 * Every key in the database grouped by its shape (runs of digits or hex ids replaced by `*`), with
 * the bytes `MEMORY USAGE` gives each group: what Redis holds per job, by who keeps it.
 */
export async function keyCensus(redis: Redis): Promise<Array<{ pattern: string; keys: number; bytes: number }>> {
	const groups = new Map<string, { keys: number; bytes: number }>();
	for await (const keys of redis.scanStream({ count: 1000 }) as AsyncIterable<string[]>) {
		const pipeline = redis.pipeline();
		for (const key of keys) pipeline.memory('USAGE', key);
		const answers = (await pipeline.exec()) ?? [];
		keys.forEach((key, index) => {
			const pattern = key.replace(/[0-9a-f]{8}-[0-9a-f-]{27}|\d{5,}|[0-9a-f]{8,}/g, '*');
			const group = groups.get(pattern) ?? { keys: 0, bytes: 0 };
			group.keys++;
			group.bytes += Number(answers[index]?.[1] ?? 0);
			groups.set(pattern, group);
		});
	}
	return [...groups].map(([pattern, group]) => ({ pattern, ...group })).sort((a, b) => b.bytes - a.bytes);
}

/** What each worker's own heartbeat (`rd:worker:<id>`) says it runs, by pid: the bot's count, beside the benchmark's. */
export async function runningByHeartbeat(redis: Redis): Promise<Map<number, number>> {
	const running = new Map<number, number>();
	for await (const keys of redis.scanStream({ match: `${WORKER_HEARTBEAT_PREFIX}*`, count: 100 }) as AsyncIterable<string[]>) {
		for (const value of keys.length > 0 ? await redis.mget(keys) : []) {
			const beat = value === null ? undefined : heartbeatSchema.safeParse(JSON.parse(value)).data;
			if (beat) running.set(beat.pid, beat.running);
		}
	}
	return running;
}

/** The Redis server's CPU time so far (`INFO cpu`, user + sys, s) and its EVALSHA calls and time (`INFO commandstats`, µs). */
export async function redisWork(redis: Redis): Promise<{ cpuSeconds: number; scripts: number; scriptUsec: number }> {
	const [cpu, commands] = await Promise.all([redis.info('cpu'), redis.info('commandstats')]);
	const field = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
	return {
		cpuSeconds: field(cpu, /used_cpu_user:([\d.]+)/) + field(cpu, /used_cpu_sys:([\d.]+)/),
		scripts: field(commands, /cmdstat_evalsha:calls=(\d+)/),
		scriptUsec: field(commands, /cmdstat_evalsha:calls=\d+,usec=(\d+)/),
	};
}
