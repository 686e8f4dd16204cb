import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { shardOf } from '../../stand-ins/discord/gateway.js';
import { snowflake } from '../../stand-ins/discord/payloads.js';
import { startDiscordStandIn, textOf, type DiscordStandIn, type InteractionHandle, type OptionValue } from '../../stand-ins/discord/stand-in.js';
import { startRelayDanceSimulator, type RelayDanceSimulator, type SimulatorKnobs } from '../../stand-ins/relaydance/simulator.js';
import { runScript, type ScriptRun } from './bot-process.js';
import { DeliveryLedger, type TrackedRequest } from './delivery-ledger.js';
import { RedisServer } from './redis-server.js';

type LogLine = Record<string, unknown> & { msg: string; level: number };
const MANAGE_SERVER = String(1n << 5n);

/**
 * One `node dist/index.js gateway|worker` process of the cluster, restartable with the same
 * settings: `run` is the current process (a new one after `restart`).
 */
export class BotProcess {
	run!: ScriptRun;
	/** Every run this slot had, first to last: logs of killed processes stay readable. */
	readonly runs: ScriptRun[] = [];

	constructor(
		readonly role: 'gateway' | 'worker',
		readonly index: number,
		private env: Record<string, string>,
	) {}

	get name(): string {
		return `${this.role} ${this.index}`;
	}

	/** Starts the process and, unless `wait` is false, resolves once it says it is ready. */
	async start(extraEnv: Record<string, string> = {}, wait = true): Promise<this> {
		this.env = { ...this.env, ...extraEnv };
		this.run = runScript('dist/index.js', this.env, undefined, [this.role]);
		this.runs.push(this.run);
		if (wait) await this.run.waitForLog(this.role === 'gateway' ? 'bot ready' : 'worker ready', 30_000);
		return this;
	}

	get alive(): boolean {
		return this.run !== undefined && this.run.child.exitCode === null && this.run.child.signalCode === null;
	}

	/** Sends `signal` (SIGKILL, SIGSTOP, SIGCONT, SIGTERM); for SIGKILL and SIGTERM resolves once it has exited. */
	async signal(signal: NodeJS.Signals): Promise<void> {
		if (!this.alive) return;
		if (signal === 'SIGTERM') this.run.child.kill('SIGCONT');
		this.run.child.kill(signal);
		if (signal === 'SIGKILL' || signal === 'SIGTERM') await this.run.exit;
	}

	/** Kills it (SIGKILL, or SIGTERM when `graceful`) and starts it again with the same settings. */
	async restart(options: { graceful?: boolean; env?: Record<string, string> } = {}): Promise<this> {
		await this.signal(options.graceful ? 'SIGTERM' : 'SIGKILL');
		return this.start(options.env);
	}

	/** Log lines of every run of this slot. */
	logs(): LogLine[] {
		return this.runs.flatMap((run) => run.logs());
	}
}

export interface FaultClusterOptions {
	gateways: number;
	workers: number;
	/** Settings for every process, on top of the suite's defaults. */
	env?: Record<string, string>;
	/** Per process, by name (`gateway 0`, `worker 1`): settings only it gets (a FAULT_INJECT). */
	envFor?: Record<string, Record<string, string>>;
	simulator?: Partial<SimulatorKnobs>;
	/** The Redis to use; default a new one with AOF (`RedisServer.start()`), removed on `close`. */
	redis?: RedisServer;
}

export type FaultCluster = Awaited<ReturnType<typeof startFaultCluster>>;

/**
 * The real processes against stand-ins and a Redis of the test's own: `gateways` gateways (one
 * shard each, a guild on every shard), `workers` workers, one Discord stand-in, one RelayDance
 * simulator. Intervals are shrunk through the environment so faults play out in seconds.
 */
