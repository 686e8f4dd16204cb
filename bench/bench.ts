/**
 * `npm run bench`: runs the real bot process against the two stand-ins and prints what it
 * measured. Figures, not pass/fail: bench/RESULTS.md records a run and reads it against targets.
 * `npm run bench -- first-response capacity economy delivery quota references ops` picks parts (default: all).
 * `ops` (bench/ops-cost.ts) runs first responses and memory with the ops server off and on; the
 * capacity part runs its largest size once more with the ops server on, reading /metrics each second.
 * The scale parts (`scale-quota`, `scale-jobs`, `scale-first-response`: bench/scale.ts) run on Redis.
 * `chaos` (bench/chaos.ts) is the fault soak on a redis-server it starts itself; it sets a non-zero
 * exit code when a job is lost, delivered twice or charged wrong.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FormData, request } from 'undici';
import { snowflake } from '../stand-ins/discord/payloads.js';
import type { DiscordStandIn } from '../stand-ins/discord/stand-in.js';
import { startRelayDanceSimulator, type RelayDanceSimulator } from '../stand-ins/relaydance/simulator.js';
import { QuotaService } from '../src/services/quota/quota.js';
import { openStore } from '../src/services/store/store.js';
import { WriteBehind } from '../src/services/store/write-behind.js';
import { freePort } from '../stand-ins/free-port.js';
import { burst, floorBurst, fmt, jobBurst, MB, percentile, responseTimes, root, startBot, startFloor, startPlain, startSimulatorProcess } from './harness.js';
import { chaos } from './chaos.js';
import { scaleParts } from './scale.js';
import { opsCost, scrapeEvery, scrapeSummary } from './ops-cost.js';
import { seriesSum } from '../scripts/metrics-text.js';

const lines: string[] = [];
function print(line = ''): void {
	lines.push(line);
	console.log(line);
}
function table(header: string[], rows: Array<Array<string | number>>): void {
	print(`| ${header.join(' | ')} |`);
	print(`|${header.map(() => '---').join('|')}|`);
	for (const row of rows) print(`| ${row.join(' | ')} |`);
	print();
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function latencyRow(label: string, rounds: number[][], floor?: number[][], plain?: number[][]): Array<string | number> {
	const values = rounds.flat();
	const p99 = percentile(values, 99);
	const ratio = (other?: number[][]) => (other ? `${fmt(p99 / percentile(other.flat(), 99), 2)}×` : '—');
	const perRound = rounds.length > 10 ? '—' : rounds.map((round) => fmt(percentile(round, 50), 0)).join(' ');
	return [label, values.length, fmt(percentile(values, 50)), fmt(p99), fmt(Math.max(...values)), `${fmt((p99 / 3000) * 100)} %`, ratio(floor), ratio(plain), perRound];
}

async function firstResponse(): Promise<void> {
	print('## 1. First response (INTERACTION_CREATE sent → callback received), ms');
	print('The simulator runs in its own process here, so the jobs the bots start do not load the stand-in that timestamps callbacks. The floor answers each interaction from the raw gateway packet; the plain way is a one-file discord.js bot doing the same job with none of the care (`bench/plain-bot.mjs`).');
	print();
	const relaydance = await startSimulatorProcess({ SIM_QUEUED_MS: '100', SIM_DURATION_MS: '400' });
	const { floor, discord: floorDiscord } = await startFloor();
	const { plain, discord: plainDiscord } = await startPlain(relaydance);
	const { bot, discord } = await startBot(relaydance, { POLL_INTERVAL_MS: '500', EDIT_INTERVAL_MS: '4000' });
	const rows: Array<Array<string | number>> = [];
	for (const size of [1, 100, 500]) {
		const rounds = size === 1 ? 30 : size === 100 ? 5 : 3;
		const measured = { floor: [] as number[][], plain: [] as number[][], bot: [] as number[][], floorAgain: [] as number[][] };
		for (let round = 0; round < rounds; round++) {
			measured.floor.push(await floorBurst(floorDiscord, size));
			measured.plain.push(responseTimes(await jobBurst(plainDiscord, size, 'a lighthouse at dusk, plain')));
			measured.bot.push(responseTimes(await jobBurst(discord, size, 'a lighthouse at dusk, bench')));
			// The floor once more, after the bot: its row's p99 (all rounds) against the floor's is the same client against itself.
			measured.floorAgain.push(await floorBurst(floorDiscord, size));
		}
		rows.push(
			latencyRow(`floor × ${size}`, measured.floor),
			latencyRow(`floor again × ${size}`, measured.floorAgain, measured.floor),
			latencyRow(`plain × ${size}`, measured.plain, measured.floor),
			latencyRow(`bot × ${size}`, measured.bot, measured.floor, measured.plain),
		);
	}
	table(['clients at once', 'n', 'p50', 'p99', 'max', 'p99 / 3,000 ms', 'p99 / floor p99', 'p99 / plain p99', 'p50 of each round'], rows);
	await Promise.all([bot.stop(), floor.stop(), plain.stop()]);
	await Promise.all([discord.close(), floorDiscord.close(), plainDiscord.close(), relaydance.stop()]);
}

/** Three whole poll intervals at POLL_MAX_INTERVAL_MS's default. */
const STEADY_WINDOW_MS = 45_000;

