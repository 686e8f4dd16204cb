/**
 * `scale-jobs`: 20,000 tasks in flight at once over four worker processes, accepted by one gateway
 * process from /video commands at the Discord stand-in, all on one Redis. Per worker: its share of
 * the jobs, its peak RSS and its event-loop delay; and Redis's memory per job.
 */
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { connectionOf } from '../src/services/cluster/cluster.js';
import { QUEUE_NAME, QUEUE_PREFIX } from '../src/services/cluster/names.js';
import { startDiscordStandIn } from '../stand-ins/discord/stand-in.js';
import { burst, fmt, MB, startSimulatorProcess, type ProbeStats } from './harness.js';
import { BENCH_DBS, botEnv, freshRedis, keyCensus, RoleProcess, runningByHeartbeat, startWorkers, usedMemory, type RelayDanceCounts } from './scale-processes.js';
import type { Report } from './scale.js';

const WORKERS = 4;
/** Three whole poll intervals at POLL_MAX_INTERVAL_MS's default, as the capacity part measures. */
const STEADY_WINDOW_MS = Number(process.env.BENCH_SCALE_STEADY_MS ?? 45_000);
const DISCORD_DEADLINE_MS = 3_000;
const EVENT_LOOP_TARGET_MS = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The smallest size tried when the asked one does not all get in flight. */
const MIN_SIZE = 2_500;

export async function scaleJobs(report: Report): Promise<void> {
	const requested = Number(process.env.BENCH_SCALE_JOBS ?? 20_000);
	const batch = Number(process.env.BENCH_SCALE_BATCH ?? 500);
	const concurrency = Math.max(20_000, requested);
	report.print(`## Scale 2. ${requested.toLocaleString('en')} tasks in flight over ${WORKERS} worker processes`);
	report.print(
		`One gateway process (\`node dist/index.js gateway\`) takes /video commands from the Discord stand-in, sent in batches of ${batch.toLocaleString('en')} (the next once every command of the last has its first response), each from its own member, each task \`sim:stuck\` so it stays running, until the asked number are accepted: a command not deferred within Discord's 3 s is counted and another sent in its place, as its member would try again. ${WORKERS} worker processes (\`node dist/index.js worker\`, MAX_CONCURRENT_TASKS=${concurrency}, WORKER_CONCURRENCY=${concurrency / WORKERS}, production poll settings) run them, on Redis database ${BENCH_DBS.jobs}. The simulator runs in its own process. "In flight" is every accepted job submitted to RelayDance, counted in each worker from its own HTTP client (undici's diagnostics channel) and by the worker's own heartbeat, and running in BullMQ. Event-loop p99 (5 ms resolution) and RSS from the probe preloaded into each process. When the asked number does not all get in flight, the part says so and tries half as many, down to ${MIN_SIZE.toLocaleString('en')}.`,
	);
	report.print();
	for (let size = requested; ; size = Math.floor(size / 2)) {
		if (await attempt(report, size, batch, concurrency)) return;
		if (size / 2 < MIN_SIZE) break;
		report.print(`**${size.toLocaleString('en')} did not all get in flight at once on this machine; trying ${Math.floor(size / 2).toLocaleString('en')}.**`);
		report.print();
	}
	report.print(`**No size down to ${MIN_SIZE.toLocaleString('en')} got all its tasks in flight at once on this machine.**`);
	report.print();
}

