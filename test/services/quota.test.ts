import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Keyv } from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuotaExceededError, QuotaService } from '../../src/services/quota.js';
import { openStore } from '../../src/services/store.js';

let store: Keyv;
beforeAll(async () => {
	store = await openStore(`sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-quota-')), 'q.sqlite')}`);
});
afterAll(() => store.disconnect());

const HOUR = 60 * 60_000;
let users = 0;
const user = () => `user-${++users}`;

describe('QuotaService on SQLite', () => {
	it('reserves, refuses what is over the limit, and says what is left and when it resets', async () => {
		let now = 1_000_000;
		const quota = new QuotaService(store, 20, HOUR, () => now);
		const id = user();
		await quota.reserve(id, 15);
		now += 60_000;
		const error = await quota.reserve(id, 10).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(QuotaExceededError);
		expect((error as QuotaExceededError).status).toEqual({ limit: 20, used: 15, remaining: 5, resetsAt: new Date(1_000_000 + HOUR) });
		expect((error as QuotaExceededError).message).toBe('This needs 10 s of video; you have 5 s of your 20 s left.');
	});

	it('refunds a reservation', async () => {
		const quota = new QuotaService(store, 20, HOUR);
		const id = user();
		const reservation = await quota.reserve(id, 12);
		await quota.refund(reservation);
		expect((await quota.status(id)).used).toBe(0);
	});

	it('does not refund into a window that has since reset', async () => {
		let now = 5_000_000;
		const quota = new QuotaService(store, 20, HOUR, () => now);
		const id = user();
		const old = await quota.reserve(id, 10);
		now += HOUR + 1;
		await quota.reserve(id, 4);
		await quota.refund(old);
		expect((await quota.status(id)).used).toBe(4);
	});

	it('starts a fresh window once the old one ends', async () => {
		let now = 9_000_000;
		const quota = new QuotaService(store, 20, HOUR, () => now);
		const id = user();
		await quota.reserve(id, 20);
		now += HOUR;
		await expect(quota.reserve(id, 20)).resolves.toMatchObject({ amount: 20 });
	});

	it('never overspends under concurrent reservations in one process', async () => {
		const quota = new QuotaService(store, 60, HOUR);
		const id = user();
		const results = await Promise.allSettled(Array.from({ length: 25 }, () => quota.reserve(id, 5)));
		expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(12);
		expect((await quota.status(id)).used).toBe(60);
	});

	it('survives a reopen of the store (the record is in SQLite, not memory)', async () => {
		const file = join(mkdtempSync(join(tmpdir(), 'rd-quota-')), 'reopen.sqlite');
		const first = await openStore(`sqlite://${file}`);
		await new QuotaService(first, 30, HOUR).reserve('same-user', 25);
		await first.disconnect();
		const second = await openStore(`sqlite://${file}`);
		expect((await new QuotaService(second, 30, HOUR).status('same-user')).remaining).toBe(5);
		await second.disconnect();
	});
});
