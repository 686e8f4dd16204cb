import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { CallbackSigner } from '../../../src/services/relaydance/callback-signer.js';
import { startCallbackServer } from '../../../src/services/relaydance/callback-server.js';

const logger = createLogger('silent');
const DAY = 24 * 60 * 60_000;

/** A signer whose clock the test moves. */
function signerAt(start = 1_700_000_000_000, ttlMs?: number) {
	const clock = { now: start };
	const signer = new CallbackSigner('sk-secret', 'https://bot.example.com/', { ttlMs, now: () => clock.now });
	return { signer, clock };
}

const pathOf = (url: string) => new URL(url).pathname;
/** `/relaydance/callback/<job>/<expires>/<signature>` split into its parts. */
const partsOf = (url: string) => {
	const [, , , jobId, expires, signature] = pathOf(url).split('/');
	return { jobId: jobId!, expires: expires!, signature: signature! };
};
const pathFrom = ({ jobId, expires, signature }: { jobId: string; expires: string; signature: string }) => `/relaydance/callback/${jobId}/${expires}/${signature}`;

describe('CallbackSigner', () => {
	it('signs a URL under the public base that verifies to its job id', () => {
		const { signer } = signerAt();
		const url = signer.urlFor('job-1');
		expect(url).toMatch(/^https:\/\/bot\.example\.com\/relaydance\/callback\/job-1\/\d+\/[a-f0-9]{64}$/);
		expect(signer.verify(pathOf(url))).toBe('job-1');
	});

	it('puts the expiry in the path: 24 h by default, or the lifetime it is given', () => {
		expect(partsOf(signerAt(1_000).signer.urlFor('job-1')).expires).toBe(String(1_000 + DAY));
		expect(partsOf(signerAt(1_000, 60_000).signer.urlFor('job-1')).expires).toBe('61000');
	});

	it('refuses a URL once it has expired', () => {
		const { signer, clock } = signerAt(1_000, 30 * 60_000);
		const path = pathOf(signer.urlFor('job-1'));
		clock.now += 30 * 60_000 - 1;
		expect(signer.verify(path)).toBe('job-1');
		clock.now += 1;
		expect(signer.verify(path)).toBeUndefined();
	});

	it('refuses a URL whose job id, expiry or signature was altered', () => {
		const { signer } = signerAt();
		const parts = partsOf(signer.urlFor('job-1'));
		const other = partsOf(signer.urlFor('job-2'));
		expect(signer.verify(pathFrom({ ...parts, jobId: 'job-2' }))).toBeUndefined();
		expect(signer.verify(pathFrom({ ...parts, expires: String(Number(parts.expires) + DAY) }))).toBeUndefined();
		expect(signer.verify(pathFrom({ ...parts, signature: other.signature }))).toBeUndefined();
		expect(signer.verify(pathFrom({ ...parts, signature: `${parts.signature.slice(0, 63)}${parts.signature.endsWith('0') ? '1' : '0'}` }))).toBeUndefined();
		expect(signer.verify(pathFrom(parts))).toBe('job-1');
	});

	it('refuses URLs signed with another secret, and paths of the old unexpiring form', () => {
		const { signer } = signerAt();
		const stranger = new CallbackSigner('sk-other', 'https://bot.example.com', { now: () => 1_700_000_000_000 });
		expect(signer.verify(pathOf(stranger.urlFor('job-1')))).toBeUndefined();
		const { jobId, signature } = partsOf(signer.urlFor('job-1'));
		expect(signer.verify(`/relaydance/callback/${jobId}/${signature}`)).toBeUndefined();
	});
});

