import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import { Keyv } from 'keyv';

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
	const keyv = new Keyv({ store: sqlite, namespace: 'relaydance-bot' });
	keyv.on('error', () => {}); // surfaced by the failing call itself
	return keyv;
}
