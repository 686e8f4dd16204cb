/**
 * `scale-quota`: reservations over a member's, a server's and the bot's budget, decided by
 * `RedisQuota` from 4 processes at once and from 1, beside the in-process `QuotaService` doing the
 * same, and a check that no budget (the bot-wide one above all) was overspent.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { BudgetExceededError, QuotaExceededError, QuotaService, VIDEO_SECONDS } from '../src/services/quota/quota.js';
import { quotaHashPrefix } from '../src/services/quota/redis-quota.js';
import { openStore } from '../src/services/store/store.js';
import { WriteBehind } from '../src/services/store/write-behind.js';
import { fmt, percentile, root } from './harness.js';
import { BENCH_DBS, freshRedis, redisUrl, redisWork } from './scale-processes.js';
import { botLimit, claimsOf, limitOf, QUOTA_AMOUNT, QUOTA_WINDOW_MS, type QuotaLoad, type QuotaResult } from './scale-quota-load.js';
import type { Report } from './scale.js';

const IN_FLIGHT = 64;

export async function scaleQuota({ print, table }: Report): Promise<void> {
	const total = Number(process.env.BENCH_SCALE_QUOTA_OPS ?? 80_000);
	print('## Scale 1. Quota reservations on one Redis, from several processes');
	print(
		`${total.toLocaleString('en')} reservations of ${QUOTA_AMOUNT} s in each setup, each over a member's budget (${Math.floor(total / 4).toLocaleString('en')} members), its server's (100 servers) and the bot's, whose limit is 95 % of the demand, so the last 5 % are refused while every process is still taking. On Redis: \`RedisQuota.reserveAll\` (one Lua script per reservation), ${IN_FLIGHT} in flight per process, each process its own connection; processes start together, and decisions/s is all reservations over the time from the first sent to the last answered. Latency is call → answer, queueing behind the process's other ${IN_FLIGHT - 1} included. Redis CPU is the server's own (\`INFO cpu\`, user + sys) over the same time; µs per script is Redis's time inside each EVALSHA (\`INFO commandstats\`). In memory: \`QuotaService.reserveAll\` in this process, one at a time, written behind to SQLite.`,
	);
	print();
	const rows: Array<Array<string | number>> = [];
	for (const processes of [4, 1]) {
		const redis = await freshRedis(BENCH_DBS.quota);
		try {
			const before = await redisWork(redis);
			const results = await runProcesses(processes, total);
			const after = await redisWork(redis);
			const start = Math.min(...results.map((result) => result.start));
			const end = Math.max(...results.map((result) => result.end));
			const latencies = results.flatMap((result) => result.latencies);
			const granted = results.reduce((sum, result) => sum + result.granted, 0);
			const refused = results.reduce((sum, result) => sum + result.refused, 0);
			const check = await overspending(redis, total, granted);
			const busy = (after.cpuSeconds - before.cpuSeconds) / ((end - start) / 1000);
			const perScript = (after.scriptUsec - before.scriptUsec) / Math.max(1, after.scripts - before.scripts);
			rows.push([`Redis, ${processes} process${processes === 1 ? '' : 'es'}`, total, fmt(total / ((end - start) / 1000), 0), fmt(percentile(latencies, 50), 2), fmt(percentile(latencies, 99), 2), `${fmt(busy * 100, 0)} % / ${fmt(perScript, 1)} µs`, `${granted / QUOTA_AMOUNT} / ${refused}`, `${check.botUsed} / ${botLimit(total)}`, check.overspent]);
		} finally {
			await redis.flushdb();
			await redis.quit();
		}
	}
	rows.push(await inMemory(total));
	table(['setup', 'reservations', 'decisions/s', 'p50 ms', 'p99 ms', 'Redis CPU (of one core) / µs per script', 'granted / refused', 'bot budget used / limit (s)', 'overspent (s)'], rows);
	const overspent = rows.reduce((sum, row) => sum + Number(row.at(-1)), 0);
	print(`overspent: ${overspent}`);
	print();
	if (overspent !== 0) throw new Error(`scale-quota: a budget was overspent by ${overspent} s`);
}

/** Spawns `count` processes, starts them together and collects what each measured. */
async function runProcesses(count: number, total: number): Promise<QuotaResult[]> {
	const children = Array.from({ length: count }, () =>
		spawn(process.execPath, ['--import', 'tsx', 'bench/scale-quota-child.ts'], {
			cwd: root,
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
			env: { PATH: process.env.PATH, BENCH_QUOTA_REDIS: redisUrl(BENCH_DBS.quota) },
		}),
	);
	try {
		const message = <T>(child: (typeof children)[number], key: string) =>
			new Promise<T>((resolve, reject) => {
				child.on('message', (received: Record<string, T>) => key in received && resolve(received[key]!));
				child.once('exit', (code) => reject(new Error(`a scale-quota process exited (${code}) before sending ${key}`)));
			});
		await Promise.all(children.map((child) => message(child, 'ready')));
		const share = Math.ceil(total / count);
		const results = children.map((child) => message<QuotaResult>(child, 'result'));
		children.forEach((child, index) => {
			const load: QuotaLoad = { process: index, first: index * share, count: Math.min(share, total - index * share), total, inFlight: IN_FLIGHT };
			child.send({ go: load });
		});
		return await Promise.all(results);
	} finally {
		for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
	}
}

