import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisReports } from '../../../src/services/moderation/redis-reports.js';
import { StoredReports, type ReportBook } from '../../../src/services/moderation/reports.js';
import { openStore } from '../../../src/services/store/store.js';
import { REDIS_URL, redisDb, warnIfSkipped } from '../../support/redis.js';

warnIfSkipped('Redis reports suite');

const DAY = 24 * 60 * 60_000;
const sqliteUrl = () => `sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-reports-')), 'store.sqlite')}`;

/** What both books promise, whatever keeps them. `reopen` gives a second book on the same store (another process, or after a restart). */
function contract(name: string, open: () => Promise<{ book: ReportBook; reopen: () => Promise<ReportBook> }>) {
	describe(name, () => {
		it('counts each member once, however often and at once they press', async () => {
			const { book } = await open();
			const job = randomUUID();
			const answers = await Promise.all([book.add(job, 'a'), book.add(job, 'a'), book.add(job, 'b'), book.add(job, 'a')]);
			expect(answers.filter((answer) => answer.added)).toHaveLength(2);
			expect((await book.state(job)).count).toBe(2);
		});

		it('lets one caller hide a result, and none once a moderator has decided', async () => {
			const { book } = await open();
			const job = randomUUID();
			const claims = await Promise.all([book.claimAutoHide(job), book.claimAutoHide(job), book.claimAutoHide(job)]);
			expect(claims.filter(Boolean)).toHaveLength(1);
			const other = randomUUID();
			await book.decide(other, 'dismiss', 'mod');
			expect(await book.claimAutoHide(other)).toBe(false);
			expect((await book.state(other)).decision).toMatchObject({ kind: 'dismiss', by: 'mod' });
		});

		it('keeps reports and decisions for the next book on the same store', async () => {
			const { book, reopen } = await open();
			const job = randomUUID();
			await book.add(job, 'a');
			await book.claimAutoHide(job);
			await book.decide(job, 'hide', 'mod');
			const next = await reopen();
			expect(await next.add(job, 'a')).toEqual({ added: false, count: 1 });
			expect(await next.state(job)).toMatchObject({ count: 1, autoHidden: true, decision: { kind: 'hide', by: 'mod' } });
		});
	});
}

const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
	await Promise.all(closers.map((close) => close()));
});

contract('reports kept in the Keyv store (SQLite)', async () => {
	const url = sqliteUrl();
	const keyv = await openStore(url);
	closers.push(() => keyv.disconnect());
	return {
		book: new StoredReports(keyv, DAY),
		reopen: async () => {
			const again = await openStore(url);
			closers.push(() => again.disconnect());
			return new StoredReports(again, DAY);
		},
	};
});

describe.skipIf(!REDIS_URL)('on Redis', () => {
	const connect = () => {
		const redis = new Redis(redisDb(15));
		closers.push(() => redis.quit());
		return redis;
	};
	contract('reports kept in Redis', async () => ({ book: new RedisReports(connect(), DAY), reopen: async () => new RedisReports(connect(), DAY) }));
});
