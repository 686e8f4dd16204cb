/**
 * `npm run bench -- chaos`: the soak of issue 13. CHAOS_JOBS interactions over 2 gateways and
 * CHAOS_WORKERS workers on a Redis of the benchmark's own (AOF), while a script SIGKILLs or
 * SIGSTOPs a random process every CHAOS_FAULT_EVERY_MS and restarts Redis twice; then the same load
 * (same seed) with no faults. Prints jobs lost, delivered twice and charged wrong (each must be 0:
 * the process exits non-zero otherwise) and both times to the last delivery.
 *
 * Render times are real but short (a few seconds, `sim:duration`), polls and edits every 1–2 s,
 * and WORKER_LOCK_MS is 5 s, so a run of 1,000 jobs takes a few minutes per half.
 */
import { performance } from 'node:perf_hooks';
import { RedisServer } from '../test/support/redis-server.js';
import { startFaultCluster } from '../test/support/fault-cluster.js';
import { isFinal } from '../stand-ins/discord/interaction-handle.js';
import { sendLoad, seeded, type SentJob } from './chaos-load.js';
import { ChaosMonkey, type MonkeyCounts } from './chaos-monkey.js';
import { ChaosSupervisor } from './chaos-supervisor.js';
import { tallyChaos, type ChaosTally } from './chaos-tally.js';
import { fmt } from './harness.js';
import type { Report } from './scale.js';

/** The soak's knobs, from the environment; the defaults are the soak. */
export function chaosKnobs(env: NodeJS.ProcessEnv = process.env) {
	const num = (name: string, fallback: number) => {
		const raw = env[name];
		if (raw === undefined || raw === '') return fallback;
		const value = Number(raw);
		if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
		return value;
	};
	return {
		jobs: num('CHAOS_JOBS', 1000),
		/** Interactions per second. */
		rate: num('CHAOS_RATE', 10),
		gateways: num('CHAOS_GATEWAYS', 2),
		workers: num('CHAOS_WORKERS', 3),
		faultEveryMs: num('CHAOS_FAULT_EVERY_MS', 10_000),
		redisRestarts: num('CHAOS_REDIS_RESTARTS', 2),
		seed: num('CHAOS_SEED', 13),
		members: num('CHAOS_MEMBERS', 250),
		guilds: num('CHAOS_GUILDS', 4),
		imageShare: num('CHAOS_IMAGE_SHARE', 0.1),
		renderMs: [num('CHAOS_RENDER_MIN_MS', 2000), num('CHAOS_RENDER_MAX_MS', 6000)] as [number, number],
		lockMs: num('CHAOS_LOCK_MS', 5000),
		/** A killed process is started again after this (a process manager's back-off). */
		restartDelayMs: num('CHAOS_RESTART_DELAY_MS', 2000),
		/** Give up waiting for the last replies after this long without a new final one. */
		settleMs: num('CHAOS_SETTLE_MS', 90_000),
		/** 0 skips the run without faults. */
		baseline: num('CHAOS_BASELINE', 1),
	};
}
type Knobs = ReturnType<typeof chaosKnobs>;