async function capacity(): Promise<void> {
	print('## 2. Tracking capacity (tasks kept running at the simulator; production poll settings)');
	const rows: Array<Array<string | number>> = [];
	const sizes = process.env.BENCH_CAPACITY_SIZES?.split(',').map(Number) ?? [1000, 5000];
	// Issue 14: the largest size again with the ops server on and /metrics read every second throughout.
	const opsSizes = process.env.BENCH_CAPACITY_OPS_SIZES?.split(',').filter(Boolean).map(Number) ?? [Math.max(...sizes)];
	const runs = [...sizes.map((size) => ({ size, ops: false })), ...opsSizes.map((size) => ({ size, ops: true }))];
	const scrapes: string[] = [];
	for (const { size, ops } of runs) {
		const relaydance = await startRelayDanceSimulator({ queuedMs: 0, durationMs: 0, record: false });
		const opsPort = ops ? await freePort() : undefined;
		const { bot, discord } = await startBot(relaydance, { MAX_ACTIVE_JOBS_PER_USER: '1', ...(opsPort && { OPS_PORT: String(opsPort) }) });
		const idle = await bot.ask('reset');
		// BENCH_CAPACITY_SCRAPE_MS=0: metrics kept, nobody reads them, to tell keeping from reading.
		const scrapeMs = Number(process.env.BENCH_CAPACITY_SCRAPE_MS ?? 1_000);
		const scraper = opsPort && scrapeMs > 0 ? scrapeEvery(`http://127.0.0.1:${opsPort}`, scrapeMs) : undefined;
		const started = performance.now();
		const handles = await burst(discord, size, 'an endless waterfall sim:stuck');
		const accepted = handles.filter((handle) => handle.callback?.type === 5).length;
		while (relaydance.tasks.size < accepted && performance.now() - started < 120_000) await sleep(100);
		const acceptMs = performance.now() - started;
		const burstStats = await bot.ask('reset');
		const rampStart = relaydance.stats.requests;
		await sleep(Math.max(0, 60_000 - acceptMs));
		const rampRequests = relaydance.stats.requests - rampStart;
		const rampSeconds = (performance.now() - started - acceptMs) / 1000;
		const rampStats = await bot.ask('reset');
		// Every task started at once, so their polls stay in phase: measure over whole 15 s intervals.
		const steadyStart = relaydance.stats.requests;
		const steadyFrom = performance.now();
		await sleep(STEADY_WINDOW_MS);
		const steadyRate = (relaydance.stats.requests - steadyStart) / (STEADY_WINDOW_MS / 1000);
		const steadyStats = await bot.ask('stats');
		// BENCH_CAPACITY_SNAPSHOT=1: a heap snapshot of the bot with every job in flight (/tmp/bot.heapsnapshot), to see what a job holds.
		if (process.env.BENCH_CAPACITY_SNAPSHOT === '1') await bot.ask('snapshot');
		const peak = Math.max(burstStats.rssPeak, rampStats.rssPeak, steadyStats.rssPeak);
		const scraped = await scraper?.stop();
		if (scraped) {
			const counted = seriesSum(scraped.last, 'relaydance_bot_jobs_started_total');
			scrapes.push(`${size} jobs, ops on, /metrics read every ${fmt(scrapeMs / 1000, 0)} s: ${scrapeSummary(scraped, steadyFrom)}; the last scrape counted ${counted} jobs started (${accepted} accepted).`);
		}
		rows.push([
			size,
			!ops ? 'off' : scraper ? `on, /metrics read every ${fmt(scrapeMs / 1000, 0)} s` : 'on, /metrics not read',
			`${accepted} in ${fmt(acceptMs / 1000)} s`,
			`${fmt(idle.rssNow / MB, 0)} → ${fmt(peak / MB, 0)} MB (${fmt(((peak - idle.rssNow) / Math.max(1, accepted)) / 1024, 1)} KB per accepted job)`,
			`${fmt(steadyStats.rssNow / MB, 0)} MB / ${fmt(steadyStats.heapUsed / MB, 0)} MB`,
			`${fmt(peak / (300 * MB) * 100, 0)} %`,
			`${fmt(burstStats.delayP99Ms)} / ${fmt(rampStats.delayP99Ms)} / ${fmt(steadyStats.delayP99Ms)}`,
			`${fmt(rampRequests / rampSeconds, 0)} → ${fmt(steadyRate, 0)}`,
			`1 per ${fmt(accepted / steadyRate, 1)} s`,
		]);
		await bot.stop();
		await Promise.all([discord.close(), relaydance.close()]);
	}
	table(['jobs', 'ops server', 'accepted', 'RSS idle → peak', 'RSS / JS heap used at the end', 'peak / 300 MB', 'event-loop p99 ms (accept / ramp / steady)', 'RelayDance req/s (first min → steady)', 'steady polls per task'], rows);
	for (const line of scrapes) print(`- ${line}`);
	if (scrapes.length > 0) print();
}

