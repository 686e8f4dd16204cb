import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { openStore } from '../../../src/services/store/store.js';
import { WriteBehind } from '../../../src/services/store/write-behind.js';

const tempStore = () => openStore(`sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-wb-')), 'w.sqlite')}`);

describe('WriteBehind', () => {
	it('writes a burst in one batch, each key once with its latest value', async () => {
		const store = await tempStore();
		const setMany = vi.spyOn(store, 'setMany');
		const writer = new WriteBehind(store, 20);
		let counter = 0;
		const writes = Array.from({ length: 500 }, (_, index) => writer.write(`k${index % 100}`, () => ({ index, seen: ++counter }), 60_000));
		await Promise.all(writes);
		expect(setMany).toHaveBeenCalledTimes(1);
		expect(setMany.mock.calls[0]![0]).toHaveLength(100);
		expect(await store.get('k7')).toMatchObject({ index: 407 });
		await store.disconnect();
	});

	it('keeps writes of one key in order across batches', async () => {
		const store = await tempStore();
		const writer = new WriteBehind(store, 1);
		let value = 0;
		for (let round = 0; round < 20; round++) {
			value = round;
			void writer.write('same', () => value, 60_000);
			await new Promise((resolve) => setImmediate(resolve));
		}
		await writer.flush();
		expect(await store.get('same')).toBe(19);
		await store.disconnect();
	});

	it('rejects the waiting callers and reports the error when the store fails', async () => {
		const store = await tempStore();
		await store.disconnect();
		const errors: unknown[] = [];
		const writer = new WriteBehind(store, 1, (error) => errors.push(error));
		await expect(writer.write('k', () => 1, 1000)).rejects.toBeDefined();
		expect(errors).toHaveLength(1);
	});

	it('writes at once when asked, without waiting out the batching delay', async () => {
		const store = await tempStore();
		const writer = new WriteBehind(store, 60_000);
		void writer.write('now', () => 'durable');
		const started = performance.now();
		await writer.writeNow();
		expect(performance.now() - started).toBeLessThan(5_000);
		expect(await store.get('now')).toBe('durable');
		await store.disconnect();
	});

	it('sends a batch asked for while another is in flight as soon as that one lands', async () => {
		const store = await tempStore();
		const writer = new WriteBehind(store, 60_000);
		void writer.write('first', () => 1);
		const first = writer.writeNow();
		void writer.write('second', () => 2);
		await writer.writeNow();
		await first;
		expect(await store.get('second')).toBe(2);
		await store.disconnect();
	});

	it('deletes a key in order with the writes around it, and resolves at once when nothing is queued', async () => {
		const store = await tempStore();
		const writer = new WriteBehind(store, 5);
		await writer.write('gone', () => 'here');
		void writer.write('gone', () => 'rewritten');
		await writer.delete('gone');
		expect(await store.get('gone')).toBeUndefined();
		await writer.writeNow();
		await store.disconnect();
	});
});
