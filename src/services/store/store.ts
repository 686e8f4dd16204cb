import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import { Keyv } from 'keyv';

const NAMESPACE = 'relaydance-bot';

/** @keyv/sqlite with `setMany` as one multi-row upsert; Keyv uses it whenever a store has it. */
class BatchingSqlite extends KeyvSqlite {
	async setMany(entries: Array<{ key: string; value: unknown }>): Promise<boolean[]> {
		for (let start = 0; start < entries.length; start += ROWS_PER_STATEMENT) {
			const chunk = entries.slice(start, start + ROWS_PER_STATEMENT);
			const rows = chunk.map(() => '(?, ?)').join(', ');
			const sql = `INSERT INTO ${this.opts.table} (key, value) VALUES ${rows} ON CONFLICT(key) DO UPDATE SET value = excluded.value`;
			await this.query(sql, ...chunk.flatMap((entry) => [entry.key, entry.value]));
		}
		return entries.map(() => true);
	}
}
/** Tries at a Redis scan that keys going away under it keep breaking. */
const SCAN_ATTEMPTS = 5;
/** How long the bot waits for Redis at start before it gives up with the reason. */
const REDIS_CONNECT_MS = 10_000;
/** SQLite allows 32,766 bound variables per statement (999 before 3.32); two per row. */
const ROWS_PER_STATEMENT = 400;

/** The Redis key Keyv's Redis adapter keeps `key` under (Keyv's namespace, then the adapter's). */
export function keyvRedisKey(key: string): string {
	return `${NAMESPACE}::${NAMESPACE}:${key}`;
}

/** `STORE_URL` names a Redis (`redis://`, `rediss://`): every process on it shares records, quotas and the queue. */
export function isRedisUrl(url: string): boolean {
	return /^rediss?:\/\//.test(url);
}

/**
 * Opens the one Keyv store every service shares; each service prefixes its own keys
 * (`quota:`, `job:`). SQLite (the default) runs in WAL mode so a write costs no fsync of its own;
 * `redis://host:port/db` keeps every record in Redis through Keyv's Redis adapter.
 */
export async function openStore(url: string): Promise<Keyv> {
	if (isRedisUrl(url)) {
		// The adapter's own throwOnErrors: Keyv's does not reach it, and a failed write must reject
		// (a job's `submitting` record is written before its submit), not be dropped with an event.
		// Imported here: one process on SQLite never loads a Redis client.
		const { default: RedisAdapter } = await import('@keyv/redis');
		const keyv = new Keyv({ store: new RedisAdapter(url, { throwOnErrors: true, connectionTimeout: REDIS_CONNECT_MS }), namespace: NAMESPACE, throwOnErrors: true });
		keyv.on('error', () => {});
		// Fail at start, with the reason, rather than hang while the client keeps reconnecting.
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new Error(`no Redis answered at STORE_URL within ${REDIS_CONNECT_MS / 1000} s`)), REDIS_CONNECT_MS);
		});
		try {
			await Promise.race([keyv.get('store:ping'), timeout]);
		} catch (error) {
			void keyv.disconnect().catch(() => {});
			throw error;
		} finally {
			clearTimeout(timer);
		}
		return keyv;
	}
	if (!url.startsWith('sqlite://')) {
		throw new Error(`STORE_URL must be sqlite://path or redis://host:port/db, not ${url.split(':')[0]}://`);
	}
	const file = url.slice('sqlite://'.length);
	if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
	const sqlite = new BatchingSqlite({ uri: url, busyTimeout: 5_000 });
	await sqlite.query('PRAGMA journal_mode = WAL');
	await sqlite.query('PRAGMA synchronous = NORMAL');
	// Errors reject the call that hit them, rather than only being emitted as events.
	const keyv = new Keyv({ store: sqlite, namespace: NAMESPACE, throwOnErrors: true });
	keyv.on('error', () => {});
	return keyv;
}

/** KEYS: the record. ARGV: the value expected, the value to write. Answers 1 written, 0 the record is no longer as expected. */
const SWAP = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;

/**
 * Compare-and-set on one record of the store, as each store offers it (Keyv has none): the record as
 * stored (Keyv's serialized text) is read, and a new value written only while the record is still
 * that text, decided in the store itself: one `UPDATE … WHERE value = ?` in SQLite, one script in
 * Redis. Two processes that read the same record and both write: one wins, the other is told.
 */
export interface RecordSwap {
	/** The record's stored text, or undefined when there is none. */
	read(key: string): Promise<string | undefined>;
	/** Writes `next` (stored text) only while the record is still `expected`; true when written. */
	swap(key: string, expected: string, next: string): Promise<boolean>;
}

export function recordSwap(keyv: Keyv): RecordSwap {
	if (keyv.store instanceof KeyvSqlite) {
		const sqlite = keyv.store;
		const table = sqlite.opts.table;
		const stored = (key: string) => `${NAMESPACE}:${key}`;
		return {
			async read(key) {
				const rows = (await sqlite.query(`SELECT value FROM ${table} WHERE key = ?`, stored(key))) as Array<{ value: string }>;
				return rows[0]?.value;
			},
			async swap(key, expected, next) {
				const rows = (await sqlite.query(`UPDATE ${table} SET value = ? WHERE key = ? AND value = ? RETURNING key`, next, stored(key), expected)) as unknown[];
				return rows.length === 1;
			},
		};
	}
	const client = (keyv.store as KeyvRedis<unknown>).client;
	return {
		async read(key) {
			const value = await client.get(keyvRedisKey(key));
			return value === null ? undefined : String(value);
		},
		async swap(key, expected, next) {
			return (await client.eval(SWAP, { keys: [keyvRedisKey(key)], arguments: [expected, next] })) === 1;
		},
	};
}

/**
 * Every live entry whose key starts with `prefix`. On SQLite in one query (Keyv's own iterator
 * pages with OFFSET and walks every namespace's rows, which is slow for a start-up load); on Redis
 * through Keyv's iterator (SCAN over the namespace).
 */
export async function scanStore<T>(keyv: Keyv, prefix: string): Promise<Array<[key: string, value: T]>> {
	if (!(keyv.store instanceof KeyvSqlite)) {
		// Keyv's iterator SCANs then reads; a key that expires or goes in between makes it throw: start again.
		for (let attempt = 1; ; attempt++) {
			try {
				const found: Array<[string, T]> = [];
				for await (const [key, value] of keyv.iterator!(undefined)) if (typeof key === 'string' && key.startsWith(prefix)) found.push([key.slice(prefix.length), value as T]);
				return found;
			} catch (error) {
				if (attempt >= SCAN_ATTEMPTS || !(error instanceof TypeError)) throw error;
			}
		}
	}
	const sqlite = keyv.store as KeyvSqlite;
	const like = `${NAMESPACE}:${prefix}`.replace(/[%_\\]/g, '\\$&');
	const rows = (await sqlite.query(`SELECT key, value FROM ${sqlite.opts.table} WHERE key LIKE ? ESCAPE '\\'`, `${like}%`)) as Array<{ key: string; value: string }>;
	const now = Date.now();
	const live: Array<[string, T]> = [];
	for (const row of rows) {
		const stored = JSON.parse(row.value) as { value: T; expires?: number | null };
		if (!stored.expires || stored.expires > now) live.push([row.key.slice(NAMESPACE.length + 1 + prefix.length), stored.value]);
	}
	return live;
}