async function economy(): Promise<void> {
	print('## 3. Request economy: RelayDance requests per delivered job, 60 s task');
	const relaydance = await startRelayDanceSimulator({ queuedMs: 0, durationMs: 60_000 });
	const port = await freePort();
	const polling = await startBot(relaydance);
	const webhook = await startBot(relaydance, { WEBHOOK_PUBLIC_URL: `http://127.0.0.1:${port}`, WEBHOOK_PORT: String(port), WEBHOOK_HOST: '127.0.0.1' });
	const jobs = 5;
	const run = async (mode: string, discord: DiscordStandIn) => {
		const tag = `economy-${mode}-${snowflake()}`;
		const handles = await Promise.all(Array.from({ length: jobs }, (_, index) => discord.invoke('video', { prompt: `${tag}-${index} a slow sunrise` }, { userId: snowflake() })));
		await Promise.all(handles.map((handle) => handle.finished(180_000)));
		const delivered = handles.filter((handle) => (handle.original?.files.length ?? 0) > 0).length;
		const submits = relaydance.requestsFor(tag).filter((r) => r.path === '/v1/video/generations').length;
		const polls = relaydance.pollsFor(tag).length;
		return [mode, delivered, fmt((submits + polls) / delivered, 1), fmt(submits / delivered, 1), fmt(polls / delivered, 1), mode === 'webhook' ? '2–3' : 'every 3 s rising to 15 s'];
	};
	const rows = await Promise.all([run('polling', polling.discord), run('webhook', webhook.discord)]);
	table(['mode', 'delivered', 'requests / job', 'submits / job', 'reads / job', 'target'], rows);
	print('Polling mode uses the production defaults (POLL_INTERVAL_MS 3000, ×1.3 longer after each poll, POLL_MAX_INTERVAL_MS 15000). The limit is 2 (one submit, one read).');
	print();
	await Promise.all([polling.bot.stop(), webhook.bot.stop()]);
	await Promise.all([polling.discord.close(), webhook.discord.close(), relaydance.close()]);
}