describe('startCallbackServer', () => {
	const closers: Array<() => Promise<unknown>> = [];
	afterEach(async () => {
		await Promise.all(closers.splice(0).map((close) => close()));
	});

	async function start(onCallback: (jobId: string) => boolean, signer = signerAt().signer, extra: { port?: number; host?: string } = {}) {
		const callbacks = await startCallbackServer({ port: 0, host: '127.0.0.1', signer, onCallback, logger, ...extra });
		closers.push(callbacks.close);
		const post = (path: string, body: string | Uint8Array<ArrayBuffer> = '{"status":"succeeded"}', method = 'POST') =>
			fetch(`http://127.0.0.1:${callbacks.port}${path}`, { method, body: method === 'GET' ? undefined : body, headers: { 'content-type': 'application/json' } });
		return { callbacks, signer, post, chunked: (path: string, bytes: number) => chunkedPost(callbacks.port, path, bytes) };
	}

	it('answers 204 to a signed callback for a waiting job and passes on its job id only', async () => {
		const onCallback = vi.fn(() => true);
		const { signer, post } = await start(onCallback);
		const answer = await post(pathOf(signer.urlFor('job-1')), JSON.stringify({ status: 'succeeded', url: 'http://127.0.0.1:1/forged.mp4' }));
		expect(answer.status).toBe(204);
		expect(onCallback).toHaveBeenCalledTimes(1);
		expect(onCallback.mock.calls[0]).toEqual(['job-1']);
	});

	it('answers 404 to a signed callback for a job no one waits for (unknown or final)', async () => {
		const onCallback = vi.fn(() => false);
		const { signer, post } = await start(onCallback);
		const answer = await post(pathOf(signer.urlFor('job-1')));
		expect(answer.status).toBe(404);
		expect(onCallback).toHaveBeenCalledWith('job-1');
	});

	it('answers 404 to an expired or altered URL and wakes nothing', async () => {
		const onCallback = vi.fn(() => true);
		const { signer, clock } = signerAt(1_000, 60_000);
		const { post } = await start(onCallback, signer);
		const parts = partsOf(signer.urlFor('job-1'));
		const refused = [
			pathFrom({ ...parts, jobId: 'job-2' }),
			pathFrom({ ...parts, expires: String(Number(parts.expires) + 1) }),
			pathFrom({ ...parts, signature: '0'.repeat(64) }),
			`/relaydance/callback/${parts.jobId}/${parts.signature}`,
			'/relaydance/callback/job-1',
			'/',
		];
		for (const path of refused) expect((await post(path)).status, path).toBe(404);
		clock.now += 60_000;
		expect((await post(pathFrom(parts))).status).toBe(404);
		expect(onCallback).not.toHaveBeenCalled();
	});

	it('answers 404 to anything but a POST', async () => {
		const onCallback = vi.fn(() => true);
		const { signer, post } = await start(onCallback);
		expect((await post(pathOf(signer.urlFor('job-1')), '', 'GET')).status).toBe(404);
		expect(onCallback).not.toHaveBeenCalled();
	});

	it('never reads the body: any bytes do, and an oversized body is refused with 413 and wakes nothing', async () => {
		const onCallback = vi.fn(() => true);
		const { signer, post, chunked } = await start(onCallback);
		const path = pathOf(signer.urlFor('job-1'));
		expect((await post(path, new Uint8Array([0xff, 0x00, 0x7b]))).status).toBe(204);
		expect(onCallback).toHaveBeenCalledTimes(1);
		expect((await post(path, new Uint8Array(2 * 1024 * 1024).fill(0x20))).status).toBe(413);
		expect(await chunked(path, 2 * 1024 * 1024)).toBe(413);
		expect(onCallback).toHaveBeenCalledTimes(1);
	});

	it('closes at once, cutting a request whose body is still coming', async () => {
		const onCallback = vi.fn(() => true);
		const { callbacks, signer } = await start(onCallback);
		const arrived = once(callbacks.server, 'request');
		const stalled = request({ host: '127.0.0.1', port: callbacks.port, path: pathOf(signer.urlFor('job-1')), method: 'POST', headers: { 'content-length': '100' } });
		closers.push(async () => void stalled.destroy());
		const cut = new Promise<string>((resolve) => stalled.once('error', (error) => resolve(String(error))));
		stalled.write('{"status":');
		await arrived;
		const closing = callbacks.close().then(() => 'closed');
		const waited = new Promise<string>((resolve) => setTimeout(resolve, 2_000, 'still waiting').unref());
		expect(await Promise.race([closing, waited])).toBe('closed');
		expect(await cut).toMatch(/socket hang up|ECONNRESET/);
		expect(onCallback).not.toHaveBeenCalled();
	});

	it('binds loopback when no host is given', async () => {
		const { callbacks } = await start(() => true, undefined, { host: undefined });
		expect((callbacks.server.address() as AddressInfo).address).toBe('127.0.0.1');
	});

	it('rejects with the port, host and cause in words when the port is taken', async () => {
		const taken = createServer();
		await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
		closers.push(() => new Promise((resolve) => taken.close(resolve)));
		const { port } = taken.address() as AddressInfo;
		await expect(startCallbackServer({ port, host: '127.0.0.1', signer: signerAt().signer, onCallback: () => true, logger })).rejects.toThrow(
			`WEBHOOK_PORT ${port} on 127.0.0.1 is already in use (EADDRINUSE): set WEBHOOK_PORT to a free port`,
		);
	});
});

/** Streams `bytes` without a Content-Length; resolves with the status, or 0 if the server dropped the connection first. */
function chunkedPost(port: number, path: string, bytes: number): Promise<number> {
	return new Promise((resolve) => {
		const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
			res.resume();
			resolve(res.statusCode ?? 0);
		});
		req.on('error', () => resolve(0));
		const chunk = Buffer.alloc(16 * 1024, 0x20);
		let sent = 0;
		const pump = () => {
			while (sent < bytes) {
				sent += chunk.length;
				if (!req.write(chunk)) return void req.once('drain', pump);
			}
			req.end();
		};
		pump();
	});
}
