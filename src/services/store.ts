import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import { Keyv } from 'keyv';

const NAMESPACE = 'relaydance-bot';

/**
 * Opens the one Keyv store every service shares; each service prefixes its own keys
 * (`quota:`, `job:`). SQLite runs in WAL mode so a write costs no fsync of its own.
 */
export async function openStore(url: string): Promise<Keyv> {
	if (!url.startsWith('sqlite://')) {
		throw new Error(`STORE_URL ${url.split(':')[0]}:// needs its Keyv adapter (such as @keyv/redis) wired in src/services/store.ts`);
	}
	const file = url.slice('sqlite://'.length);
	if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
	const sqlite = new KeyvSqlite({ uri: url, busyTimeout: 5_000 });
	await sqlite.query('PRAGMA journal_mode = WAL');
	await sqlite.query('PRAGMA synchronous = NORMAL');
	// Errors reject the call that hit them, rather than only being emitted as events.
	const keyv = new Keyv({ store: sqlite, namespace: NAMESPACE, throwOnErrors: true });
	keyv.on('error', () => {});
	return keyv;
}

/**
 * Every live entry whose key starts with `prefix`, in one query: Keyv's own iterator pages with
 * OFFSET and walks every namespace's rows, which is slow for a start-up load.
 */
export async function scanStore<T>(keyv: Keyv, prefix: string): Promise<Array<[key: string, value: T]>> {
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
