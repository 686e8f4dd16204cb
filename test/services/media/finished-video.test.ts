import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FinishedVideo } from '../../../src/services/media/finished-video.js';
import { OutputDownloadError } from '../../../src/services/media/http-download.js';
import { readAll, redirectTo, serveBytes, startServer, type LocalServer } from './local-server.js';

const FIXTURES = fileURLToPath(new URL('../../../stand-ins/fixtures/', import.meta.url));
const VIDEO = readFileSync(`${FIXTURES}sample.mp4`);
const PNG = readFileSync(`${FIXTURES}cat.png`);

let dir: string;
let spool: string;
const servers: LocalServer[] = [];
const serve = async (...args: Parameters<typeof startServer>) => {
	const server = await startServer(...args);
	servers.push(server);
	return server;
};

beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), 'finished-video-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(async () => {
	await Promise.all(servers.splice(0).map((server) => server.close()));
});

let spoolCount = 0;
/** Options for a download from the local servers: 127.0.0.1 is allowed, as RelayDance's host is in the bot. */
function options(extra: Partial<Parameters<typeof FinishedVideo.fetch>[2]> = {}) {
	spool = join(dir, `video-${++spoolCount}.mp4`);
	return { maxBytes: 10_000_000, spoolPath: spool, allowedHosts: ['127.0.0.1'], ...extra };
}

async function refusal(promise: Promise<unknown>): Promise<OutputDownloadError> {
	const error = await promise.then(
		() => undefined,
		(thrown: unknown) => thrown,
	);
	expect(error).toBeInstanceOf(OutputDownloadError);
	return error as OutputDownloadError;
}

/** Serves `/video` (the MP4) and `/hop/N` (302 to `/hop/N-1`, and from 1 to `/video`). */
async function redirectingServer() {
	return serve((req, res) => {
		const hop = /^\/hop\/(\d+)$/.exec(req.url ?? '');
		if (hop) return redirectTo(Number(hop[1]) > 1 ? `/hop/${Number(hop[1]) - 1}` : '/video')(req, res);
		serveBytes(VIDEO, 'video/mp4')(req, res);
	});
}