async function delivery(): Promise<void> {
	print('## 4. Delivery of a 20 MiB video (succeeded seen → upload finished)');
	const bytes = 20 * MB;
	const relaydance = await startRelayDanceSimulator({ queuedMs: 0, durationMs: 200 });
	const { bot, discord } = await startBot(relaydance, { POLL_INTERVAL_MS: '100', EDIT_INTERVAL_MS: '1000' });
	const rows: Array<Array<string | number>> = [];
	const samples = { bot: [] as number[], copy: [] as number[], extra: [] as number[] };
	for (let round = 0; round < 3; round++) {
		await bot.ask('gc');
		const before = await bot.ask('reset');
		const tag = `delivery-${snowflake()}`;
		const [handle] = await Promise.all([discord.invoke('video', { prompt: `${tag} sim:bytes=${bytes}` }, { attachmentSizeLimit: 50 * MB })]);
		await handle!.finished(120_000);
		const after = await bot.ask('stats');
		const file = handle!.original!.files[0];
		if (file?.size !== bytes) throw new Error(`delivery round ${round}: expected a ${bytes}-byte attachment, got ${file ? `${file.size} bytes` : 'no file'}: ${JSON.stringify(handle!.original).slice(0, 300)}`);
		const taskId = relaydance.requestsFor(tag).find((r) => r.taskId)!.taskId!;
		const task = relaydance.tasks.get(taskId)!;
		samples.bot.push(handle!.original!.at - task.succeededServedAt!);
		samples.extra.push(after.rssPeak - before.rssNow);
		// Baseline: the same bytes, fetched from the simulator and posted as multipart to the same stand-in.
		const copyStart = performance.now();
		const download = await request(`${relaydance.url}/outputs/${taskId}.mp4`);
		const form = new FormData();
		form.append('payload_json', '{}');
		form.append('files[0]', new Blob([Buffer.from(await download.body.arrayBuffer())], { type: 'video/mp4' }), 'copy.mp4');
		const upload = await request(`${discord.apiUrl}/v10/bench/sink`, { method: 'POST', body: form });
		await upload.body.text();
		samples.copy.push(performance.now() - copyStart);
		discord.forget(handle!);
	}
	const botMs = percentile(samples.bot, 50);
	const copyMs = percentile(samples.copy, 50);
	const extra = percentile(samples.extra, 50);
	rows.push(['time (median of 3)', `${fmt(botMs, 0)} ms`, `${fmt(copyMs, 0)} ms (plain copy)`, `${fmt(botMs / copyMs, 2)}×`, '< 1.5×']);
	rows.push(['peak extra RSS (median of 3)', `${fmt(extra / MB)} MB`, `${fmt(bytes / MB, 0)} MB (file)`, `${fmt(extra / bytes, 2)}×`, '< 1.5×']);
	table(['measure', 'bot', 'reference', 'ratio', 'target'], rows);
	await bot.stop();
	await Promise.all([discord.close(), relaydance.close()]);
}

async function quota(): Promise<void> {
	print('## 5. Quota on SQLite (WAL): decided in memory, every change written to Keyv behind it in batches');
	const store = await openStore(`sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-bench-quota-')), 'quota.sqlite')}`);
	const writer = new WriteBehind(store, 50);
	const service = new QuotaService(writer, 1_000_000_000, 60 * 60_000);
	const rows: Array<Array<string | number>> = [];
	const measure = async (label: string, total: number, op: (index: number) => void) => {
		const latencies: number[] = [];
		const start = performance.now();
		for (let index = 0; index < total; index++) {
			const t = performance.now();
			op(index);
			latencies.push(performance.now() - t);
		}
		const decided = performance.now() - start;
		await writer.flush();
		const persisted = performance.now() - start;
		rows.push([label, total, fmt(total / (decided / 1000), 0), fmt(percentile(latencies, 50), 4), fmt(percentile(latencies, 99), 4), fmt(total / (persisted / 1000), 0)]);
	};
	await measure('reserve (kept = committed), 5,000 members', 5000, (index) => service.reserve(`member-${index}`, 5, `job-${index}`));
	await measure('reserve + refund, 5,000 members', 5000, (index) => service.refund(service.reserve(`pair-${index}`, 5, `job-${index}`)));
	await measure('reserve, 5,000 requests from one member', 5000, (index) => service.reserve('busy', 1, `job-${index}`));
	await measure('reserve, 20,000 requests over 200 members', 20_000, (index) => service.reserve(`crowd-${index % 200}`, 1, `job-${index}`));
	table(['operation', 'ops', 'decisions/s', 'decision p50 ms', 'decision p99 ms', 'persisted ops/s (until all written)'], rows);
	await store.disconnect();
}

