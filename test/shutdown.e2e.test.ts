import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBot } from '../src/bot.js';
import { createLogger } from '../src/logger.js';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { textOf } from '../stand-ins/discord/stand-in.js';
import { LogCapture, startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
	h = await startHarness();
});
afterAll(async () => {
	await h?.close();
});

describe('stopping the bot', () => {
	it('leaves a running job in the store, untouched, and the next bot on that store delivers it', async () => {
		const userId = snowflake();
		const handle = await h.discord.invoke('video', { prompt: 'a long render sim:duration=1500', seconds: 6 }, { userId });
		await handle.waitFor((handle) => /Generating your video/.test(textOf(handle.original)));

		await h.bot.stop(1_000);
		expect(textOf(handle.original)).not.toMatch(/failed|given back/);
		expect((await h.bot.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used).toBe(6);

		const next = await createBot(h.config, createLogger('info', new LogCapture()));
		await next.start();
		try {
			await handle.finished();
			expect(textOf(handle.original)).toContain('✅ Video ready');
			expect((await next.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used).toBe(6);
			expect(h.relaydance.requests.filter((request) => request.path === '/v1/video/generations')).toHaveLength(1);
		} finally {
			await next.stop(1_000);
		}
	});
});
