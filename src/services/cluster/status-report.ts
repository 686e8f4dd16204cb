import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { BOT_SUBJECT, IMAGES, SERVER_SUBJECT_PREFIX, VIDEO_SECONDS } from '../quota/quota.js';
import { quotaHashPrefix } from '../quota/redis-quota.js';
import { heartbeatSchema, type Heartbeat } from './heartbeat.js';
import { scanKeys } from './scan-keys.js';
import type { DataLoss } from './epoch.js';
import { DATA_LOSS_KEY, OPEN_JOBS_KEY, WORKER_HEARTBEAT_PREFIX } from './names.js';

/** The queue as BullMQ holds it. */
export interface QueueFigures {
	/** `<prefix>:<name>`, the start of every key of the queue. */
	key: string;
	/** Ready for a worker: BullMQ's wait list and prioritized set (a paused queue keeps its jobs there too). */
	waiting: number;
	/** BullMQ's active list: taken by a worker. */
	running: number;
	delayed: number;
	failed: number;
	/** Only what the queue keeps (`removeOnComplete`): not a count of all jobs ever done. */
	completed: number;
	/**
	 * BullMQ's stalled set: active jobs whose lock no worker has renewed since the last stalled
	 * check. The next check moves those whose lock is also gone back to waiting.
	 */
	stalled: number;
	paused: boolean;
	/** Jobs running at once across every worker; null: not set (each worker's own concurrency only). */
	globalConcurrency: number | null;
}

export interface WorkerFigures {
	/** Live heartbeats, oldest worker first, each with the ms left before it expires. */
	alive: Array<Heartbeat & { expiresInMs: number }>;
	/** Heartbeat keys whose value is not a heartbeat. */
	unreadable: string[];
	/** BullMQ's own count of worker connections to this queue in this database; null if the server does not answer CLIENT LIST. */
	bullmqWorkers: number | null;
}

/** Use of the current window: seconds of video and images. */
export interface Use {
	videoSeconds: number;
	images: number;
}

export interface ServerUse extends Use {
	/** The guild id, or `dm` for use outside servers. */
	server: string;
	/** Members with any use this window. */
	members: number;
	/** Per unit, whether the figure is the server budget's own count (exact) or the sum of its members' windows. */
	from: { videoSeconds: UseSource; images: UseSource };
}
export type UseSource = 'budget' | 'members';

export interface ClusterStatus {
	/** When it was read (ms since the epoch). */
	at: number;
	redis: { host: string; port: number; db: number };
	queue: QueueFigures;
	workers: WorkerFigures;
	/** The last time Redis lost its data (a process noticed its epoch gone), if ever. */
	dataLoss: DataLoss | null;
	/** Unfinished jobs by their records (the reconciler's list). */
	openJobs: number;
	quota: {
		/** Bot-wide: the bot budget's count when one is kept, else the sum over every server and DMs. */
		bot: Use & { from: { videoSeconds: UseSource; images: UseSource } };
		/** Most use first. */
		servers: ServerUse[];
	};
}

export async function readQueue(redis: Redis, queue: Queue): Promise<QueueFigures> {
	const key = `${queue.opts.prefix ?? 'bull'}:${queue.name}`;
	const [counts, stalled, paused, globalConcurrency] = await Promise.all([
		queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'),
		redis.scard(`${key}:stalled`),
		queue.isPaused(),
		queue.getGlobalConcurrency(),
	]);
	const count = (type: string) => counts[type] ?? 0;
	return {
		key,
		waiting: count('waiting') + count('prioritized'),
		running: count('active'),
		delayed: count('delayed'),
		failed: count('failed'),
		completed: count('completed'),
		stalled,
		paused,
		globalConcurrency,
	};
}

export async function readWorkers(redis: Redis, queue: Queue): Promise<WorkerFigures> {
	const keys = await scanKeys(redis, `${WORKER_HEARTBEAT_PREFIX}*`);
	const pipeline = redis.pipeline();
	for (const key of keys) pipeline.get(key).pttl(key);
	const replies = keys.length > 0 ? ((await pipeline.exec()) ?? []) : [];
	const alive: WorkerFigures['alive'] = [];
	const unreadable: string[] = [];
	keys.forEach((key, index) => {
		const [getError, value] = replies[2 * index] ?? [];
		const [, ttl] = replies[2 * index + 1] ?? [];
		if (!getError && value === null) return; // expired between SCAN and GET
		let parsed: ReturnType<typeof heartbeatSchema.safeParse> | undefined;
		try {
			parsed = heartbeatSchema.safeParse(JSON.parse(String(value)));
		} catch {}
		if (getError || !parsed?.success) unreadable.push(key);
		else alive.push({ ...parsed.data, expiresInMs: Number(ttl) });
	});
	alive.sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id));
	return { alive, unreadable: unreadable.sort(), bullmqWorkers: await countBullmqWorkers(redis, queue) };
}

