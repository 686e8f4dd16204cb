import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { textOf } from '../stand-ins/discord/stand-in.js';
import { SAMPLE_VIDEO } from '../stand-ins/relaydance/simulator.js';
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
	submit: h.relaydance.requestsFor(tag).find((request) => request.path === '/v1/video/generations' && request.taskId),
	polls: h.relaydance.pollsFor(tag),
});
const callbackUrlOf = (tag: string) => (traffic(tag).submit!.body as { metadata: { callback_url: string } }).metadata.callback_url;
/** `<base>/relaydance/callback/<job id>/<expires>/<signature>` in parts. */
const partsOf = (url: string) => {
	const [jobId, expires, signature] = url.slice(`${callbackBase}/relaydance/callback/`.length).split('/') as [string, string, string];
	return { jobId, expires, signature };
};
const urlFrom = ({ jobId, expires, signature }: ReturnType<typeof partsOf>) => `${callbackBase}/relaydance/callback/${jobId}/${expires}/${signature}`;
const post = (url: string, body: unknown = {}) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Starts a `/video` whose task runs long enough to be called back while it runs; resolves once RelayDance has it. */
async function startRunningJob(tag: string) {
	const handle = await h.discord.invoke('video', { prompt: `slow sim:duration=2500 ${tag}` });
	const submit = await vi.waitFor(() => traffic(tag).submit ?? Promise.reject(new Error('not submitted yet')), { timeout: 10_000, interval: 20 });
	return { handle, taskId: submit.taskId!, callbackUrl: callbackUrlOf(tag) };
}

/** A local server that counts every request and would happily serve an MP4. */
async function startCountingServer() {
	const hits: string[] = [];
	const server: Server = createServer((req, res) => {
		hits.push(`${req.method} ${req.url}`);
		res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': SAMPLE_VIDEO.length }).end(SAMPLE_VIDEO);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return { hits, url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('webhook mode', () => {
	it('sends a signed, expiring callback_url and needs one read after the callback: two requests per job', async () => {
		const tag = marker();
		const handle = await h.discord.invoke('video', { prompt: `callback me ${tag}` });
		await handle.finished();
		expect(textOf(handle.original)).toContain('✅ Video ready');
		const { submit, polls } = traffic(tag);
		expect(callbackUrlOf(tag)).toMatch(new RegExp(`^${callbackBase}/relaydance/callback/[\\w-]+/\\d+/[a-f0-9]{64}$`));
		expect(Number(partsOf(callbackUrlOf(tag)).expires)).toBeGreaterThan(submit!.at + 30 * 60_000);
		expect(h.relaydance.tasks.get(submit!.taskId!)?.callbackSent).toBe(true);
		expect(polls).toHaveLength(1);
	});

	it('delivers through the safety poll when the callback is lost', async () => {
		const tag = marker();
		const handle = await h.discord.invoke('video', { prompt: `lost callback sim:nocallback ${tag}` });
		await handle.finished();
		expect(textOf(handle.original)).toContain('✅ Video ready');
		const { submit, polls } = traffic(tag);
		const task = h.relaydance.tasks.get(submit!.taskId!)!;
		expect(task.callbackUrl).toBeDefined();
		expect(task.callbackSent).toBe(false);
		expect(polls.length).toBeGreaterThanOrEqual(1);
		// No read before the safety poll was due (2 ms for clock rounding): nothing woke the wait early.
		expect(polls[0]!.at - submit!.at).toBeGreaterThanOrEqual(h.config.WEBHOOK_FALLBACK_POLL_MS - 2);
	});

	it('never fetches a URL named in a callback body, and delivers the real video', async () => {
		const tag = marker();
		const bait = await startCountingServer();
		try {
			const { handle, taskId, callbackUrl } = await startRunningJob(tag);
			const forged = await post(callbackUrl, { task_id: taskId, status: 'succeeded', progress: 100, url: `${bait.url}/forged.mp4`, result_url: `${bait.url}/forged.mp4` });
			expect(forged.status).toBe(204);
			await handle.finished();
			expect(textOf(handle.original)).toContain('✅ Video ready');
			expect(handle.original!.files).toHaveLength(1);
			expect(handle.original!.files[0]!.filename).toBe(`relaydance-${taskId}.mp4`);
			expect(handle.original!.files[0]!.data!.equals(SAMPLE_VIDEO)).toBe(true);
			expect(bait.hits).toEqual([]);
		} finally {
			await bait.close();
		}
	});

	it('answers 4xx to a callback URL whose job id, expiry or signature was altered, even for a running job', async () => {
		const [a, b] = await Promise.all([startRunningJob(marker()), startRunningJob(marker())]);
		const parts = partsOf(a.callbackUrl);
		const altered = {
			jobId: urlFrom({ ...parts, jobId: partsOf(b.callbackUrl).jobId }),
			expiry: urlFrom({ ...parts, expires: String(Number(parts.expires) + 24 * 60 * 60_000) }),
			signature: urlFrom({ ...parts, signature: partsOf(b.callbackUrl).signature }),
			unexpiring: `${callbackBase}/relaydance/callback/${parts.jobId}/${parts.signature}`,
		};
		for (const [what, url] of Object.entries(altered)) {
			const { status } = await post(url);
			expect(status, `altered ${what}`).toBeGreaterThanOrEqual(400);
			expect(status, `altered ${what}`).toBeLessThan(500);
		}
		// Both jobs were waiting: the genuine URLs are accepted, so only the alteration was refused.
		expect((await post(a.callbackUrl)).status).toBe(204);
		expect((await post(b.callbackUrl)).status).toBe(204);
		await Promise.all([a.handle.finished(), b.handle.finished()]);
	});

	it('answers 404 to a callback for a job already delivered, without asking RelayDance', async () => {
		const tag = marker();
		const handle = await h.discord.invoke('video', { prompt: `done already ${tag}` });
		await handle.finished();
		expect(textOf(handle.original)).toContain('✅ Video ready');
		const readsBefore = traffic(tag).polls.length;
		const late = await post(callbackUrlOf(tag), { status: 'succeeded' });
		// 404 is the server's word that the waker holds no such job: a wake is the only way a callback
		// causes a read, and a wake for a job not held does nothing, now or later (nothing is deferred).
		// So nothing to wait for: no read has happened, and none is coming.
		expect(late.status).toBe(404);
		expect(traffic(tag).polls).toHaveLength(readsBefore);
	});
});
