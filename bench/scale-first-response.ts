/**
 * `scale-first-response`: a burst of 500 /video commands spread over 1, 2 and 4 gateway shards, one
 * gateway process per shard and one worker, all on Redis, beside the floor client, the floor on
 * Redis, the plain bot and the plain bot on Redis measured in the same run, and the floor once more
 * after the bot (the same client against itself).
 *
 * BENCH_SHARDS picks the shard counts (default "1,2,4"). BENCH_GATEWAY_IMPORT=./bench/trace-gateway.mjs
 * preloads that tracer into each gateway (BENCH_PLAIN_IMPORT into both plain bots, told apart by pid)
 * and writes each burst's legs, from the gateway message to the callback written, to /tmp/trace-gateway.jsonl.
 */
import type { Redis } from 'ioredis';
import { shardOf } from '../stand-ins/discord/gateway.js';
import { startDiscordStandIn, type DiscordStandIn } from '../stand-ins/discord/stand-in.js';
import { floorBurst, fmt, jobBurst, percentile, responseTimes, startFloor, startPlain, startSimulatorProcess } from './harness.js';
import { BENCH_DBS, botEnv, freshRedis, redisUrl, RoleProcess, startWorkers } from './scale-processes.js';
import type { Report } from './scale.js';

/** BENCH_SHARDS, or 1, 2 and 4. */
function shardCounts(): number[] {
	const counts = process.env.BENCH_SHARDS?.split(',').map(Number) ?? [1, 2, 4];
	if (counts.length === 0 || !counts.every((count) => Number.isInteger(count) && count > 0)) throw new Error(`BENCH_SHARDS=${process.env.BENCH_SHARDS}: shard counts, e.g. "1,2,4"`);
	return counts;
}
/** Guilds the commands are spread over, the same number on every shard. */
const GUILDS = 8;
const TARGET_RATIO = 1.2;
type Floor = Awaited<ReturnType<typeof startFloor>>;
type Plain = Awaited<ReturnType<typeof startPlain>>;