interface RunResult {
	label: string;
	tally: ChaosTally;
	faults?: MonkeyCounts;
	crashes: number;
	violations: number;
	settledInTime: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One half of the soak: a fresh Redis and cluster, the load, with or without the monkey. */
async function runOnce(knobs: Knobs, withFaults: boolean): Promise<RunResult> {
	const label = withFaults ? 'chaos' : 'no faults';
	const started = performance.now();
	const log = (line: string) => console.log(`  [${label} ${fmt((performance.now() - started) / 1000, 1)} s] ${line}`);
	const redis = await RedisServer.start('aof');
	const cluster = await startFaultCluster({
		gateways: knobs.gateways,
		workers: knobs.workers,
		redis,
		simulator: { queuedMs: 500, durationMs: knobs.renderMs[0], imageMs: 1000, keepFiles: false },
		env: {
			POLL_INTERVAL_MS: '1000',
			POLL_MAX_INTERVAL_MS: '2000',
			EDIT_INTERVAL_MS: '2000',
			WORKER_LOCK_MS: String(knobs.lockMs),
			RECONCILE_INTERVAL_MS: '10000',
			MAX_ACTIVE_JOBS_PER_USER: '25',
			QUOTA_VIDEO_SECONDS: '1000000',
			QUOTA_IMAGES: '1000000',
			LOG_LEVEL: 'info',
		},
	});
	try {
		const guilds = [...cluster.guilds];
		while (guilds.length < knobs.guilds) {
			const added = await cluster.discord.addGuild({ name: `Chaos ${guilds.length}` });
			guilds.push({ guildId: added.guildId, channelId: added.channelIds[0]! });
		}
		const processes = cluster.all();
		const supervisor = new ChaosSupervisor(processes, { restartDelayMs: knobs.restartDelayMs, pauseMs: Math.round(knobs.lockMs * 1.6), log });
		const loadMs = (knobs.jobs / knobs.rate) * 1000;
		const random = seeded(knobs.seed);
		const monkey = withFaults
			? new ChaosMonkey(supervisor, redis, {
					everyMs: knobs.faultEveryMs,
					redisRestartsAtMs: Array.from({ length: knobs.redisRestarts }, (_, index) => Math.round((loadMs * (index + 1)) / (knobs.redisRestarts + 1))),
					random: seeded(knobs.seed ^ 0x5eed),
					log,
				})
			: undefined;
		monkey?.start();
		log(`sending ${knobs.jobs} interactions at ${knobs.rate}/s over ${knobs.gateways} gateways, ${knobs.workers} workers`);
		const { jobs } = await sendLoad(cluster.discord, guilds, {
			jobs: knobs.jobs,
			rate: knobs.rate,
			imageShare: knobs.imageShare,
			members: knobs.members,
			renderMs: knobs.renderMs,
			imageMs: [500, 2000],
			random,
			runTag: withFaults ? 'chs' : 'cln',
		});
		await monkey?.stop();
		await supervisor.settle();
		log('load sent, faults stopped, every process up; waiting for the last replies');
		const settledInTime = await waitForFinal(jobs, knobs.settleMs, log);
		const tally = await tallyChaos(jobs, cluster.ledger);
		supervisor.close();
		return { label, tally, faults: monkey?.counts, crashes: supervisor.crashes.length, violations: cluster.discord.violations.length, settledInTime };
	} finally {
		await cluster.close();
		await redis.cleanup();
	}
}

/** Waits until every deferred job's reply has held a final word, or `quietMs` pass with no new one. */
async function waitForFinal(jobs: SentJob[], quietMs: number, log: (line: string) => void): Promise<boolean> {
	const open = () => jobs.filter((job) => job.handle?.callback?.type === 5 && !job.handle.history.some((state) => isFinal(state))).length;
	let last = open();
	let lastChange = performance.now();
	while (last > 0) {
		await sleep(1000);
		const now = open();
		if (now !== last) {
			last = now;
			lastChange = performance.now();
		} else if (performance.now() - lastChange > quietMs) {
			log(`${now} accepted jobs still without a final word after ${quietMs / 1000} s of no progress`);
			return false;
		}
	}
	return true;
}

export async function chaos(report: Report): Promise<void> {
	const knobs = chaosKnobs();
	report.print(`## Chaos soak (issue 13): ${knobs.jobs} jobs over ${knobs.gateways} gateways and ${knobs.workers} workers`);
	report.print(
		`A random gateway or worker SIGKILLed (started again after ${knobs.restartDelayMs / 1000} s) or SIGSTOPped (for ${fmt((knobs.lockMs * 1.6) / 1000, 1)} s, past WORKER_LOCK_MS ${knobs.lockMs / 1000} s) every ${knobs.faultEveryMs / 1000} s while the load is sent, and Redis (AOF, everysec) restarted ${knobs.redisRestarts} times (SIGTERM, then SIGKILL). ` +
			`Load: ${knobs.rate} interactions/s from ${knobs.members} members in ${knobs.guilds} guilds, ${fmt(knobs.imageShare * 100, 0)} % /image; renders ${knobs.renderMs[0] / 1000}–${knobs.renderMs[1] / 1000} s; seed ${knobs.seed}.`,
	);
	report.print();
	const runs = [await runOnce(knobs, true)];
	if (knobs.baseline) runs.push(await runOnce(knobs, false));
	report.table(
		['run', 'sent', 'accepted', 'refused', 'unanswered', 'delivered', 'told failed', 'lost', 'delivered twice', 'charged wrong', 'reply taken back', 'files resent into the reply', 'last delivery', 'faults', 'crashes'],
		runs.map((run) => [
			run.label,
			run.tally.sent,
			run.tally.accepted,
			[...run.tally.refused.values()].reduce((sum, count) => sum + count, 0),
			run.tally.unanswered,
			run.tally.delivered,
			run.tally.failed,
			run.tally.lost,
			run.tally.deliveredTwice,
			run.tally.chargedWrong,
			run.tally.stripped,
			run.tally.replyResent,
			`${fmt(run.tally.lastDeliveryMs / 1000, 1)} s`,
			run.faults ? `${run.faults.kills} kills, ${run.faults.stops} stops, ${run.faults.redisRestarts} Redis restarts` : '—',
			run.crashes,
		]),
	);
	report.print('Lost: deferred, never shown ready, never told a failure. Delivered twice: more than one message with its files (the reply counts once, however often its files were sent into it), or its reply turned "ready" more than once. Files resent into the reply: a delivered job whose files went into its one reply more than once (a worker frozen inside its upload sending it on waking, or a delivery repeated after Redis lost the write that ended it); the member still has one message, so it does not fail the soak. Charged wrong: the member\'s quota charge for the job ≠ what was shown (seconds, images; 0 when not delivered), or RelayDance tasks ≠ 1 for a delivered video (> 1 for any job). Reply taken back: shown ready, then written over (a stale progress edit), so the member no longer has it; it fails the soak too. Unanswered interactions went to a gateway that was down or stopped: Discord tells the member the app did not respond, and no job exists.');
	report.print();
	const [faulted, clean] = runs;
	if (clean) report.print(`Time to the last delivery: ${fmt(faulted!.tally.lastDeliveryMs / 1000, 1)} s with faults against ${fmt(clean.tally.lastDeliveryMs / 1000, 1)} s without (${fmt(faulted!.tally.lastDeliveryMs / clean.tally.lastDeliveryMs, 2)}×).`);
	for (const run of runs) {
		for (const [text, count] of run.tally.refused) report.print(`- ${run.label}: refused ${count}× "${text}"`);
		if (!run.settledInTime) report.print(`- ${run.label}: gave up waiting ${knobs.settleMs / 1000} s after the last progress; the jobs still open count as lost.`);
		if (run.violations > 0) report.print(`- ${run.label}: the Discord stand-in saw ${run.violations} request(s) off Discord's spec.`);
		for (const example of run.tally.examples) report.print(`- ${run.label}: ${example}`);
	}
	report.print();
	const bad = runs.some((run) => run.tally.lost + run.tally.deliveredTwice + run.tally.chargedWrong + run.tally.stripped > 0);
	if (bad) {
		report.print('Not every count is 0: the soak fails (exit code 1).');
		report.print();
		process.exitCode = 1;
	}
}