/** One run at `size`: prints what it measured, and answers whether every one of `size` jobs was in flight at once. */
async function attempt({ print, table }: Report, size: number, batch: number, concurrency: number): Promise<boolean> {
	const rampTimeoutMs = Number(process.env.BENCH_SCALE_RAMP_TIMEOUT_MS ?? 600_000);
	print(`### ${size.toLocaleString('en')} jobs`);
	print();
	const redis = await freshRedis(BENCH_DBS.jobs);
	const relaydance = await startSimulatorProcess({ SIM_QUEUED_MS: '0', SIM_DURATION_MS: '0' });
	const discord = await startDiscordStandIn({ keepFiles: false });
	const env = botEnv(discord, relaydance.apiUrl, BENCH_DBS.jobs, { MAX_CONCURRENT_TASKS: String(concurrency), WORKER_CONCURRENCY: String(concurrency / WORKERS), MAX_ACTIVE_JOBS_PER_USER: '1' });
	const queue = new Queue(QUEUE_NAME, { connection: connectionOf(env.STORE_URL!), prefix: QUEUE_PREFIX });
	const processes: RoleProcess[] = [];
	try {
		const workers = await startWorkers(WORKERS, env);
		processes.push(...workers);
		const gateway = new RoleProcess('gateway', { ...env, LOG_LEVEL: 'info' });
		processes.push(gateway);
		await gateway.waitFor('bot ready');
		await Promise.all(processes.map((child) => child.ask('gc')));
		const idle = await Promise.all(processes.map((child) => child.ask('reset')));
		const redisBefore = await usedMemory(redis);

		const started = performance.now();
		let accepted = 0;
		let sent = 0;
		let late = 0;
		// Commands that miss the deadline are sent again by new members, up to as many again as asked.
		while (accepted < size && sent < 2 * size) {
			const handles = await burst(discord, Math.min(batch, size - accepted), 'an endless waterfall sim:stuck');
			sent += handles.length;
			accepted += handles.filter((handle) => handle.callback?.type === 5).length;
			late += handles.filter((handle) => (handle.firstResponseMs ?? Number.POSITIVE_INFINITY) > DISCORD_DEADLINE_MS).length;
			console.log(`scale-jobs: ${sent} sent, ${accepted} accepted, ${late} missed 3 s, ${fmt((performance.now() - started) / 1000)} s`);
		}
		const acceptMs = performance.now() - started;
		let counts = await Promise.all(workers.map((worker) => worker.counts()));
		while (sum(counts, 'submitted') < accepted && performance.now() - started < rampTimeoutMs) {
			await sleep(1_000);
			counts = await Promise.all(workers.map((worker) => worker.counts()));
			console.log(`scale-jobs: ${sum(counts, 'submitted')} of ${accepted} at RelayDance, ${fmt((performance.now() - started) / 1000)} s`);
		}
		const inFlightMs = performance.now() - started;
		const ramp = await Promise.all(processes.map((child) => child.ask('reset')));
		const active = await queue.getActiveCount();
		const waiting = await queue.getWaitingCount();
		const redisAfter = await usedMemory(redis);
		const census = await keyCensus(redis);

		const steadyStart = await Promise.all(workers.map((worker) => worker.counts()));
		await sleep(STEADY_WINDOW_MS);
		const steadyEnd = await Promise.all(workers.map((worker) => worker.counts()));
		const steady = await Promise.all(processes.map((child) => child.ask('stats')));
		const [activeEnd, waitingEnd] = await Promise.all([queue.getActiveCount(), queue.getWaitingCount()]);
		const beats = await runningByHeartbeat(redis);

		const submitted = sum(steadyEnd, 'submitted');
		const complete = submitted >= size;
		table(
			['jobs asked', "commands sent (not deferred within 3 s)", 'accepted in', 'at RelayDance at once', `BullMQ active / waiting (all in flight → ${fmt(STEADY_WINDOW_MS / 1000, 0)} s later)`, 'Redis used_memory before → after', 'Redis per job'],
			[
				[
					size,
					`${sent} (${late})`,
					`${accepted} in ${fmt(acceptMs / 1000)} s`,
					`${submitted} after ${fmt(inFlightMs / 1000)} s`,
					`${active} / ${waiting} → ${activeEnd} / ${waitingEnd}`,
					`${fmt(redisBefore / MB)} → ${fmt(redisAfter / MB)} MB`,
					`${fmt((redisAfter - redisBefore) / Math.max(1, submitted) / 1024, 2)} KB`,
				],
			],
		);
		print(`What Redis holds with ${submitted.toLocaleString('en')} jobs in flight, by key shape (\`MEMORY USAGE\` per key, summed; each job has its own member here, so a member's quota hash and active-job set count once per job):`);
		print();
		const perJob = (bytes: number) => `${fmt(bytes / Math.max(1, submitted), 0)} B`;
		table(
			['keys', 'count', 'MEMORY USAGE', 'per job'],
			[...census.slice(0, 8).map((group) => [`\`${group.pattern}\``, group.keys, `${fmt(group.bytes / MB, 2)} MB`, perJob(group.bytes)]), ['all', census.reduce((total, group) => total + group.keys, 0), `${fmt(census.reduce((total, group) => total + group.bytes, 0) / MB, 2)} MB`, perJob(census.reduce((total, group) => total + group.bytes, 0))]],
		);
		const row = (label: string, index: number, jobs: string, rate: string): Array<string | number> => {
			const peak = Math.max(ramp[index]!.rssPeak, steady[index]!.rssPeak);
			const worst = Math.max(ramp[index]!.delayP99Ms, steady[index]!.delayP99Ms);
			return [
				label,
				jobs,
				`${fmt(idle[index]!.rssNow / MB, 0)} → ${fmt(peak / MB, 0)} MB`,
				`${fmt(steady[index]!.rssNow / MB, 0)} MB / ${fmt(steady[index]!.heapUsed / MB, 0)} MB`,
				`${fmt(ramp[index]!.delayP99Ms)} / ${fmt(steady[index]!.delayP99Ms)}`,
				fmt(Math.max(ramp[index]!.delayMaxMs, steady[index]!.delayMaxMs), 0),
				rate,
				problemsOf(processes[index]!),
				label.startsWith('gateway') ? '—' : worst < EVENT_LOOP_TARGET_MS ? 'met' : steady[index]!.delayP99Ms < EVENT_LOOP_TARGET_MS ? '**not met** while accepting (met steady)' : '**not met**',
			];
		};
		const perSecond = (index: number) => fmt((steadyEnd[index]!.requests - steadyStart[index]!.requests) / (STEADY_WINDOW_MS / 1000), 0);
		table(
			['process', 'jobs: tasks it submitted (share); running by its own heartbeat', 'RSS idle → peak', 'RSS / JS heap used at the end', 'event-loop p99 ms (accept + ramp / steady)', 'event-loop max ms', 'RelayDance req/s (steady)', 'warnings logged', `event-loop p99 < ${EVENT_LOOP_TARGET_MS} ms`],
			[
				...workers.map((worker, index) => row(`worker ${index + 1} (pid ${worker.pid})`, index, `${steadyEnd[index]!.submitted} (${fmt((steadyEnd[index]!.submitted / Math.max(1, submitted)) * 100, 1)} %); ${beats.get(worker.pid) ?? '—'} by its heartbeat`, perSecond(index))),
				row(`gateway (pid ${gateway.pid})`, workers.length, `— (accepted ${accepted})`, '—'),
			],
		);
		if (Math.min(active, activeEnd) < submitted) {
			print(
				`**BullMQ lost jobs that were still running:** with ${submitted.toLocaleString('en')} tasks at RelayDance and every worker still holding its jobs (its heartbeat counts them), BullMQ counted ${active} active and ${waiting} waiting once all were in flight, ${activeEnd} and ${waitingEnd} ${fmt(STEADY_WINDOW_MS / 1000, 0)} s later: a job whose lock (WORKER_LOCK_MS, 30 s by default) was not renewed in time is put back to waiting while its worker still runs it, and another worker with a free slot would take it up.`,
			);
			print();
		}
		if (!complete) {
			print(`**Not all ${size.toLocaleString('en')} were in flight at once:** ${accepted} were accepted of ${sent} sent, ${submitted} reached RelayDance within ${fmt(rampTimeoutMs / 1000, 0)} s, and BullMQ held ${active} running.`);
			print();
		}
		printVerdict(print, steady, ramp, workers.length);
		return complete;
	} finally {
		await Promise.all(processes.map((child) => child.kill()));
		await queue.close();
		await Promise.all([discord.close(), relaydance.stop()]);
		await redis.flushdb();
		await redis.quit();
	}
}