/** `queue.getWorkers()` reads CLIENT LIST, which spans every database: keep the connections to ours. */
async function countBullmqWorkers(redis: Redis, queue: Queue): Promise<number | null> {
	const clients = await queue.getWorkers();
	if (clients.some((client) => client.db === undefined)) return null;
	return clients.filter((client) => Number(client.db) === (redis.options.db ?? 0)).length;
}

/** `@used` of every quota hash of a unit, by subject. */
async function readUse(redis: Redis, prefix: string): Promise<Map<string, number>> {
	const keys = await scanKeys(redis, `${prefix}*`);
	const pipeline = redis.pipeline();
	for (const key of keys) pipeline.hget(key, '@used');
	const replies = keys.length > 0 ? ((await pipeline.exec()) ?? []) : [];
	const use = new Map<string, number>();
	keys.forEach((key, index) => {
		const [error, used] = replies[index] ?? [];
		if (error) throw error;
		// A hash that expired between SCAN and HGET is a window that ended: no use.
		if (used !== null && used !== undefined) use.set(key.slice(prefix.length), Number(used));
	});
	return use;
}

type Unit = keyof Use;

async function readQuota(redis: Redis): Promise<ClusterStatus['quota']> {
	const [video, images] = await Promise.all([readUse(redis, quotaHashPrefix(VIDEO_SECONDS)), readUse(redis, quotaHashPrefix(IMAGES))]);
	const byUnit: Record<Unit, Map<string, number>> = { videoSeconds: video, images };
	const servers = new Map<string, { budget: Partial<Use>; members: Map<string, Use> }>();
	const serverOf = (server: string) => servers.get(server) ?? servers.set(server, { budget: {}, members: new Map() }).get(server)!;
	for (const unit of ['videoSeconds', 'images'] as const) {
		for (const [subject, used] of byUnit[unit]) {
			if (subject === BOT_SUBJECT) continue;
			if (subject.startsWith(SERVER_SUBJECT_PREFIX)) {
				serverOf(subject.slice(SERVER_SUBJECT_PREFIX.length)).budget[unit] = used;
				continue;
			}
			const colon = subject.indexOf(':');
			if (colon < 0) continue; // not a subject this bot writes
			const members = serverOf(subject.slice(0, colon)).members;
			const member = members.get(subject) ?? members.set(subject, { videoSeconds: 0, images: 0 }).get(subject)!;
			member[unit] += used;
		}
	}
	const serverUse: ServerUse[] = [...servers].map(([server, { budget, members }]) => {
		const summed = (unit: Unit) => [...members.values()].reduce((total, member) => total + member[unit], 0);
		return {
			server,
			videoSeconds: budget.videoSeconds ?? summed('videoSeconds'),
			images: budget.images ?? summed('images'),
			members: [...members.values()].filter((member) => member.videoSeconds > 0 || member.images > 0).length,
			from: { videoSeconds: budget.videoSeconds === undefined ? 'members' : 'budget', images: budget.images === undefined ? 'members' : 'budget' },
		};
	});
	serverUse.sort((a, b) => b.videoSeconds - a.videoSeconds || b.images - a.images || a.server.localeCompare(b.server));
	const botUse = (unit: Unit) => byUnit[unit].get(BOT_SUBJECT) ?? serverUse.reduce((total, server) => total + server[unit], 0);
	return {
		bot: {
			videoSeconds: botUse('videoSeconds'),
			images: botUse('images'),
			from: { videoSeconds: video.has(BOT_SUBJECT) ? 'budget' : 'members', images: images.has(BOT_SUBJECT) ? 'budget' : 'members' },
		},
		servers: serverUse,
	};
}

/** Everything `npm run status` shows, read from the Redis every process shares. */
export async function readStatus(redis: Redis, queue: Queue): Promise<ClusterStatus> {
	const [queueFigures, workers, quota, dataLoss, openJobs] = await Promise.all([readQueue(redis, queue), readWorkers(redis, queue), readQuota(redis), readDataLoss(redis), redis.scard(OPEN_JOBS_KEY)]);
	const { host = 'localhost', port = 6379, db = 0 } = redis.options;
	return { at: Date.now(), redis: { host, port, db }, queue: queueFigures, workers, dataLoss, openJobs, quota };
}

