import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Keyv } from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetExceededError, IMAGES, QUOTA_KEY_PREFIX, QuotaExceededError, QuotaService, type QuotaRecord } from '../../../src/services/quota/quota.js';
import { openStore, scanStore } from '../../../src/services/store/store.js';
import { WriteBehind } from '../../../src/services/store/write-behind.js';

const HOUR = 60 * 60_000;
const tempStore = () => openStore(`sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-quota-')), 'q.sqlite')}`);
let store: Keyv;
let writer: WriteBehind;
beforeAll(async () => {
	store = await tempStore();
	writer = new WriteBehind(store, 5);
});
afterAll(() => store.disconnect());

let users = 0;
const user = () => `user-${++users}`;
let jobs = 0;
const job = () => `job-${++jobs}`;
const refusal = (action: () => unknown) => {
	try {
		action();
	} catch (error) {
		return error as QuotaExceededError;
	}
	throw new Error('expected a refusal');
};

describe('QuotaService', () => {
	it('reserves, refuses what is over the limit, and says what is left and when it resets', () => {
		let now = 1_000_000;
		const quota = new QuotaService(writer, 20, HOUR, () => now);
		const id = user();
		quota.reserve(id, 15, job());
		now += 60_000;
		const error = refusal(() => quota.reserve(id, 10, job()));
		expect(error).toBeInstanceOf(QuotaExceededError);
		expect(error.status).toEqual({ limit: 20, used: 15, remaining: 5, resetsAt: new Date(1_000_000 + HOUR) });
		expect(error.message).toBe('This needs 10 s of video; you have 5 s of your 20 s left.');
	});

	it('refunds a reservation', () => {
		const quota = new QuotaService(writer, 20, HOUR);
		const id = user();
		quota.refund(quota.reserve(id, 12, job()));
		expect(quota.status(id).used).toBe(0);
	});

	it('does not refund into a window that has since reset', () => {
		let now = 5_000_000;
		const quota = new QuotaService(writer, 20, HOUR, () => now);
		const id = user();
		const old = quota.reserve(id, 10, job());
		now += HOUR + 1;
		quota.reserve(id, 4, job());
		quota.refund(old);
		expect(quota.status(id).used).toBe(4);
	});

	it('starts a fresh window once the old one ends', () => {
		let now = 9_000_000;
		const quota = new QuotaService(writer, 20, HOUR, () => now);
		const id = user();
		quota.reserve(id, 20, job());
		now += HOUR;
		expect(quota.reserve(id, 20, job())).toMatchObject({ amount: 20, windowStart: 9_000_000 + HOUR });
	});

	it('keeps every one of many reservations made within one write batch, and no more than the limit', async () => {
		const file = await tempStore();
		const batched = new WriteBehind(file, 20);
		const quota = new QuotaService(batched, 60, HOUR);
		const ids = Array.from({ length: 25 }, () => job());
		const taken = ids.flatMap((jobId) => {
			try {
				return [quota.reserve('racer', 5, jobId).jobId];
			} catch {
				return [];
			}
		});
		await batched.flush();
		const [[, record]] = (await scanStore<QuotaRecord>(file, QUOTA_KEY_PREFIX)) as [[string, QuotaRecord]];
		expect(taken).toEqual(ids.slice(0, 12));
		expect(Object.keys(record.charges).sort()).toEqual([...taken].sort());
		expect(new QuotaService(batched, 60, HOUR).load([['racer', record]]).status('racer').remaining).toBe(0);
		await file.disconnect();
	});

	it('drops reservations whose job never reached the store, and only those', () => {
		const quota = new QuotaService(writer, 30, HOUR);
		const id = user();
		const saved = quota.reserve(id, 10, 'saved-job');
		quota.reserve(id, 8, 'lost-job');
		const dropped = quota.reconcile((jobId) => jobId === saved.jobId);
		expect(dropped.map((reservation) => [reservation.jobId, reservation.amount])).toEqual([['lost-job', 8]]);
		expect(quota.status(id).used).toBe(10);
	});

	it('refunds a reservation made before charges were keyed by job out of the old total, once', () => {
		const quota = new QuotaService(writer, 30, HOUR).load([['old-timer', { windowStart: Date.now(), charges: {}, used: 12 }]]);
		const old = { userId: 'old-timer', jobId: 'job-from-before', amount: 5, windowStart: quota.status('old-timer').resetsAt.getTime() - HOUR, legacy: true };
		quota.refund(old);
		quota.refund(old);
		expect(quota.status('old-timer').used).toBe(7);
	});

	it('refunds a reservation once however often it is refunded', () => {
		const quota = new QuotaService(writer, 30, HOUR);
		const id = user();
		const first = quota.reserve(id, 10, job());
		quota.reserve(id, 5, job());
		quota.refund(first);
		quota.refund(first);
		expect(quota.status(id).used).toBe(5);
	});

	it('writes every change to the store, so a restarted process loads what was used', async () => {
		const file = await tempStore();
		const fileWriter = new WriteBehind(file, 5);
		const quota = new QuotaService(fileWriter, 30, HOUR);
		quota.reserve('kept', 25, job());
		quota.refund(quota.reserve('refunded', 10, job()));
		await fileWriter.flush();
		const records = await scanStore<QuotaRecord>(file, QUOTA_KEY_PREFIX);
		expect(Object.fromEntries(records.map(([id, record]) => [id, Object.values(record.charges)]))).toEqual({ kept: [25], refunded: [] });
		const restarted = new QuotaService(fileWriter, 30, HOUR).load(records);
		expect(restarted.status('kept').remaining).toBe(5);
		await file.disconnect();
	});

	it('does not load records whose window has ended', async () => {
		const file = await tempStore();
		const fileWriter = new WriteBehind(file, 5);
		new QuotaService(fileWriter, 30, 50).reserve('short-lived', 10, job());
		await fileWriter.flush();
		await new Promise((resolve) => setTimeout(resolve, 60));
		expect(await scanStore<QuotaRecord>(file, QUOTA_KEY_PREFIX)).toEqual([]);
		await file.disconnect();
	});


	it('keeps only what a partial result made: 3 images of 4 charge 3', () => {
		const quota = new QuotaService(writer, 10, HOUR, undefined, IMAGES);
		const id = user();
		const reservation = quota.reserve(id, 4, job());
		quota.settle(reservation, 3);
		expect(quota.status(id)).toMatchObject({ used: 3, remaining: 7 });
		quota.settle(reservation, 5); // never more than was reserved
		expect(quota.status(id).used).toBe(3);
		quota.refund(reservation);
		expect(quota.status(id).used).toBe(0);
	});

	it('words an image refusal in images, and keeps image records under their own keys', async () => {
		const quota = new QuotaService(writer, 2, HOUR, undefined, IMAGES);
		const id = user();
		quota.reserve(id, 2, job());
		const error = refusal(() => quota.reserve(id, 1, job()));
		expect(error.message).toBe('This needs 1 image; you have 0 images of your 2 images left.');
		await writer.flush();
		expect((await scanStore<QuotaRecord>(store, IMAGES.keyPrefix)).map(([key]) => key)).toContain(id);
		expect((await scanStore<QuotaRecord>(store, QUOTA_KEY_PREFIX)).map(([key]) => key)).not.toContain(id);
	});

	it('takes the member\'s, the server\'s and the bot\'s budgets in one step, or none of them', () => {
		const quota = new QuotaService(writer, 100, HOUR);
		const id = user();
		const claims = (limit: number) => [
			{ subject: id, limit: 100, scope: 'member' as const },
			{ subject: 'server:s1', limit, scope: 'server' as const },
			{ subject: `bot-${id}`, limit: 100, scope: 'bot' as const },
		];
		const reservation = quota.reserveAll(claims(10), 8, job());
		expect(() => quota.reserveAll(claims(10), 5, job())).toThrow(BudgetExceededError);
		// The refused request took nothing from the member or the bot.
		expect(quota.status(id).used).toBe(8);
		expect(quota.status(`bot-${id}`).used).toBe(8);
		quota.settle(reservation, 6);
		expect(quota.status('server:s1').used).toBe(6);
		quota.refund(reservation);
		expect([quota.status(id).used, quota.status('server:s1').used, quota.status(`bot-${id}`).used]).toEqual([0, 0, 0]);
	});

	it('honours a limit per call: a member with a bigger grant may take more than the default', () => {
		const quota = new QuotaService(writer, 10, HOUR);
		const id = user();
		quota.reserve(id, 25, job(), 30);
		expect(() => quota.reserve(id, 10, job(), 30)).toThrow(QuotaExceededError);
		expect(quota.status(id, 30).remaining).toBe(5);
	});
});