function printVerdict(print: Report['print'], steady: ProbeStats[], ramp: ProbeStats[], workers: number): void {
	const worstRamp = Math.max(...ramp.slice(0, workers).map((stats) => stats.delayP99Ms));
	const worstSteady = Math.max(...steady.slice(0, workers).map((stats) => stats.delayP99Ms));
	const verdict = (ms: number) => (ms < EVENT_LOOP_TARGET_MS ? 'met' : '**not met**');
	print(`Worst worker event-loop p99 (target < ${EVENT_LOOP_TARGET_MS} ms in every worker): ${fmt(worstRamp)} ms while jobs arrive and are submitted (${verdict(worstRamp)}), ${fmt(worstSteady)} ms once all are in flight (${verdict(worstSteady)}).`);
	print();
}

/** `3 × could not renew lock for job *` and the like, most frequent first, or `none`. */
function problemsOf(child: RoleProcess): string {
	const entries = [...child.problems].sort((a, b) => b[1] - a[1]);
	if (entries.length === 0) return 'none';
	return entries.slice(0, 2).map(([what, count]) => `${count} × ${what.replaceAll('|', '/')}`).join('; ') + (entries.length > 2 ? `; ${entries.length - 2} more kinds` : '');
}

function sum(counts: RelayDanceCounts[], key: keyof RelayDanceCounts): number {
	return counts.reduce((total, count) => total + count[key], 0);
}
