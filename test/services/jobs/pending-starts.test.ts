import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisPendingStarts, StoredPendingStarts, type PendingStart, type PendingStarts } from '../../../src/services/jobs/pending-starts.js';
import { openStore } from '../../../src/services/store/store.js';
import { REDIS_URL, redisDb, warnIfSkipped } from '../../support/redis.js';

warnIfSkipped('Redis pending starts suite');

const sqliteUrl = () => `sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-pending-')), 'store.sqlite')}`;

function pending(changes: Partial<PendingStart> = {}): PendingStart {
	const now = Date.now();
	return {
		userId: 'u1',
		request: { kind: 'image', plan: { prompt: 'a pear', model: 'grok-imagine-image', count: 4, size: '1024x1024', references: [] } },
		estimate: 2,
		prompt: { applicationId: 'app', credential: 'token', createdAt: now },
		expiresAt: now + 60_000,
		...changes,
	};
}

/** What both stores promise. `reopen` gives a second store on the same data (another process, or after a restart). */
function contract(name: string, open: () => Promise<{ starts: PendingStarts; reopen: () => Promise<PendingStarts> }>) {
	describe(name, () => {
		it('gives a request to one of several presses at once', async () => {
			const { starts } = await open();
			const id = randomUUID();
			await starts.put(id, pending());
			const claims = await Promise.all([starts.claim(id), starts.claim(id), starts.claim(id)]);
			expect(claims.filter(Boolean)).toHaveLength(1);
		});

		it('takes the request back when the job did not start, and forgets it once it did', async () => {
			const { starts } = await open();
			const id = randomUUID();
			await starts.put(id, pending());
			await (await starts.claim(id))!.done(false);
			const again = await starts.claim(id);
			expect(again?.pending.estimate).toBe(2);
			await again!.done(true);
			expect(await starts.claim(id)).toBeUndefined();
		});

		it('keeps the request for the next store on the same data, until it expires', async () => {
			const { starts, reopen } = await open();
			const id = randomUUID();
			const old = randomUUID();
			await starts.put(id, pending());
			await starts.put(old, pending({ expiresAt: Date.now() - 1 }));
			const next = await reopen();
			expect((await next.claim(id))?.pending.request).toEqual(pending().request);
			expect(await next.claim(old)).toBeUndefined();
		});
	});
}

const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
	await Promise.all(closers.map((close) => close()));
});

contract('pending starts in the Keyv store (SQLite)', async () => {
	const url = sqliteUrl();
	const keyv = await openStore(url);
	closers.push(() => keyv.disconnect());
	return {
		starts: new StoredPendingStarts(keyv),
		reopen: async () => {
			const again = await openStore(url);
			closers.push(() => again.disconnect());
			return new StoredPendingStarts(again);
		},
	};
});

describe.skipIf(!REDIS_URL)('on Redis', () => {
	const connect = () => {
		const redis = new Redis(redisDb(2));
		closers.push(() => redis.quit());
		return redis;
	};
	contract('pending starts in Redis', async () => ({ starts: new RedisPendingStarts(connect()), reopen: async () => new RedisPendingStarts(connect()) }));
});
