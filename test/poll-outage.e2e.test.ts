import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { textOf } from '../stand-ins/discord/stand-in.js';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { SAMPLE_VIDEO } from '../stand-ins/relaydance/simulator.js';
import { startHarness, type Harness } from './support/harness.js';

/** RelayDance's clock runs 60× faster: its 3 minutes are 3 real seconds. */
const TIME_SCALE = 60;
const MINUTE = 60_000;

let h: Harness;
beforeAll(async () => {
	h = await startHarness({ POLL_INTERVAL_MS: '100', POLL_MAX_INTERVAL_MS: '300', POLL_TIMEOUT_MS: '60000' }, { queuedMs: 0, timeScale: TIME_SCALE });
});
afterAll(async () => {
	await h?.close();
});

describe('RelayDance answering 502 to polls for a while', () => {
	it('delivers the video, charged once, with no failure said, after 3 minutes of 502s', async () => {
		const tag = `m${randomUUID().slice(0, 8)}`;
		const userId = snowflake();
		const handle = await h.discord.invoke('video', { prompt: `a dancer through the outage sim:duration=${2 * MINUTE} ${tag}`, seconds: 6 }, { userId });
		await h.relaydance.waitForRequest((request) => request.taskId !== undefined && JSON.stringify(request.body).includes(tag));
		// `Retry-After: 0` keeps the bot's client from stretching each read over seconds of its own retries.
		h.relaydance.failPolls({ status: 502, forMs: 3 * MINUTE, retryAfter: 0 });
		const outageEnds = Date.now() + (3 * MINUTE) / TIME_SCALE;

		await handle.finished(20_000);
		const final = handle.original!;
		expect(textOf(final)).toContain('✅ Video ready');
		expect(Date.now()).toBeGreaterThanOrEqual(outageEnds);
		expect(final.files).toHaveLength(1);
		expect(final.files[0]!.data!.equals(SAMPLE_VIDEO)).toBe(true);
		expect(handle.history.some((message) => /failed|given back/i.test(textOf(message)))).toBe(false);

		const submissions = h.relaydance.requestsFor(tag).filter((request) => request.path === '/v1/video/generations');
		expect(submissions).toHaveLength(1);
		expect((await h.bot.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used).toBe(6);
		await vi.waitFor(async () => {
			const [job] = await h.bot.context.jobs.recent(userId, h.discord.world.guildId);
			expect(job?.state).toBe('delivered');
		});

		const failedPolls = h.relaydance.stats.failedPolls;
		const warnings = h.logs.lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.msg.startsWith('task read failed'));
		console.log(`poll outage: ${failedPolls} polls answered 502, ${warnings.length} warning(s) logged, 1 submission, quota used 6 s`);
		expect(failedPolls).toBeGreaterThan(20);
		expect(warnings.length).toBeGreaterThanOrEqual(1);
		expect(warnings.length).toBeLessThanOrEqual(2);
		expect(warnings.every((line) => line.level === 40)).toBe(true);
	});
});