async function references(): Promise<void> {
	print('## 6. Reference memory: 20 members at once, each attaching 9 × 20 MB images');
	print('Peak RSS of the bot process while it downloads, holds and uploads the references, with the bot-wide cap (REFERENCE_MEMORY_MB) at its default and, for comparison, lifted.');
	print();
	const image = Buffer.alloc(20 * MB);
	PNG_SIGNATURE.copy(image);
	const relaydance = await startRelayDanceSimulator({ queuedMs: 0, durationMs: 200, record: false, keepFiles: false });
	const rows: Array<Array<string | number>> = [];
	for (const [label, capMb] of [['capped (default)', 256], ['cap lifted', 100_000]] as const) {
		const { bot, discord } = await startBot(relaydance, { REFERENCE_MEMORY_MB: String(capMb), POLL_INTERVAL_MS: '200', EDIT_INTERVAL_MS: '2000', QUOTA_VIDEO_SECONDS: '1000' });
		await bot.ask('gc');
		const idle = await bot.ask('reset');
		const started = performance.now();
		const attachments = Object.fromEntries(Array.from({ length: 9 }, (_, index) => [`image${index + 1}`, { data: image, name: `ref${index + 1}.png`, contentType: 'image/png' }]));
		const handles = await Promise.all(Array.from({ length: 20 }, () => discord.invoke('video', { prompt: 'nine stills come alive', ...attachments }, { userId: snowflake() })));
		await Promise.all(handles.map((handle) => handle.finished(300_000)));
		const seconds = (performance.now() - started) / 1000;
		const stats = await bot.ask('stats');
		const delivered = handles.filter((handle) => (handle.original?.files.length ?? 0) > 0).length;
		const extra = stats.rssPeak - idle.rssNow;
		rows.push([label, capMb === 256 ? '256 MB' : '—', delivered, `${fmt(seconds, 1)} s`, `${fmt(idle.rssNow / MB, 0)} → ${fmt(stats.rssPeak / MB, 0)} MB`, `${fmt(extra / MB, 0)} MB`, capMb === 256 ? `${fmt(extra / (capMb * MB), 2)}×` : '—']);
		await bot.stop();
		await discord.close();
	}
	table(['run', 'cap', 'delivered of 20', 'all delivered in', 'RSS idle → peak', 'peak extra RSS', 'extra / cap'], rows);
	print('Each job holds its nine references (180 MB) from download until RelayDance has them; the upload to `POST /v1/files` copies one reference at a time on top.');
	print();
	await relaydance.close();
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const parts = { 'first-response': firstResponse, capacity, economy, delivery, quota, references, ops: () => opsCost({ print, table }), ...scaleParts({ print, table }), chaos: () => chaos({ print, table }) } as const;
const chosen = process.argv.slice(2).filter((name): name is keyof typeof parts => name in parts);
print(`# relaydance-bot benchmark, ${new Date().toISOString()}`);
print(`Machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${fmt(totalmem() / 1024 / MB, 0)} GiB, Node ${process.version}. Stand-ins run in this process; the bot (and the floor client) in their own.`);
print();
for (const name of chosen.length > 0 ? chosen : (Object.keys(parts) as Array<keyof typeof parts>)) await parts[name]();
writeFileSync(join(root, 'bench', 'last-run.md'), `${lines.join('\n')}\n`);
console.log('Written to bench/last-run.md.');
process.exit(process.exitCode ?? 0);
