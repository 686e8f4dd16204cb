import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { IntakePause } from '../../../../src/services/ops/page/intake-pause.js';
import { openStore } from '../../../../src/services/store/store.js';

const sqlite = () => `sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-intake-')), 'store.sqlite')}`;

describe('IntakePause', () => {
	it('keeps a pause across a restart, and announces each change', async () => {
		const url = sqlite();
		const store = await openStore(url);
		const announce = vi.fn(async () => {});
		const intake = await new IntakePause(store, announce, () => 42).load();
		expect(intake.paused).toBe(false);
		await intake.set(true);
		expect(announce).toHaveBeenCalledWith(true);
		await store.disconnect();

		const reopened = await openStore(url);
		const restarted = await new IntakePause(reopened).load();
		expect(restarted.paused).toBe(true);
		expect(restarted.since).toBe(42);
		await restarted.set(false);
		expect(await new IntakePause(reopened).load()).toMatchObject({ paused: false });
		await reopened.disconnect();
	});

	it('takes a change another process announced, then reads the store for it', async () => {
		const store = await openStore(sqlite());
		const writer = await new IntakePause(store).load();
		const listener = await new IntakePause(store).load();
		await writer.set(true);
		await listener.heard(true);
		expect(listener.paused).toBe(true);
		expect(listener.since).toBe(writer.since);
		await writer.set(false);
		await listener.heard(false);
		expect(listener.paused).toBe(false);
		await store.disconnect();
	});
});
