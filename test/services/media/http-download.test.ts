import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DownloadError } from '../../../src/services/media/download-error.js';
import { downloadBytes } from '../../../src/services/media/http-download.js';
import { serveBytes, startServer, type LocalServer } from './local-server.js';

let server: LocalServer | undefined;
afterEach(() => server?.close());

/** Sends `body` in 64 KiB pieces, stating `declared` as its length (undefined: none). */
function servePieces(body: Buffer, declared: number | undefined) {
	return (_req: unknown, res: import('node:http').ServerResponse) => {
		res.writeHead(200, { 'content-type': 'image/png', ...(declared !== undefined && { 'content-length': declared }) });
		for (let offset = 0; offset < body.length; offset += 65_536) res.write(body.subarray(offset, offset + 65_536));
		res.end();
	};
}

describe('downloadBytes', () => {
	it('returns the exact bytes when the server states their size, and when it does not', async () => {
		const body = randomBytes(300_000);
		server = await startServer(serveBytes(body, 'image/png'));
		expect((await downloadBytes(`${server.origin}/sized`, { maxBytes: 1_000_000 })).data.equals(body)).toBe(true);
		server.handle(serveBytes(body, 'image/png', { chunked: true }));
		expect((await downloadBytes(`${server.origin}/unsized`, { maxBytes: 1_000_000 })).data.equals(body)).toBe(true);
	});

	it('fails, rather than returning a half-filled buffer, when the server sends fewer bytes than it stated', async () => {
		const body = randomBytes(200_000);
		server = await startServer((req, res) => {
			res.writeHead(200, { 'content-type': 'image/png', 'content-length': 300_000 });
			res.write(body);
			res.destroy();
		});
		const outcome = await downloadBytes(`${server.origin}/short`, { maxBytes: 1_000_000 }).catch((error: unknown) => error);
		expect(outcome).toBeInstanceOf(DownloadError);
		expect((outcome as DownloadError).reason).toBe('network');
	});

	it('refuses more bytes than the cap, whatever the stated size', async () => {
		const body = randomBytes(200_000);
		server = await startServer(servePieces(body, undefined));
		const error = (await downloadBytes(`${server.origin}/big`, { maxBytes: 100_000 }).catch((caught: unknown) => caught)) as DownloadError;
		expect(error.reason).toBe('too-large');
	});
});
