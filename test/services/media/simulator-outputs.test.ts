import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FinishedVideo } from '../../../src/services/media/finished-video.js';
import { OutputDownloadError } from '../../../src/services/media/http-download.js';
import { SAMPLE_VIDEO, startRelayDanceSimulator, type RelayDanceSimulator } from '../../../stand-ins/relaydance/simulator.js';
import { readAll, serveBytes, startServer } from './local-server.js';

let simulator: RelayDanceSimulator;
let dir: string;
beforeAll(async () => {
	simulator = await startRelayDanceSimulator({ queuedMs: 0, durationMs: 0, keepFiles: false });
	dir = await mkdtemp(join(tmpdir(), 'simulator-outputs-'));
});
afterAll(async () => {
	await simulator.close();
	await rm(dir, { recursive: true, force: true });
});

const api = (path: string, init: RequestInit = {}) => fetch(`${simulator.apiUrl}${path}`, { ...init, headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json', ...init.headers } });

/** Submits a prompt and returns the succeeded task's `url`. */
async function outputUrl(prompt: string): Promise<string> {
	const submitted = (await (await api('/video/generations', { method: 'POST', body: JSON.stringify({ model: 'seedance-1-5-pro', prompt, seconds: '5' }) })).json()) as { task_id: string };
	const task = (await (await api(`/video/generations/${submitted.task_id}`)).json()) as { status: string; url: string };
	expect(task.status).toBe('succeeded');
	return task.url;
}

/** As the bot downloads: the simulator's own host allowed. */
const fetchOutput = (url: string) => FinishedVideo.fetch(url, 'out.mp4', { maxBytes: 10_000_000, spoolPath: join(dir, 'out.mp4'), allowedHosts: [new URL(simulator.apiUrl).host] });

describe('simulator output directives, as the bot meets them', () => {
	it('sim:redirect=N redirects N times (302) before the video, which is delivered', async () => {
		const url = await outputUrl('a cat sim:redirect=3');
		const hops: number[] = [];
		for (let next = url; ; ) {
			const response = await fetch(next, { redirect: 'manual' });
			if (response.status !== 302) break;
			hops.push(response.status);
			next = new URL(response.headers.get('location')!, next).href;
		}
		expect(hops).toHaveLength(3);
		const video = await fetchOutput(url);
		expect(await readAll(await video.open())).toEqual(SAMPLE_VIDEO);
		await video.dispose();
	});

	it('sim:resulthost=127.0.0.2 names that host, which the bot never fetches', async () => {
		// The simulator does not listen on 127.0.0.2: a counting server takes its port there.
		const trap = await startServer(serveBytes(SAMPLE_VIDEO, 'video/mp4'), '127.0.0.2', Number(new URL(simulator.url).port));
		try {
			const url = await outputUrl('a cat sim:resulthost=127.0.0.2');
			expect(new URL(url).host).toBe(`127.0.0.2:${trap.port}`);
			const error = await fetchOutput(url).catch((thrown: unknown) => thrown);
			expect(error).toBeInstanceOf(OutputDownloadError);
			expect((error as OutputDownloadError).reason).toBe('blocked-address');
			expect(trap.hits).toEqual([]);
		} finally {
			await trap.close();
		}
	});

	it('sim:notvideo serves PNG bytes as video/mp4, which the bot refuses', async () => {
		const url = await outputUrl('a cat sim:notvideo');
		const response = await fetch(url);
		expect(response.headers.get('content-type')).toBe('video/mp4');
		expect(Buffer.from(await response.arrayBuffer()).subarray(1, 4).toString('latin1')).toBe('PNG');
		const error = await fetchOutput(url).catch((thrown: unknown) => thrown);
		expect((error as OutputDownloadError).reason).toBe('not-video');
	});

	it('keepFiles: false counts uploaded files without keeping them', async () => {
		const form = new FormData();
		form.append('purpose', 'reference');
		form.append('file', new Blob([SAMPLE_VIDEO], { type: 'video/mp4' }), 'ref.mp4');
		const uploaded = (await (await fetch(`${simulator.apiUrl}/files`, { method: 'POST', body: form, headers: { authorization: 'Bearer sk-test' } })).json()) as { url: string; bytes: number };
		expect(uploaded.bytes).toBe(SAMPLE_VIDEO.length);
		expect(simulator.stats).toMatchObject({ files: 1, fileBytes: SAMPLE_VIDEO.length });
		expect((await fetch(uploaded.url)).status).toBe(404);
	});
});
