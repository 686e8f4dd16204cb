/**
 * `scale-first-response`: a burst of 500 /video commands spread over 1, 2 and 4 gateway shards, one
 * gateway process per shard and one worker, all on Redis, beside the floor client measured in the
 * same run, and the floor once more after the bot (the same client against itself).
 *
 * BENCH_SHARDS picks the shard counts (default "1,2,4"). BENCH_GATEWAY_IMPORT=./bench/trace-gateway.mjs
 * preloads that tracer into each gateway (BENCH_PLAIN_IMPORT into the plain bot) and writes each
 * burst's legs, from the gateway message to the callback written, to /tmp/trace-gateway.jsonl.
 */
import type { Redis } from 'ioredis';
import { shardOf } from '../stand-ins/discord/gateway.js';
import { startDiscordStandIn, type DiscordStandIn } from '../stand-ins/discord/stand-in.js';
import { floorBurst, fmt, jobBurst, percentile, responseTimes, startFloor, startPlain, startSimulatorProcess } from './harness.js';
import { BENCH_DBS, botEnv, freshRedis, RoleProcess, startWorkers } from './scale-processes.js';
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

export async function scaleFirstResponse({ print, table }: Report): Promise<void> {
	const size = Number(process.env.BENCH_SCALE_BURST ?? 500);
	const runs = Number(process.env.BENCH_SCALE_RUNS ?? 5);
	const counts = shardCounts();
	print(`## Scale 3. First response over gateway shards (INTERACTION_CREATE sent → callback received), ms`);
	print(
		`${size} /video commands at once, each from its own member, spread evenly over ${GUILDS} guilds and so over every shard (\`(guild_id >> 22) % shards\`). Per shard count: one \`node dist/index.js gateway\` process per shard (SHARD_COUNT=N, SHARD_IDS=i) and one worker, on Redis database ${BENCH_DBS.firstResponse}; the simulator in its own process (100 ms queued, 400 ms running, polled every 500 ms, as part 1). The floor client and the plain bot start afresh with each shard count, beside the new gateways. After one burst of warm-up each (not counted), each run sends the burst to the floor client (one process, one connection, its own stand-in), then to the plain bot (\`bench/plain-bot.mjs\`, one process, not sharded), then to the bot, waits for the bot's jobs to finish, and sends it to the floor client once more (\"floor again\": the same client against itself, which shows how far a run swings with nothing changed). Target: the bot's p99 ≤ ${TARGET_RATIO}× the floor's p99 of the same run, in every run.`,
	);
	print();
	const relaydance = await startSimulatorProcess({ SIM_QUEUED_MS: '100', SIM_DURATION_MS: '400' });
	const rows: Array<Array<string | number>> = [];
	let met = 0;
	let plainMet = 0;
	let floorMet = 0;
	try {
		for (const shards of counts) {
			// The floor and the plain bot start afresh beside each set of gateways, so all three are as
			// warm as each other: one burst of warm-up each, then the runs.
			const started: { floor?: Awaited<ReturnType<typeof startFloor>>; plain?: Awaited<ReturnType<typeof startPlain>>; redis?: Redis; discord?: DiscordStandIn } = {};
			const processes: RoleProcess[] = [];
			try {
				const { discord: floorDiscord } = (started.floor = await startFloor());
				const { discord: plainDiscord } = (started.plain = await startPlain(relaydance));
				started.redis = await freshRedis(BENCH_DBS.firstResponse);
				const discord = (started.discord = await startDiscordStandIn({ shards, keepFiles: false }));
				const guilds = await spreadGuilds(discord, shards);
				const env = botEnv(discord, relaydance.apiUrl, BENCH_DBS.firstResponse, { MAX_CONCURRENT_TASKS: '1000000', WORKER_CONCURRENCY: '10000', POLL_INTERVAL_MS: '500', EDIT_INTERVAL_MS: '4000' });
				processes.push(...(await startWorkers(1, env)));
				const gateways = Array.from({ length: shards }, (_, shard) => new RoleProcess('gateway', { ...env, LOG_LEVEL: 'info', SHARD_COUNT: String(shards), SHARD_IDS: String(shard) }));
				processes.push(...gateways);
				await Promise.all(gateways.map((gateway) => gateway.waitFor('bot ready')));
				// One burst each, not counted: every process has just started, and its first burst runs unoptimised code.
				await warmUp(floorDiscord, plainDiscord, discord, size, guilds);
				for (let run = 1; run <= runs; run++) {
					const floorMs = await floorBurst(floorDiscord, size);
					const plainMs = responseTimes(await jobBurst(plainDiscord, size, 'a lighthouse at dusk, plain'));
					const botHandles = await jobBurst(discord, size, 'a lighthouse at dusk, sharded', (index) => guilds[index % guilds.length]);
					const botMs = responseTimes(botHandles);
					const deferred = botHandles.filter((handle) => handle.callback?.type === 5).length;
					// The floor again, after the bot: the same client against itself, so a run shows what its own swing is.
					const againMs = await floorBurst(floorDiscord, size);
					const ratio = percentile(botMs, 99) / percentile(floorMs, 99);
					const plainRatio = percentile(plainMs, 99) / percentile(floorMs, 99);
					const againRatio = percentile(againMs, 99) / percentile(floorMs, 99);
					if (againRatio <= TARGET_RATIO) floorMet++;
					if (ratio <= TARGET_RATIO) met++;
					if (plainRatio <= TARGET_RATIO) plainMet++;
					rows.push([shards, run, fmt(percentile(floorMs, 50)), fmt(percentile(floorMs, 99)), fmt(percentile(plainMs, 50)), fmt(percentile(plainMs, 99)), `${fmt(plainRatio, 2)}×`, fmt(percentile(botMs, 50)), fmt(percentile(botMs, 99)), fmt(Math.max(...botMs)), `${deferred} of ${size}`, `${fmt(ratio, 2)}×`, ratio <= TARGET_RATIO ? 'met' : '**not met**', fmt(percentile(againMs, 99)), `${fmt(againRatio, 2)}×`]);
					console.log(`scale-first-response: ${shards} shard(s), run ${run}: bot p99 ${fmt(percentile(botMs, 99))} ms, floor p99 ${fmt(percentile(floorMs, 99))} ms`);
				}
			} finally {
				const { floor, plain, redis, discord } = started;
				await Promise.all([...processes.map((child) => child.stop()), floor?.floor.stop(), plain?.plain.stop()]);
				await Promise.all([discord?.close(), floor?.discord.close(), plain?.discord.close()]);
				await redis?.flushdb();
				await redis?.quit();
			}
		}
	} finally {
		await relaydance.stop();
	}
	table(['gateway shards', 'run', 'floor p50', 'floor p99', 'plain p50', 'plain p99', 'plain p99 / floor p99', 'bot p50', 'bot p99', 'bot max', 'deferred', 'bot p99 / floor p99', `≤ ${TARGET_RATIO}×`, 'floor again p99', 'floor again p99 / floor p99'], rows);
	print(`Target met in ${met} of ${rows.length} runs. For scale, the plain bot (one process, no store) was within ${TARGET_RATIO}× of the floor in ${plainMet} of ${rows.length}, and the floor's second burst of each run (after the bot's) within ${TARGET_RATIO}× of its first in ${floorMet} of ${rows.length}.`);
	print();
}

async function warmUp(floorDiscord: DiscordStandIn, plainDiscord: DiscordStandIn, discord: DiscordStandIn, size: number, guilds: string[]): Promise<void> {
	await floorBurst(floorDiscord, size);
	await jobBurst(plainDiscord, size, 'warming up, plain');
	await jobBurst(discord, size, 'warming up', (index) => guilds[index % guilds.length]);
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
