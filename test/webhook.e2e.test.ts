import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textOf } from '../stand-ins/discord/stand-in.js';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
let callbackBase = '';
beforeAll(async () => {
	h = await startHarness(({ free }) => {
		callbackBase = `http://127.0.0.1:${free}`;
		return { WEBHOOK_PUBLIC_URL: callbackBase, WEBHOOK_PORT: String(free), WEBHOOK_HOST: '127.0.0.1', WEBHOOK_FALLBACK_POLL_MS: '1500' };
	});
});
afterAll(async () => {
	await h?.close();
});

const marker = () => `m${randomUUID().slice(0, 8)}`;
const traffic = (tag: string) => ({
	submit: h.relaydance.requestsFor(tag).find((request) => request.path === '/v1/video/generations'),
	polls: h.relaydance.pollsFor(tag),
});

describe('webhook mode', () => {
	it('sends a signed callback_url and needs one read after the callback: two requests per job', async () => {
		const tag = marker();
		const handle = await h.discord.invoke('video', { prompt: `callback me ${tag}` });
		await handle.finished();
		expect(textOf(handle.original)).toContain('✅ Video ready');
		const { submit, polls } = traffic(tag);
		const callbackUrl = (submit!.body as { metadata: { callback_url: string } }).metadata.callback_url;
		expect(callbackUrl).toMatch(new RegExp(`^${callbackBase}/relaydance/callback/[\\w-]+/[a-f0-9]{64}$`));
		expect(polls).toHaveLength(1);
	});

	it('falls back to a safety poll when the callback is lost', async () => {
		const tag = marker();
		const handle = await h.discord.invoke('video', { prompt: `lost callback sim:nocallback ${tag}` });
		await handle.finished();
		expect(textOf(handle.original)).toContain('✅ Video ready');
		expect(traffic(tag).polls.length).toBeGreaterThanOrEqual(1);
	});

	it('ignores callbacks whose signature does not match', async () => {
		const forged = await fetch(`${callbackBase}/relaydance/callback/some-job/${'0'.repeat(64)}`, { method: 'POST', body: '{}' });
		expect(forged.status).toBe(404);
		const unsigned = await fetch(`${callbackBase}/relaydance/callback/some-job`, { method: 'POST', body: '{}' });
		expect(unsigned.status).toBe(404);
	});
});
