/**
 * What the ops server costs (issue 14): part `ops` sends the same bursts to two bot processes,
 * one with `OPS_PORT` unset (no metrics are kept at all) and one with it set, in turns, beside the
 * plain one-file discord.js bot, and prints first responses and memory side by side. The capacity
 * part's 5,000-job run uses `scrapeEvery` to read `/metrics` each second as Prometheus would.
 */
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import type { DiscordStandIn } from '../stand-ins/discord/stand-in.js';
import { freePort } from '../stand-ins/free-port.js';
import { fmt, jobBurst, MB, percentile, responseTimes, startBot, startPlain, startSimulatorProcess, type ProbeStats, type Probed } from './harness.js';
import type { Report } from './scale.js';

/** What a run of scrapes measured: each scrape's time (request sent → whole body read) and body size. */
export interface ScrapeTally {
	count: number;
	failed: number;
	ms: number[];
	/** When each timed scrape was sent (`performance.now()`), to split them by phase. */
	at: number[];
	bytes: number[];
	/** The last body read, for the counters it holds. */
	last: string;
}

/**
 * Reads `${opsUrl}/metrics` every `intervalMs` (Prometheus's own cadence would be 15–60 s; one
 * second is the harsh case) until `stop()`, one scrape at a time, as a Prometheus server does.
 */
export function scrapeEvery(opsUrl: string, intervalMs = 1_000): { stop(): Promise<ScrapeTally> } {
	const tally: ScrapeTally = { count: 0, failed: 0, ms: [], at: [], bytes: [], last: '' };
	let running = true;
	const loop = (async () => {
		while (running) {
			const next = performance.now() + intervalMs;
			const started = performance.now();
			try {
				const response = await request(`${opsUrl}/metrics`, { headersTimeout: 10_000, bodyTimeout: 10_000 });
				const body = await response.body.text();
				if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
				tally.ms.push(performance.now() - started);
				tally.at.push(started);
				tally.bytes.push(Buffer.byteLength(body));
				tally.last = body;
			} catch {
				tally.failed++;
			}
			tally.count++;
			await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
		}
	})();
	return {
		async stop() {
			running = false;
			await loop;
			return tally;
		},
	};
}

/** One line of scrape figures for a report; with `steadyFrom`, the scrapes from then on again on their own. */
export function scrapeSummary(tally: ScrapeTally, steadyFrom?: number): string {
	const kb = (bytes: number) => `${fmt(bytes / 1024, 1)} KB`;
	const times = (ms: number[]) => `p50 ${fmt(percentile(ms, 50))} ms, p99 ${fmt(percentile(ms, 99))} ms, max ${fmt(Math.max(...ms))} ms`;
	const steady = steadyFrom === undefined ? [] : tally.ms.filter((_, index) => tally.at[index]! >= steadyFrom);
	const split = steady.length > 0 ? ` (the ${steady.length} once all were in flight: ${times(steady)})` : '';
	return `${tally.count} scrapes of /metrics (${tally.failed} failed): ${times(tally.ms)}${split}; body ${kb(Math.min(...tally.bytes))} → ${kb(Math.max(...tally.bytes))}`;
}

/** Sends one burst, waits for every job to finish, and answers the first responses. */
async function measure(discord: DiscordStandIn, size: number, prompt: string): Promise<number[]> {
	return responseTimes(await jobBurst(discord, size, prompt));
}

interface Side {
	label: string;
	bot: Probed;
	discord: DiscordStandIn;
	idle?: ProbeStats;
	peak: number;
	firstResponse: Map<number, number[]>;
}

/**
 * Part `ops`: first response and memory with the ops server off and on, same bursts (1, 100, 500
 * at once), taken in turns so both see the same machine. With it on, nothing scrapes here: this
 * measures what keeping the metrics costs each job; the capacity part measures scraping.
 */