/**
 * Reads every budget's hash back: the seconds each holds over its limit, summed, and the bot's
 * use, which must equal what the processes were granted (each grant took from the bot's budget).
 */
async function overspending(redis: Redis, total: number, granted: number): Promise<{ overspent: number; botUsed: number }> {
	const prefix = quotaHashPrefix(VIDEO_SECONDS);
	let overspent = 0;
	let botUsed = 0;
	for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>) {
		const pipeline = redis.pipeline();
		for (const key of keys) pipeline.hget(key, '@used');
		const answers = (await pipeline.exec()) ?? [];
		keys.forEach((key, index) => {
			const subject = key.slice(prefix.length);
			if (subject.startsWith('warm-')) return;
			const used = Number(answers[index]?.[1] ?? 0);
			overspent += Math.max(0, used - limitOf(subject, total));
			if (subject === 'bot') botUsed = used;
		});
	}
	if (botUsed !== granted) throw new Error(`scale-quota: the bot's budget holds ${botUsed} s, but the processes were granted ${granted} s`);
	return { overspent, botUsed };
}

/** The same reservations on the single-process `QuotaService`, as part 5 runs it (SQLite behind). */
async function inMemory(total: number): Promise<Array<string | number>> {
	const store = await openStore(`sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-bench-scale-quota-')), 'quota.sqlite')}`);
	const writer = new WriteBehind(store, 50);
	const service = new QuotaService(writer, 0, QUOTA_WINDOW_MS);
	const latencies = new Float64Array(total);
	let granted = 0;
	let refused = 0;
	const start = performance.now();
	for (let index = 0; index < total; index++) {
		const started = performance.now();
		try {
			service.reserveAll(claimsOf(index, { total }), QUOTA_AMOUNT, `job-${index}`);
			granted += QUOTA_AMOUNT;
		} catch (error) {
			if (!(error instanceof QuotaExceededError || error instanceof BudgetExceededError)) throw error;
			refused++;
		}
		latencies[index] = performance.now() - started;
	}
	const seconds = (performance.now() - start) / 1000;
	await writer.flush();
	await store.disconnect();
	const botUsed = service.status('bot', botLimit(total)).used;
	if (botUsed !== granted) throw new Error(`scale-quota: the in-memory bot budget holds ${botUsed} s, but ${granted} s were granted`);
	const list = [...latencies];
	return ['in memory, 1 process (QuotaService)', total, fmt(total / seconds, 0), fmt(percentile(list, 50), 4), fmt(percentile(list, 99), 4), '—', `${granted / QUOTA_AMOUNT} / ${refused}`, `${botUsed} / ${botLimit(total)}`, Math.max(0, botUsed - botLimit(total))];
}
