import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { buttonsOf } from '../stand-ins/discord/stand-in.js';
import { startHarness, type Harness } from './support/harness.js';

/** The operator page's "Post as file again", through its API (a script's bearer token), on the real bot. */
const TOKEN = 'operator-token-for-redelivery-tests';
let h: Harness;
beforeAll(async () => {
	h = await startHarness({ OPS_PORT: '0', OPS_TOKEN: TOKEN });
});
afterAll(() => h?.close());

const redeliver = (jobId: string, token = TOKEN) => fetch(`${h.bot.opsUrl()}/api/jobs/${jobId}/redeliver`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

describe('posting a linked video as a file again', () => {
	it('posts the video that went out as a link as a file in the channel, pinging its member, and records it', async () => {
		const userId = snowflake();
		const handle = await h.discord.invoke('video', { prompt: 'uploads kept failing' }, { userId, failUploads: [{ status: 500 }, 'reset', { status: 503 }] });
		await handle.finished();
		expect(handle.original!.files).toHaveLength(0);
		const jobId = buttonsOf(handle.original).find((button) => button.custom_id?.startsWith('rd:again:'))!.custom_id!.slice('rd:again:'.length);
		// The record says `link` once the runner's last write is in (it goes out behind the message).
		await vi.waitFor(async () => expect((await h.bot.context.jobs.get(jobId))?.result?.delivery).toBe('link'));

		expect((await redeliver(jobId, 'a-wrong-token-of-enough-length')).status).toBe(401);
		const answer = await redeliver(jobId);
		expect(answer.status).toBe(200);
		const posted = h.discord.channelMessages.find((message) => message.pingedUsers.includes(userId) && message.files.length === 1);
		expect(posted?.files[0]!.filename).toMatch(/\.mp4$/);
		expect((await h.bot.context.jobs.get(jobId))?.result?.delivery).toBe('attachment');
		// Once it is a file, there is nothing to post again.
		expect((await redeliver(jobId)).status).toBe(409);
		expect(h.discord.violations).toEqual([]);
	});
});