export async function opsCost({ print, table }: Report): Promise<void> {
	print('## 7. The ops server and its metrics (issue 14): first response and memory, OPS_PORT unset vs set');
	print('Two bot processes against the same RelayDance simulator (its own process), each with its own Discord stand-in: one with `OPS_PORT` unset (no metrics are kept), one with `OPS_PORT` set (prom-client\'s default metrics and every `relaydance_bot_*` series kept). Each round sends the same burst to the plain one-file discord.js bot, then to off and on (off first in even rounds, on first in odd ones), and waits for every job to be delivered before the next. Nothing scrapes during this part: the capacity part scrapes once a second during its 5,000-job run.');
	print();
	const relaydance = await startSimulatorProcess({ SIM_QUEUED_MS: '100', SIM_DURATION_MS: '400' });
	const env = { POLL_INTERVAL_MS: '500', EDIT_INTERVAL_MS: '4000' };
	const { plain, discord: plainDiscord } = await startPlain(relaydance);
	const sides: Side[] = [];
	for (const [label, extra] of [['ops off', {}], ['ops on', { OPS_PORT: String(await freePort()) }]] as const) {
		const { bot, discord } = await startBot(relaydance, { ...env, ...extra });
		sides.push({ label, bot, discord, peak: 0, firstResponse: new Map() });
	}
	// A warm-up burst each, so neither side pays for loading code the other already has.
	await Promise.all(sides.map((side) => measure(side.discord, 20, 'warm-up')));
	for (const side of sides) {
		await side.bot.ask('gc');
		side.idle = await side.bot.ask('reset');
	}
	// BENCH_OPS_SIZES=500 BENCH_OPS_ROUNDS=3: only bursts of 500, three times the rounds, to settle a p99.
	const sizes = process.env.BENCH_OPS_SIZES?.split(',').map(Number) ?? [1, 100, 500];
	const repeat = Number(process.env.BENCH_OPS_ROUNDS ?? 1);
	const plainResponses = new Map<number, number[]>();
	for (const size of sizes) {
		const rounds = (size === 1 ? 30 : size === 100 ? 5 : 3) * repeat;
		for (let round = 0; round < rounds; round++) {
			plainResponses.set(size, [...(plainResponses.get(size) ?? []), ...(await measure(plainDiscord, size, 'a lighthouse at dusk, plain'))]);
			// Off first in even rounds, on first in odd ones: neither always follows the other's burst.
			for (const side of round % 2 === 0 ? sides : [...sides].reverse()) side.firstResponse.set(size, [...(side.firstResponse.get(size) ?? []), ...(await measure(side.discord, size, `a lighthouse at dusk, ${side.label}`))]);
		}
	}
	const ended: ProbeStats[] = [];
	for (const side of sides) {
		side.peak = (await side.bot.ask('stats')).rssPeak;
		ended.push(await side.bot.ask('gc'));
	}
	const [off, on] = sides as [Side, Side];
	const cell = (values: number[]) => `${fmt(percentile(values, 50))} / ${fmt(percentile(values, 99))}`;
	const ratio = (size: number) => fmt(percentile(on.firstResponse.get(size)!, 99) / percentile(off.firstResponse.get(size)!, 99), 2);
	table(
		['clients at once', 'n (each)', 'plain p50 / p99 ms', 'ops off p50 / p99 ms', 'ops on p50 / p99 ms', 'on p99 / off p99'],
		sizes.map((size) => [size, off.firstResponse.get(size)!.length, cell(plainResponses.get(size)!), cell(off.firstResponse.get(size)!), cell(on.firstResponse.get(size)!), `${ratio(size)}×`]),
	);
	const mb = (bytes: number) => `${fmt(bytes / MB, 1)} MB`;
	table(
		['memory', 'ops off', 'ops on', 'on − off'],
		[
			['RSS idle (after warm-up and a GC)', mb(off.idle!.rssNow), mb(on.idle!.rssNow), mb(on.idle!.rssNow - off.idle!.rssNow)],
			['JS heap used idle', mb(off.idle!.heapUsed), mb(on.idle!.heapUsed), mb(on.idle!.heapUsed - off.idle!.heapUsed)],
			['RSS peak over the bursts', mb(off.peak), mb(on.peak), mb(on.peak - off.peak)],
			['RSS after the bursts and a GC', mb(ended[0]!.rssNow), mb(ended[1]!.rssNow), mb(ended[1]!.rssNow - ended[0]!.rssNow)],
			['JS heap used after the bursts and a GC', mb(ended[0]!.heapUsed), mb(ended[1]!.heapUsed), mb(ended[1]!.heapUsed - ended[0]!.heapUsed)],
		],
	);
	await Promise.all([...sides.map((side) => side.bot.stop()), plain.stop()]);
	await Promise.all([...sides.map((side) => side.discord.close()), plainDiscord.close(), relaydance.stop()]);
}