async function readDataLoss(redis: Redis): Promise<DataLoss | null> {
	const raw = await redis.get(DATA_LOSS_KEY);
	if (!raw) return null;
	try {
		const loss = JSON.parse(raw) as DataLoss;
		return typeof loss.at === 'number' ? loss : null;
	} catch {
		return null;
	}
}

/** Servers listed by name in the text; `--json` has them all. */
const SERVERS_SHOWN = 20;

/** `2h 5m`, `4m 10s`, `12s`. */
function duration(ms: number): string {
	const seconds = Math.max(0, Math.round(ms / 1000));
	const [h, m, s] = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60];
	if (h > 0) return `${h}h ${m}m`;
	return m > 0 ? `${m}m ${s}s` : `${s}s`;
}

function useLine(use: Use, from: { videoSeconds: UseSource; images: UseSource }): string {
	const mark = (unit: Unit) => (from[unit] === 'budget' ? '' : '*');
	return `video ${use.videoSeconds} s${mark('videoSeconds')}, images ${use.images}${mark('images')}`;
}

/** The status as an operator reads it in a terminal. */
export function renderStatus(status: ClusterStatus): string {
	const { queue, workers, quota } = status;
	const row = (label: string, value: number | string, note = '') => `  ${label.padEnd(20)}${String(value).padStart(6)}${note && `  ${note}`}`;
	const lines = [
		`relaydance-bot status · redis ${status.redis.host}:${status.redis.port} db ${status.redis.db} · ${new Date(status.at).toISOString()}`,
		'',
		...(status.dataLoss
			? [`REDIS LOST ITS DATA ${duration(status.at - status.dataLoss.at)} ago (${new Date(status.dataLoss.at).toISOString()}): running jobs were written back; waiting ones and quota windows may be gone. Run Redis with appendonly yes.`, '']
			: []),
		`Open jobs (records not final): ${status.openJobs}`,
		'',
		`Queue ${queue.key}${queue.paused ? ' (PAUSED: workers take nothing)' : ''}`,
		row('waiting', queue.waiting),
		row('running', queue.running),
		row('delayed', queue.delayed),
		row('failed', queue.failed),
		row('completed (kept)', queue.completed),
		row('stalled', queue.stalled, 'active, lock not renewed since the last stalled check'),
		row('global concurrency', queue.globalConcurrency ?? 'unset', queue.globalConcurrency === null ? "each worker's own limit only" : ''),
		'',
	];
	const runningNow = workers.alive.reduce((total, worker) => total + worker.running, 0);
	const bullmq = workers.bullmqWorkers === null ? 'BullMQ worker count unavailable (no CLIENT LIST)' : `BullMQ sees ${workers.bullmqWorkers} worker connection${workers.bullmqWorkers === 1 ? '' : 's'}`;
	lines.push(`Workers: ${workers.alive.length} alive by heartbeat, running ${runningNow} job${runningNow === 1 ? '' : 's'}; ${bullmq}`);
	for (const worker of workers.alive) {
		lines.push(`  ${worker.id}  ${worker.role}  ${worker.host} pid ${worker.pid}  up ${duration(status.at - worker.startedAt)}  running ${worker.running}  expires in ${duration(worker.expiresInMs)} unless it beats`);
	}
	for (const key of workers.unreadable) lines.push(`  ${key}: not a heartbeat`);
	if (workers.bullmqWorkers !== null && workers.bullmqWorkers !== workers.alive.length) {
		lines.push('  (the counts differ: a worker that died keeps its heartbeat until it expires, and one that has not opened its BullMQ worker yet has no connection)');
	}
	const shown = quota.servers.slice(0, SERVERS_SHOWN).map((server) => ({ ...server, name: server.server === 'dm' ? 'DMs' : `server ${server.server}` }));
	const width = Math.max('bot-wide'.length, ...shown.map((server) => server.name.length));
	lines.push('', 'Quota use this window', `  ${'bot-wide'.padEnd(width)}  ${useLine(quota.bot, quota.bot.from)}`);
	for (const server of shown) {
		lines.push(`  ${server.name.padEnd(width)}  ${useLine(server, server.from)}, ${server.members} member${server.members === 1 ? '' : 's'} with use`);
	}
	if (quota.servers.length === 0) lines.push('  no server has use this window');
	if (quota.servers.length > SERVERS_SHOWN) lines.push(`  … and ${quota.servers.length - SERVERS_SHOWN} more servers (--json lists them all)`);
	const summed = [quota.bot, ...shown].some((use) => use.from.videoSeconds === 'members' || use.from.images === 'members');
	if (summed) lines.push("  * no budget kept for it: the sum of its members' windows (bot-wide: of the servers')");
	return lines.join('\n');
}
