import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { isRetryableUpload, uploadMessage, UploadConnectionError, UploadRejectedError, UploadTimeoutError, withUploadRetries } from '../../src/discord/multipart-upload.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../stand-ins/discord/stand-in.js';

/** An upload that fails with `errors` in turn, then succeeds; records when each try began. */
function flaky(errors: Error[]) {
	const tries: number[] = [];
	const attempt = async () => {
		tries.push(Date.now());
		const error = errors.shift();
		if (error) throw error;
		return 'sent';
	};
	return { tries, attempt };
}
const status = (code: number, retryAfterMs?: number) => new UploadRejectedError(code, undefined, 'no', retryAfterMs);

describe('withUploadRetries', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('retries a 5xx and a broken connection after 1 s, then 2 s', async () => {
		const { tries, attempt } = flaky([status(502), new UploadConnectionError(new Error('other side closed'))]);
		const result = withUploadRetries(attempt);
		await vi.advanceTimersByTimeAsync(3_000);
		await expect(result).resolves.toBe('sent');
		expect(tries.map((at) => at - tries[0]!)).toEqual([0, 1_000, 3_000]);
	});

	it('gives up after three tries with the last failure', async () => {
		const { tries, attempt } = flaky([status(500), status(503), status(502), status(500)]);
		const result = withUploadRetries(attempt);
		const settled = expect(result).rejects.toMatchObject({ status: 502 });
		await vi.advanceTimersByTimeAsync(3_000);
		await settled;
		expect(tries).toHaveLength(3);
	});

	it('waits the Retry-After of a 429', async () => {
		const { tries, attempt } = flaky([status(429, 7_000)]);
		const result = withUploadRetries(attempt);
		await vi.advanceTimersByTimeAsync(7_000);
		await expect(result).resolves.toBe('sent');
		expect(tries[1]! - tries[0]!).toBe(7_000);
	});

	it('waits out 429s without spending a try: 429, 429, 502, 502 still gets a third try', async () => {
		const { tries, attempt } = flaky([status(429, 200), status(429, 300), status(502), status(502)]);
		const result = withUploadRetries(attempt);
		await vi.advanceTimersByTimeAsync(3_500);
		await expect(result).resolves.toBe('sent');
		expect(tries.map((at) => at - tries[0]!)).toEqual([0, 200, 500, 1_500, 3_500]);
	});

	it('waits 1 s after a 429 that names no wait, and at least 50 ms after one that says 0', async () => {
		const { tries, attempt } = flaky([status(429), status(429, 0)]);
		const result = withUploadRetries(attempt);
		await vi.advanceTimersByTimeAsync(1_050);
		await expect(result).resolves.toBe('sent');
		expect(tries.map((at) => at - tries[0]!)).toEqual([0, 1_000, 1_050]);
	});

	it('keeps waiting out 429s for as long as the deadline allows, then throws the 429', async () => {
		const { tries, attempt } = flaky(Array.from({ length: 100 }, () => status(429, 10_000)));
		const result = withUploadRetries(attempt, { deadline: Date.now() + 60_000 });
		const settled = expect(result).rejects.toMatchObject({ status: 429 });
		await vi.advanceTimersByTimeAsync(60_000);
		await settled;
		expect(tries).toHaveLength(7);
		expect(tries.at(-1)! - tries[0]!).toBe(60_000);
	});

	it('does not retry a refusal', async () => {
		const { tries, attempt } = flaky([status(403)]);
		await expect(withUploadRetries(attempt)).rejects.toMatchObject({ status: 403 });
		expect(tries).toHaveLength(1);
	});

	it('stops waiting at once when the signal aborts', async () => {
		const { tries, attempt } = flaky([status(502)]);
		const stopping = new AbortController();
		const result = withUploadRetries(attempt, { signal: stopping.signal });
		const settled = expect(result).rejects.toThrow('stopping');
		await vi.advanceTimersByTimeAsync(100);
		stopping.abort(new Error('stopping'));
		await settled;
		expect(tries).toHaveLength(1);
	});
});

describe('uploadMessage', () => {
	let discord: DiscordStandIn;
	beforeAll(async () => {
		discord = await startDiscordStandIn();
	});
	afterAll(() => discord?.close());

	const upload = (options: { timeoutMs?: number; signal?: AbortSignal } = {}) =>
		uploadMessage({
			url: `${discord.apiUrl}/v10/channels/${discord.world.channelId}/messages`,
			method: 'POST',
			authorization: `Bot ${discord.botToken}`,
			payload: { content: 'a video', attachments: [{ id: '0', filename: 'v.mp4' }] },
			file: { name: 'v.mp4', contentType: 'video/mp4', bytes: 4, stream: Readable.from([Buffer.from('mp4!')]) },
			...options,
		});

	it('cuts off a try that gets no answer within its timeout, and counts it as a broken connection, worth another try', async () => {
		discord.failChannelPosts(discord.world.channelId, 'no-answer');
		const error = await upload({ timeoutMs: 200 }).catch((failure: unknown) => failure);
		expect(error).toBeInstanceOf(UploadConnectionError);
		expect((error as UploadConnectionError).cause).toBeInstanceOf(UploadTimeoutError);
		expect((error as Error).message).toBe('the upload to Discord broke off: no answer within 200 ms');
		expect(isRetryableUpload(error)).toBe(true);
	});

	it('rejects with the caller’s reason when the caller aborts a try that gets no answer', async () => {
		const before = discord.unansweredChannelPosts.length;
		discord.failChannelPosts(discord.world.channelId, 'no-answer');
		const stopping = new AbortController();
		const settled = expect(upload({ signal: stopping.signal })).rejects.toThrow('stopping');
		await discord.waitFor(() => discord.unansweredChannelPosts.length > before);
		stopping.abort(new Error('stopping'));
		await settled;
	});
});
