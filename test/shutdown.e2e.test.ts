import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { textOf } from '../stand-ins/discord/stand-in.js';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
	h = await startHarness();
});
afterAll(async () => {
	await h?.close();
});

describe('shutting down', () => {
	it('tells each member whose video is still running and gives their quota back', async () => {
		const userId = snowflake();
		const handle = await h.discord.invoke('video', { prompt: 'a very long render sim:stuck', seconds: 6 }, { userId });
		await handle.waitFor((handle) => /Generating your video/.test(textOf(handle.original)));
		expect(h.bot.context.quota.status(userId).used).toBe(6);

		await h.bot.stop(50);

		expect(textOf(handle.original)).toContain('The bot restarted before your video was ready');
		expect(textOf(handle.original)).toContain('Your 6 s of quota were given back.');
		expect(h.bot.context.quota.status(userId).used).toBe(0);
	});
});
