import { DiscordAPIError } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets } from '../src/logger.js';
import { LogCapture } from './support/harness.js';

const MiB = 1024 * 1024;

/** What discord.js throws when Discord refuses a message with files: the files ride along in `requestBody`. */
function refusedUpload(sizes: readonly number[]): DiscordAPIError {
	const files = sizes.map((size, index) => ({ name: `image-${index}.png`, key: `files[${index}]`, contentType: 'image/png', data: Buffer.alloc(size, 0x41 + index) }));
	return new DiscordAPIError(
		{ code: 40005, message: 'Request entity too large' },
		40005,
		413,
		'POST',
		'https://discord.com/api/v10/webhooks/123/aW50ZXJhY3Rpb24.secret/messages/@original',
		{ files, body: { content: 'your images', attachments: files.map((_, id) => ({ id })) } },
	);
}

/** CPU time of `work` in milliseconds, user and system, as the process counts it. */
function cpuMs(work: () => void): number {
	const before = process.cpuUsage();
	work();
	const used = process.cpuUsage(before);
	return (used.user + used.system) / 1000;
}

describe('logger', () => {
	it('redacts tokens by path and inside error URLs and messages', () => {
		const capture = new LogCapture();
		const logger = createLogger('info', capture);
		const error = Object.assign(new Error('PATCH https://discord.com/api/v10/webhooks/123/aW50ZXJhY3Rpb24.secret/messages/@original failed'), {
			url: 'https://discord.com/api/v10/webhooks/123/aW50ZXJhY3Rpb24.secret/messages/%40original',
		});
		logger.error({ err: error, token: 'bot-token', origin: { interactionToken: 'itok' }, apiKey: 'sk-live' }, 'boom');
		const line = capture.lines.join('\n');
		expect(line).not.toMatch(/aW50ZXJhY3Rpb24\.secret|bot-token|itok|sk-live/);
		expect(line).toContain('/webhooks/123/[redacted]');
	});

	it('scrubs bearer keys and signed CDN parameters', () => {
		expect(scrubSecrets('Authorization: Bearer sk-abc.def')).toBe('Authorization: Bearer [redacted]');
		expect(scrubSecrets('https://cdn/x.png?ex=1&is=2&hm=abc')).toBe('https://cdn/x.png?ex=[redacted]&is=[redacted]&hm=[redacted]');
	});

	it('redacts secrets at any depth, not only the top two levels', () => {
		const capture = new LogCapture();
		createLogger('info', capture).warn({ job: { reply: { origin: { interactionToken: 'deep-itok' } }, request: { headers: { Authorization: 'Bot deep-bot-token' } } } }, 'deep');
		expect(capture.lines.join('\n')).not.toMatch(/deep-itok|deep-bot-token/);
	});

	it.each([
		['four 2 MB images', [2 * MiB, 2 * MiB, 2 * MiB, 2 * MiB]],
		['one 8 MB file', [8 * MiB]],
	])('logs a Discord error carrying %s in under 50 ms of CPU, with the files summarised', (_, sizes) => {
		const capture = new LogCapture();
		const logger = createLogger('info', capture);
		const error = refusedUpload(sizes);
		const spent = cpuMs(() => logger.warn({ err: error, place: 'reply' }, 'upload failed'));
		const line = capture.lines.join('\n');
		expect(spent).toBeLessThan(50);
		expect(line.length).toBeLessThan(8 * 1024);
		const logged = JSON.parse(line).err;
		expect(logged).toMatchObject({ type: 'DiscordAPIError', name: 'DiscordAPIError[40005]', code: 40005, status: 413, method: 'POST', rawError: { code: 40005 } });
		expect(logged.requestBody.files.map((file: { data: string }) => file.data)).toEqual(sizes.map((size) => `<Buffer ${(size / MiB).toFixed(1)} MB>`));
		expect(logged.requestBody.json).toEqual({ content: 'your images', attachments: sizes.map((_, id) => ({ id })) });
		expect(logged.url).toBe('https://discord.com/api/v10/webhooks/123/[redacted]/messages/@original');
		expect(line).not.toContain('aW50ZXJhY3Rpb24.secret');
		expect(line).not.toContain('AAAA');
	});
});