describe('FinishedVideo.fetch', () => {
	it('follows a redirect and delivers the video', async () => {
		const server = await redirectingServer();
		const video = await FinishedVideo.fetch(`${server.origin}/hop/1`, 'out.mp4', options());
		expect(await readAll(await video.open())).toEqual(VIDEO);
		expect(video.bytes).toBe(VIDEO.length);
		expect(server.hits).toEqual(['/hop/1', '/video']);
		await video.dispose();
	});

	it('follows five redirects but refuses a sixth, without fetching the video', async () => {
		const server = await redirectingServer();
		const five = await FinishedVideo.fetch(`${server.origin}/hop/5`, 'out.mp4', options());
		expect(await readAll(await five.open())).toEqual(VIDEO);
		server.hits.length = 0;
		const error = await refusal(FinishedVideo.fetch(`${server.origin}/hop/6`, 'out.mp4', options()));
		expect(error.reason).toBe('too-many-redirects');
		expect(server.hits).not.toContain('/video');
	});

	it('refuses a redirect to a private address, literal or by name, and never connects there', async () => {
		const target = await serve(serveBytes(VIDEO, 'video/mp4'), '127.0.0.2');
		const loopbackByName = await serve(serveBytes(VIDEO, 'video/mp4'));
		const server = await serve(redirectTo(''));
		for (const location of [`${target.origin}/video`, `http://localhost:${loopbackByName.port}/video`, 'http://10.0.0.1/video', 'http://169.254.169.254/latest/meta-data/']) {
			server.handle(redirectTo(location));
			const error = await refusal(FinishedVideo.fetch(`${server.origin}/start`, 'out.mp4', options()));
			expect(error.reason, location).toBe('blocked-address');
		}
		expect(target.hits).toEqual([]);
		expect(loopbackByName.hits).toEqual([]);
	});

	it('refuses 127.0.0.2 unless its host is allowed (any port)', async () => {
		const target = await serve(serveBytes(VIDEO, 'video/mp4'), '127.0.0.2');
		const error = await refusal(FinishedVideo.fetch(`${target.origin}/video`, 'out.mp4', options({ allowedHosts: [] })));
		expect(error.reason).toBe('blocked-address');
		expect(target.hits).toEqual([]);

		const video = await FinishedVideo.fetch(`${target.origin}/video`, 'out.mp4', options({ allowedHosts: ['127.0.0.2:1'] }));
		expect(await readAll(await video.open())).toEqual(VIDEO);
	});

	it('refuses a host name that resolves to loopback', async () => {
		const target = await serve(serveBytes(VIDEO, 'video/mp4'));
		const error = await refusal(FinishedVideo.fetch(`http://localhost:${target.port}/video`, 'out.mp4', options()));
		expect(error.reason).toBe('blocked-address');
		expect(target.hits).toEqual([]);
	});

	it('refuses file: and ftp: URLs, first or redirected to', async () => {
		for (const url of ['file:///etc/passwd', 'ftp://example.com/video.mp4']) {
			expect((await refusal(FinishedVideo.fetch(url, 'out.mp4', options()))).reason, url).toBe('bad-scheme');
		}
		const server = await serve(redirectTo('file:///etc/passwd'));
		expect((await refusal(FinishedVideo.fetch(`${server.origin}/start`, 'out.mp4', options()))).reason).toBe('bad-scheme');
	});

	it('refuses an IPv4-mapped IPv6 loopback literal', async () => {
		const target = await serve(serveBytes(VIDEO, 'video/mp4'));
		for (const host of ['[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[::1]']) {
			const error = await refusal(FinishedVideo.fetch(`http://${host}:${target.port}/video`, 'out.mp4', options({ allowedHosts: [] })));
			expect(error.reason, host).toBe('blocked-address');
		}
		expect(target.hits).toEqual([]);
	});

	it('refuses a body that is not a video, with or without a declared size, and leaves no spool file', async () => {
		for (const chunked of [false, true]) {
			const server = await serve(serveBytes(PNG, 'video/mp4', { chunked }));
			const error = await refusal(FinishedVideo.fetch(`${server.origin}/video`, 'out.mp4', options()));
			expect(error.reason).toBe('not-video');
			expect(existsSync(spool)).toBe(false);
		}
	});

	it('spools a video of undeclared size and reads it back from the file', async () => {
		const server = await serve(serveBytes(VIDEO, 'video/mp4', { chunked: true }));
		const video = await FinishedVideo.fetch(`${server.origin}/video`, 'out.mp4', options());
		expect(video.bytes).toBe(VIDEO.length);
		expect(await readAll(await video.open())).toEqual(VIDEO);
		expect(await readAll(await video.open())).toEqual(VIDEO);
		expect(server.hits).toHaveLength(1);
		await video.dispose();
		expect(existsSync(spool)).toBe(false);
	});

	it('refuses a video over maxBytes, declared or counted', async () => {
		for (const chunked of [false, true]) {
			const server = await serve(serveBytes(VIDEO, 'video/mp4', { chunked }));
			const error = await refusal(FinishedVideo.fetch(`${server.origin}/video`, 'out.mp4', options({ maxBytes: VIDEO.length - 1 })));
			expect(error.reason).toBe('too-large');
			expect(existsSync(spool)).toBe(false);
		}
	});

	it('re-opens by downloading again through the same guard', async () => {
		const elsewhere = await serve(serveBytes(VIDEO, 'video/mp4'), '127.0.0.2');
		const server = await serve(serveBytes(VIDEO, 'video/mp4'));
		const video = await FinishedVideo.fetch(`${server.origin}/video`, 'out.mp4', options());
		await readAll(await video.open());
		expect(await readAll(await video.open())).toEqual(VIDEO);
		expect(server.hits).toHaveLength(2);

		server.handle(redirectTo(`${elsewhere.origin}/video`));
		const error = await refusal(video.open());
		expect(error.reason).toBe('blocked-address');
		expect(elsewhere.hits).toEqual([]);
	});

	it('stops promptly when aborted, waiting for headers or for the body', async () => {
		const stalled = await serve(() => {});
		const controller = new AbortController();
		const reason = new Error('shutting down');
		setTimeout(() => controller.abort(reason), 50);
		const started = performance.now();
		await expect(FinishedVideo.fetch(`${stalled.origin}/video`, 'out.mp4', options({ signal: controller.signal }))).rejects.toBe(reason);
		expect(performance.now() - started).toBeLessThan(2_000);

		const trickle = await serve((_req, res) => {
			res.writeHead(200, { 'content-type': 'video/mp4' });
			res.write(VIDEO.subarray(0, 100)); // less than the sniffed head, then nothing
		});
		const second = new AbortController();
		setTimeout(() => second.abort(reason), 50);
		await expect(FinishedVideo.fetch(`${trickle.origin}/video`, 'out.mp4', options({ signal: second.signal }))).rejects.toBe(reason);
		expect(existsSync(spool)).toBe(false);
	});
});