export async function scaleFirstResponse({ print, table }: Report): Promise<void> {
	const size = Number(process.env.BENCH_SCALE_BURST ?? 500);
	const runs = Number(process.env.BENCH_SCALE_RUNS ?? 5);
	const counts = shardCounts();
	print(`## Scale 3. First response over gateway shards (INTERACTION_CREATE sent → callback received), ms`);
	print(
		`${size} /video commands at once, each from its own member, spread evenly over ${GUILDS} guilds and so over every shard (\`(guild_id >> 22) % shards\`). Per shard count: one \`node dist/index.js gateway\` process per shard (SHARD_COUNT=N, SHARD_IDS=i) and one worker, on Redis database ${BENCH_DBS.firstResponse}; the simulator in its own process (100 ms queued, 400 ms running, polled every 500 ms, as part 1). Beside them, each in one process with its own stand-in and started afresh with each shard count: the floor client; the floor on Redis (the same client running one auto-pipelined script before each callback, the least a Redis gateway that admits before it defers can do); the plain bot (\`bench/plain-bot.mjs\`, no store); and the plain bot on Redis (the same file taking each member's seconds in one script before deferring, ioredis untuned). After one burst of warm-up each (not counted), each run sends the burst to each of them in that order, then to the bot, waits for the bot's jobs to finish, and sends it to the floor client once more ("floor again": the same client against itself, which shows how far a run swings with nothing changed). Target: the bot's p99 ≤ ${TARGET_RATIO}× the floor's p99 of the same run, in every run.`,
	);
	print();
	const relaydance = await startSimulatorProcess({ SIM_QUEUED_MS: '100', SIM_DURATION_MS: '400' });
	const rows: Array<Array<string | number>> = [];
	const met = { bot: 0, floorRedis: 0, plain: 0, plainRedis: 0, floorAgain: 0, botVsPlainRedis: 0 };
	const p99 = (values: number[]) => percentile(values, 99);
	try {
		for (const shards of counts) {
			// Every client starts afresh beside each set of gateways, so all are as warm as each other:
			// one burst of warm-up each, then the runs.
			const started: { floor?: Floor; floorRedis?: Floor; plain?: Plain; plainRedis?: Plain; redis?: Redis; discord?: DiscordStandIn } = {};
			const processes: RoleProcess[] = [];
			try {
				const storeUrl = redisUrl(BENCH_DBS.firstResponse);
				started.redis = await freshRedis(BENCH_DBS.firstResponse);
				const { discord: floorDiscord } = (started.floor = await startFloor());
				const { discord: floorRedisDiscord } = (started.floorRedis = await startFloor(storeUrl));
				const { discord: plainDiscord } = (started.plain = await startPlain(relaydance));
				const { discord: plainRedisDiscord } = (started.plainRedis = await startPlain(relaydance, storeUrl));
				const discord = (started.discord = await startDiscordStandIn({ shards, keepFiles: false }));
				const guilds = await spreadGuilds(discord, shards);
				const env = botEnv(discord, relaydance.apiUrl, BENCH_DBS.firstResponse, { MAX_CONCURRENT_TASKS: '1000000', WORKER_CONCURRENCY: '10000', POLL_INTERVAL_MS: '500', EDIT_INTERVAL_MS: '4000' });
				processes.push(...(await startWorkers(1, env)));
				const gateways = Array.from({ length: shards }, (_, shard) => new RoleProcess('gateway', { ...env, LOG_LEVEL: 'info', SHARD_COUNT: String(shards), SHARD_IDS: String(shard) }));
				processes.push(...gateways);
				await Promise.all(gateways.map((gateway) => gateway.waitFor('bot ready')));
				const bot = async (prompt: string) => jobBurst(discord, size, prompt, (index) => guilds[index % guilds.length]);
				// One burst each, not counted: every process has just started, and its first burst runs unoptimised code.
				await floorBurst(floorDiscord, size);
				await floorBurst(floorRedisDiscord, size);
				await jobBurst(plainDiscord, size, 'warming up, plain');
				await jobBurst(plainRedisDiscord, size, 'warming up, plain on Redis');
				await bot('warming up');
				for (let run = 1; run <= runs; run++) {
					const floorMs = await floorBurst(floorDiscord, size);
					const floorRedisMs = await floorBurst(floorRedisDiscord, size);
					const plainMs = responseTimes(await jobBurst(plainDiscord, size, 'a lighthouse at dusk, plain'));
					const plainRedisMs = responseTimes(await jobBurst(plainRedisDiscord, size, 'a lighthouse at dusk, plain on Redis'));
					const botHandles = await bot('a lighthouse at dusk, sharded');
					const botMs = responseTimes(botHandles);
					const deferred = botHandles.filter((handle) => handle.callback?.type === 5).length;
					// The floor again, after the bot: the same client against itself, so a run shows what its own swing is.
					const againMs = await floorBurst(floorDiscord, size);
					const floor = p99(floorMs);
					const ratio = (values: number[]) => p99(values) / floor;
					const shown = (values: number[]) => `${fmt(p99(values))} (${fmt(ratio(values), 2)}×)`;
					met.bot += Number(ratio(botMs) <= TARGET_RATIO);
					met.floorRedis += Number(ratio(floorRedisMs) <= TARGET_RATIO);
					met.plain += Number(ratio(plainMs) <= TARGET_RATIO);
					met.plainRedis += Number(ratio(plainRedisMs) <= TARGET_RATIO);
					met.floorAgain += Number(ratio(againMs) <= TARGET_RATIO);
					met.botVsPlainRedis += Number(p99(botMs) <= p99(plainRedisMs));
					rows.push([shards, run, `${fmt(percentile(floorMs, 50))} / ${fmt(floor)}`, shown(againMs), shown(floorRedisMs), shown(plainMs), shown(plainRedisMs), `${fmt(percentile(botMs, 50))} / ${fmt(p99(botMs))}`, `${deferred} of ${size}`, `${fmt(ratio(botMs), 2)}×`, ratio(botMs) <= TARGET_RATIO ? 'met' : '**not met**', `${fmt(p99(botMs) / p99(plainRedisMs), 2)}×`]);
					console.log(`scale-first-response: ${shards} shard(s), run ${run}: bot p99 ${fmt(p99(botMs))} ms, floor p99 ${fmt(floor)} ms, plain on Redis p99 ${fmt(p99(plainRedisMs))} ms`);
				}
			} finally {
				const { floor, floorRedis, plain, plainRedis, redis, discord } = started;
				await Promise.all([...processes.map((child) => child.stop()), floor?.floor.stop(), floorRedis?.floor.stop(), plain?.plain.stop(), plainRedis?.plain.stop()]);
				await Promise.all([discord?.close(), floor?.discord.close(), floorRedis?.discord.close(), plain?.discord.close(), plainRedis?.discord.close()]);
				await redis?.flushdb();
				await redis?.quit();
			}
		}
	} finally {
		await relaydance.stop();
	}
	table(['gateway shards', 'run', 'floor p50 / p99', 'floor again p99 (/ floor)', 'floor on Redis p99 (/ floor)', 'plain p99 (/ floor)', 'plain on Redis p99 (/ floor)', 'bot p50 / p99', 'deferred', 'bot p99 / floor p99', `≤ ${TARGET_RATIO}×`, 'bot p99 / plain on Redis p99'], rows);
	const of = (count: number) => `${count} of ${rows.length}`;
	print(
		`Target met by the bot in ${of(met.bot)} runs. Within ${TARGET_RATIO}× of the floor, for scale: the floor's second burst in ${of(met.floorAgain)}, the floor on Redis in ${of(met.floorRedis)}, the plain bot in ${of(met.plain)}, the plain bot on Redis in ${of(met.plainRedis)}. The bot's p99 was at or below the plain bot on Redis in ${of(met.botVsPlainRedis)}.`,
	);
	print();
}

/**
 * Adds guilds until every shard has `GUILDS / shards` of them (a guild's shard comes from the
 * millisecond its id was made in) and returns that many per shard, interleaved by shard.
 */
async function spreadGuilds(discord: DiscordStandIn, shards: number): Promise<string[]> {
	const perShard = GUILDS / shards;
	const byShard: string[][] = Array.from({ length: shards }, () => []);
	while (byShard.some((list) => list.length < perShard)) {
		const { guildId } = await discord.addGuild();
		const list = byShard[shardOf(guildId, shards)]!;
		if (list.length < perShard) list.push(guildId);
		await new Promise((resolve) => setTimeout(resolve, 1));
	}
	return Array.from({ length: GUILDS }, (_, index) => byShard[index % shards]![Math.floor(index / shards)]!);
}