export async function startFaultCluster(options: FaultClusterOptions) {
	const ownRedis = options.redis === undefined;
	const redis = options.redis ?? (await RedisServer.start('aof'));
	const shards = Math.max(1, options.gateways);
	const [discord, relaydance] = await Promise.all([
		startDiscordStandIn({ shards }),
		startRelayDanceSimulator({ queuedMs: 50, durationMs: 300, imageMs: 100, ...options.simulator }),
	]);
	const guilds: Array<{ guildId: string; channelId: string }> = [{ guildId: discord.world.guildId, channelId: discord.world.channelId }];
	while (new Set(guilds.map((guild) => shardOf(guild.guildId, shards))).size < shards) {
		const added = await discord.addGuild({ name: `Guild ${guilds.length}` });
		guilds.push({ guildId: added.guildId, channelId: added.channelIds[0]! });
	}
	const onShard = (shard: number) => guilds.find((guild) => shardOf(guild.guildId, shards) === shard)!;

	let client: Redis | undefined;
	/** A client of the bot's database, made again after a Redis restart. */
	const store = (): Redis => {
		if (!client || client.status === 'end') {
			client = redis.client(0);
			client.on('error', () => {});
		}
		return client;
	};
	const ledger = new DeliveryLedger(discord, relaydance, store);

	const baseEnv: Record<string, string> = {
		DISCORD_TOKEN: discord.botToken,
		DISCORD_API_URL: discord.apiUrl,
		RELAYDANCE_API_KEY: 'sk-faults',
		RELAYDANCE_BASE_URL: relaydance.apiUrl,
		STORE_URL: redis.url(0),
		POLL_INTERVAL_MS: '50',
		POLL_MAX_INTERVAL_MS: '150',
		EDIT_INTERVAL_MS: '150',
		SHARD_COUNT: String(shards),
		MAX_ACTIVE_JOBS_PER_USER: '3',
		// A stopped worker's jobs go to another within seconds; long enough that a busy machine's pauses are no death.
		WORKER_LOCK_MS: '3000',
		SHUTDOWN_GRACE_MS: '3000',
		RECONCILE_INTERVAL_MS: '2000',
		CREDIT_RETRY_MS: '60000',
		LOG_LEVEL: 'info',
		...options.env,
	};
	const gateways = Array.from({ length: options.gateways }, (_, index) => new BotProcess('gateway', index, { ...baseEnv, SHARD_IDS: String(index), ...options.envFor?.[`gateway ${index}`] }));
	const workers = Array.from({ length: options.workers }, (_, index) => new BotProcess('worker', index, { ...baseEnv, ...options.envFor?.[`worker ${index}`] }));
	const all = () => [...gateways, ...workers];
	const startAll = () => Promise.all(all().map((process) => process.start()));
	await startAll();

	const marker = () => `m${randomUUID().slice(0, 8)}`;

	/** Sends `/video` on `shard`'s guild; the prompt gets a fresh tag, and the ledger tracks it. */
	async function video(prompt: string, opts: { shard?: number; userId?: string; seconds?: number; track?: boolean } = {}) {
		const tag = marker();
		const seconds = opts.seconds ?? 4;
		const place = onShard(opts.shard ?? 0);
		const handle = await discord.invoke('video', { prompt: `${prompt} ${tag}`, seconds }, { userId: opts.userId ?? snowflake(), ...place });
		const tracked: TrackedRequest = { handle, tag, kind: 'video', units: seconds, guildId: place.guildId };
		if (opts.track !== false) ledger.track(tracked);
		return tracked;
	}

	/** Sends `/image` on `shard`'s guild, as `video` does. */
	async function image(prompt: string, opts: { shard?: number; userId?: string; count?: number; track?: boolean } = {}) {
		const tag = marker();
		const count = opts.count ?? 1;
		const place = onShard(opts.shard ?? 0);
		const handle = await discord.invoke('image', { prompt: `${prompt} ${tag}`, count }, { userId: opts.userId ?? snowflake(), ...place });
		const tracked: TrackedRequest = { handle, tag, kind: 'image', units: count, guildId: place.guildId };
		if (opts.track !== false) ledger.track(tracked);
		return tracked;
	}

	/** Runs `/relaydance-admin …` as a member with Manage Server in `shard`'s guild; resolves with its answer. */
	async function admin(subcommand: [string] | [string, string], values: Record<string, OptionValue | undefined> = {}, shard = 0): Promise<string> {
		const handle = await discord.invoke('relaydance-admin', values, { subcommand, memberPermissions: MANAGE_SERVER, ...onShard(shard) });
		await handle.waitFor((h) => textOf(h.original) !== '', 15_000);
		return textOf(handle.original);
	}

	/** Resolves with the first process (of `among`, default all) that logs a line matching `matches`. */
	async function waitForLog(matches: (line: LogLine) => boolean, timeoutMs = 15_000, among: BotProcess[] = all()): Promise<BotProcess> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const found = among.find((process) => process.logs().some(matches));
			if (found) return found;
			if (Date.now() > deadline) {
				const tails = among.map((process) => `--- ${process.name}:\n${process.run.output().stdout.slice(-1500)}${process.run.output().stderr.slice(-500)}`).join('\n');
				throw new Error(`no process logged the line waited for in ${timeoutMs} ms\n${tails}`);
			}
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}

	/** Log lines of every process (every run), matching `matches`. */
	const logsMatching = (matches: (line: LogLine) => boolean) => all().flatMap((process) => process.logs().filter(matches));

	/** The worker whose log says it took up `userId`'s job (submitted its task, or generated its images). */
	const workerOf = (userId: string) =>
		waitForLog((line) => line.userId === userId && (line.msg === 'task submitted' || line.msg === 'images generated'), 15_000, workers);

	/** The reply reached a final word (ready, failed, cancelled). */
	const finished = (tracked: TrackedRequest, timeoutMs = 30_000) => tracked.handle.finished(timeoutMs);

	return {
		discord,
		relaydance,
		redis,
		store,
		ledger,
		gateways,
		workers,
		guilds,
		all,
		onShard,
		marker,
		video,
		image,
		admin,
		waitForLog,
		logsMatching,
		workerOf,
		finished,
		/** Every process stopped (SIGKILL) and started again, with the same settings. */
		async restartAll(): Promise<void> {
			await Promise.all(all().map((process) => process.signal('SIGKILL')));
			await startAll();
		},
		async close(): Promise<void> {
			for (const process of all()) {
				if (!process.alive) continue;
				process.run.child.kill('SIGCONT');
				process.run.child.kill('SIGKILL');
			}
			await Promise.all(all().filter((process) => process.run).map((process) => process.run.exit));
			client?.disconnect();
			await Promise.all([discord.close(), relaydance.close()]);
			if (ownRedis) await redis.cleanup();
		},
	};
}

export { textOf, type InteractionHandle };
