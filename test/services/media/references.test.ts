import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReferenceInput } from '../../../src/services/jobs/video-request.js';
import { DownloadError } from '../../../src/services/media/http-download.js';
import { fetchReferences } from '../../../src/services/media/references.js';
import { redirectTo, serveBytes, startServer, type LocalServer } from './local-server.js';

const PNG = readFileSync(fileURLToPath(new URL('../../../stand-ins/fixtures/cat.png', import.meta.url)));

const servers: LocalServer[] = [];
afterEach(async () => {
	await Promise.all(servers.splice(0).map((server) => server.close()));
});
async function pngServer() {
	const server = await startServer(serveBytes(PNG, 'image/png'));
	servers.push(server);
	return server;
}

const image = (url: string, slot = 1): ReferenceInput => ({ kind: 'image', slot, name: `cat${slot}.png`, contentType: 'image/png', size: PNG.length, url });

async function failure(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(
		() => undefined,
		(error: unknown) => error,
	);
}

describe('fetchReferences', () => {
	it('downloads from an allowed host (the stand-in Discord)', async () => {
		const server = await pngServer();
		const [fetched] = await fetchReferences([image(`${server.origin}/cat.png`)], 1_000_000, { allowedHosts: [`127.0.0.1:${server.port}`] });
		expect(fetched!.data).toEqual(PNG);
		expect(fetched!.contentType).toBe('image/png');
	});

	it('refuses a reference from a non-Discord host before any request, even for the allowed ones listed first', async () => {
		const allowed = await pngServer();
		const other = await pngServer();
		const references = [image(`${allowed.origin}/cat.png`, 1), image(`http://localhost:${other.port}/cat.png`, 2)];
		const error = await failure(fetchReferences(references, 1_000_000, { allowedHosts: ['127.0.0.1'] }));
		expect(error).toBeInstanceOf(DownloadError);
		expect((error as DownloadError).reason).toBe('forbidden-host');
		expect(allowed.hits).toEqual([]);
		expect(other.hits).toEqual([]);
	});

	it('refuses look-alike hosts and lets only exact Discord CDN hosts through', async () => {
		for (const url of ['https://cdn.discordapp.com.evil.example/a.png', 'https://evilcdn.discordapp.com/a.png', 'https://discordapp.com@evil.example/a.png']) {
			const error = await failure(fetchReferences([image(url)], 1_000_000));
			expect((error as DownloadError).reason, url).toBe('forbidden-host');
		}
		// The real CDN hosts pass the check: with the signal already aborted, no request is made and the abort reason comes back.
		const reason = new Error('stop');
		for (const url of ['https://cdn.discordapp.com/attachments/1/2/a.png', 'https://media.discordapp.net/attachments/1/2/a.png']) {
			await expect(fetchReferences([image(url)], 1_000_000, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
		}
	});

	it('follows a storage redirect to a trusted host, and refuses one that leaves the trusted hosts before requesting it', async () => {
		const target = await pngServer();
		const trusted = await startServer(redirectTo(`${target.origin}/cat.png`));
		const leaving = await startServer(redirectTo(`${target.origin.replace('127.0.0.1', 'localhost')}/cat.png`));
		servers.push(trusted, leaving);
		const [fetched] = await fetchReferences([image(`${trusted.origin}/cat.png`)], 1_000_000, { allowedHosts: ['127.0.0.1'] });
		expect(fetched!.data.length).toBeGreaterThan(0);
		expect(target.hits).toHaveLength(1);
		const error = await failure(fetchReferences([image(`${leaving.origin}/cat.png`)], 1_000_000, { allowedHosts: ['127.0.0.1'] }));
		expect((error as DownloadError).reason).toBe('forbidden-host');
		expect(target.hits).toHaveLength(1);
	});
});
