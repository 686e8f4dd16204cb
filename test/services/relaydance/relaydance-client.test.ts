import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APIConnectionError, AuthenticationError, InternalServerError, InvalidResponseError, RateLimitError } from '../../../src/services/relaydance/errors.js';
import { RelayDanceClient } from '../../../src/services/relaydance/client.js';
import { parseRetryAfter } from '../../../src/services/retry-after.js';

const BASE = 'https://relaydance.test';
const body = { model: 'doubao-seedance-2-0-1080p', prompt: 'p', seconds: '5', metadata: {} };
let agent: MockAgent;
let client: RelayDanceClient;
const pool = () => agent.get(BASE);
const submit = () => pool().intercept({ path: '/v1/video/generations', method: 'POST' });

beforeEach(() => {
	agent = new MockAgent();
	agent.disableNetConnect();
	client = new RelayDanceClient({ baseUrl: `${BASE}/v1`, apiKey: 'sk-key', dispatcher: agent, retryBaseDelayMs: 1, retryMaxDelayMs: 2 });
});
afterEach(() => agent.close());

describe('RelayDanceClient', () => {
	it('submits with the bearer key and reads the task id', async () => {
		pool()
			.intercept({ path: '/v1/video/generations', method: 'POST', headers: { authorization: 'Bearer sk-key' }, body: JSON.stringify(body) })
			.reply(200, { task_id: 'task_1', status: 'submitted' });
		await expect(client.createVideo(body)).resolves.toMatchObject({ taskId: 'task_1', status: 'submitted' });
	});

	it('retries a billable submit on 429, waiting as Retry-After says', async () => {
		submit().reply(429, { error: { message: 'slow down', type: 'rate_limit_error' } }, { headers: { 'retry-after': '0' } });
		submit().reply(200, { task_id: 'task_2', status: 'submitted' });
		await expect(client.createVideo(body)).resolves.toMatchObject({ taskId: 'task_2' });
	});

	it('retries a billable submit on 503 (not accepted)', async () => {
		submit().reply(503, { error: { message: 'no channel' } });
		submit().reply(200, { task_id: 'task_3', status: 'submitted' });
		await expect(client.createVideo(body)).resolves.toMatchObject({ taskId: 'task_3' });
	});

	it.each([
		['documented', { error: { message: 'no channel for this model', type: 'new_api_error', code: 'model_not_found' } }],
		['flat', { code: 'model_not_found', message: 'no channel for this model', data: null }],
	])('does not retry a 503 whose %s body says the model is unknown', async (_shape, answer) => {
		submit().reply(503, answer);
		submit().reply(200, { task_id: 'task_unneeded', status: 'submitted' });
		const error = (await client.createVideo(body).catch((caught: unknown) => caught)) as InternalServerError;
		expect(error.status).toBe(503);
		expect(error.code).toBe('model_not_found');
	});

	it.each([500, 502, 504])('does not retry a billable submit on %i (the task may exist)', async (status) => {
		submit().reply(status, { error: { message: 'upstream' } });
		submit().reply(200, { task_id: 'task_twice', status: 'submitted' });
		await expect(client.createVideo(body)).rejects.toBeInstanceOf(InternalServerError);
	});

	it('does not retry a billable submit whose connection broke after sending', async () => {
		submit().replyWithError(Object.assign(new Error('socket hang up'), { code: 'UND_ERR_SOCKET' }));
		submit().reply(200, { task_id: 'task_dup', status: 'submitted' });
		const error = await client.createVideo(body).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(APIConnectionError);
		expect((error as APIConnectionError).sent).toBe(true);
	});

	it('retries a billable submit whose connection was refused (never sent)', async () => {
		submit().replyWithError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
		submit().reply(200, { task_id: 'task_4', status: 'submitted' });
		await expect(client.createVideo(body)).resolves.toMatchObject({ taskId: 'task_4' });
	});

	it('retries reads on 5xx, and gives up after maxRetries', async () => {
		pool().intercept({ path: '/v1/video/generations/task_5', method: 'GET' }).reply(500, {}).times(2);
		pool().intercept({ path: '/v1/video/generations/task_5', method: 'GET' }).reply(200, { task_id: 'task_5', status: 'running' });
		await expect(client.getVideo('task_5')).resolves.toMatchObject({ status: 'running' });
		pool().intercept({ path: '/v1/video/generations/task_5', method: 'GET' }).reply(502, 'Bad Gateway').times(4);
		await expect(client.getVideo('task_5')).rejects.toBeInstanceOf(InternalServerError);
	});

	it('maps errors by status, keeping the API message and code', async () => {
		pool().intercept({ path: '/v1/models', method: 'GET' }).reply(401, { error: { message: 'The API key provided is invalid or has been revoked.', type: 'authentication_error' } });
		const error = (await client.listModels().catch((caught: unknown) => caught)) as AuthenticationError;
		expect(error).toBeInstanceOf(AuthenticationError);
		expect(error).toMatchObject({ status: 401, code: 'authentication_error', apiMessage: 'The API key provided is invalid or has been revoked.' });
		expect(error.name).toBe('APIError[authentication_error]');
	});

	it('reads the gateway flat error shape', async () => {
		pool().intercept({ path: '/v1/video/generations/gone', method: 'GET' }).reply(400, { code: 'task_not_exist', message: 'task not exist', data: null });
		await expect(client.getVideo('gone')).rejects.toMatchObject({ status: 400, code: 'task_not_exist' });
	});

	it('treats a 2xx body off the contract as an error', async () => {
		pool().intercept({ path: '/v1/video/generations/task_6', method: 'GET' }).reply(200, { hello: 'world' });
		await expect(client.getVideo('task_6')).rejects.toBeInstanceOf(InvalidResponseError);
	});

	it('surfaces 429 after exhausting retries as RateLimitError', async () => {
		submit().reply(429, { error: { message: 'slow' } }).times(4);
		await expect(client.createVideo(body)).rejects.toBeInstanceOf(RateLimitError);
	});
});

describe('parseRetryAfter', () => {
	it('reads seconds and HTTP dates', () => {
		expect(parseRetryAfter('2')).toBe(2000);
		expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
		expect(parseRetryAfter('soon')).toBeUndefined();
	});
});
