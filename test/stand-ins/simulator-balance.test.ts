import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BALANCE_REFUSALS, startRelayDanceSimulator, type BalanceMode, type RelayDanceSimulator } from '../../stand-ins/relaydance/simulator.js';

let simulator: RelayDanceSimulator;
beforeAll(async () => {
	simulator = await startRelayDanceSimulator({ imageMs: 0, queuedMs: 0, durationMs: 0 });
});
afterAll(async () => {
	await simulator.close();
});
afterEach(() => {
	simulator.setBalance(false);
});

let serial = 0;
/** A prompt no other test shares, to find its requests. */
const prompt = (text: string) => `${text} #${++serial}`;

async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown; response: Response }> {
	const response = await fetch(`${simulator.apiUrl}${path}`, {
		method,
		headers: { authorization: 'Bearer sk-test', ...(body !== undefined && { 'content-type': 'application/json' }) },
		...(body !== undefined && { body: JSON.stringify(body) }),
	});
	return { status: response.status, json: await response.json(), response };
}

const video = (text: string) => call('POST', '/video/generations', { model: 'doubao-seedance-2-0-720p', prompt: text, seconds: '5' });
const image = (text: string) => call('POST', '/images/generations', { model: 'grok-imagine-image', prompt: text });

const EXPECTED: Record<BalanceMode, { status: number; body: unknown }> = {
	'402': { status: 402, body: { error: { message: 'Insufficient account balance, please top up', type: 'insufficient_quota', code: 'insufficient_quota' } } },
	'403': { status: 403, body: { error: { message: 'user quota is not enough', type: 'new_api_error', code: 'insufficient_user_quota' } } },
	'429': { status: 429, body: { error: { message: 'You exceeded your current quota, please check your plan and billing details', type: 'insufficient_quota' } } },
};

describe('an exhausted balance (setBalance)', () => {
	it.each(['402', '403', '429'] as const)('mode %s refuses video and image submissions with its status and body, and creates nothing', async (mode) => {
		simulator.setBalance(mode);
		const tasksBefore = simulator.tasks.size;
		const marker = prompt(`broke ${mode}`);

		const videoAnswer = await video(`${marker} a cat`);
		const imageAnswer = await image(`${marker} a dog`);

		expect({ status: videoAnswer.status, body: videoAnswer.json }).toEqual(EXPECTED[mode]);
		expect({ status: imageAnswer.status, body: imageAnswer.json }).toEqual(EXPECTED[mode]);
		expect(BALANCE_REFUSALS[mode]).toEqual(EXPECTED[mode]);
		// A quota 429 is no rate limit: nothing says to retry.
		expect(videoAnswer.response.headers.get('retry-after')).toBeNull();
		expect(simulator.tasks.size).toBe(tasksBefore);
		const recorded = simulator.requestsFor(marker);
		expect(recorded.map((request) => [request.path, request.refused, request.taskId, request.imageIds])).toEqual([
			['/v1/video/generations', { reason: 'balance', status: Number(mode), by: 'setBalance' }, undefined, undefined],
			['/v1/images/generations', { reason: 'balance', status: Number(mode), by: 'setBalance' }, undefined, undefined],
		]);
	});

	it('refuses even a submission that would fail its checks, since the balance is looked at first', async () => {
		simulator.setBalance('403');
		const { status } = await call('POST', '/video/generations', { model: 'no-such-model', prompt: prompt('bad'), seconds: '99' });
		expect(status).toBe(403);
	});

	it('leaves reads working: models, polls of tasks made before, uploaded files', async () => {
		const made = await video(prompt('made before'));
		expect(made.status).toBe(200);
		const taskId = (made.json as { task_id: string }).task_id;
		simulator.setBalance('402');

		expect((await call('GET', '/models')).status).toBe(200);
		const poll = await call('GET', `/video/generations/${taskId}`);
		expect(poll.status).toBe(200);
		expect((poll.json as { task_id: string }).task_id).toBe(taskId);
		const form = new FormData();
		form.append('file', new Blob([Buffer.from('png bytes')], { type: 'image/png' }), 'ref.png');
		const upload = await fetch(`${simulator.apiUrl}/files`, { method: 'POST', headers: { authorization: 'Bearer sk-test' }, body: form });
		expect(upload.status).toBe(200);
	});

	it('lets submissions through again once topped up (setBalance(false))', async () => {
		simulator.setBalance('429');
		const marker = prompt('topped up');
		expect((await video(`${marker} first`)).status).toBe(429);
		simulator.setBalance(false);

		const videoAnswer = await video(`${marker} second`);
		const imageAnswer = await image(`${marker} third`);

		expect(videoAnswer.status).toBe(200);
		expect(simulator.tasks.has((videoAnswer.json as { task_id: string }).task_id)).toBe(true);
		expect(imageAnswer.status).toBe(200);
		expect(simulator.requestsFor(marker).map((request) => request.refused?.status)).toEqual([429, undefined, undefined]);
	});

	it('refuses before the prompt counters move: sim:submit429 still answers its 429 once topped up', async () => {
		const text = prompt('counted sim:submit429=1');
		simulator.setBalance('402');
		expect((await video(text)).status).toBe(402);
		simulator.setBalance(false);
		const first = await video(text);
		expect(first.status).toBe(429);
		expect((first.json as { error: { type: string } }).error.type).toBe('rate_limit_error');
		expect((await video(text)).status).toBe(200);
	});

	it('can be exhausted from the start (balanceExhausted knob)', async () => {
		const broke = await startRelayDanceSimulator({ balanceExhausted: '403' });
		try {
			const response = await fetch(`${broke.apiUrl}/images/generations`, {
				method: 'POST',
				headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
				body: JSON.stringify({ model: 'grok-imagine-image', prompt: 'a cat' }),
			});
			expect(response.status).toBe(403);
			expect(broke.refusedForBalance()).toHaveLength(1);
		} finally {
			await broke.close();
		}
	});
});

describe('sim:broke', () => {
	it('refuses that one submission with 402 and creates nothing, while other prompts go through', async () => {
		const tasksBefore = simulator.tasks.size;
		const marker = prompt('one broke');

		const refusedVideo = await video(`${marker} sim:broke`);
		const refusedImage = await image(`${marker} sim:broke again`);
		const fine = await video(`${marker} fine`);

		expect({ status: refusedVideo.status, body: refusedVideo.json }).toEqual(EXPECTED['402']);
		expect({ status: refusedImage.status, body: refusedImage.json }).toEqual(EXPECTED['402']);
		expect(fine.status).toBe(200);
		expect(simulator.tasks.size).toBe(tasksBefore + 1);
		expect(simulator.requestsFor(marker).map((request) => request.refused)).toEqual([
			{ reason: 'balance', status: 402, by: 'sim:broke' },
			{ reason: 'balance', status: 402, by: 'sim:broke' },
			undefined,
		]);
	});

	it('sim:broke=403 and sim:broke=429 answer in those modes', async () => {
		const forbidden = await video(prompt('sim:broke=403'));
		const quota = await image(prompt('sim:broke=429'));
		expect({ status: forbidden.status, body: forbidden.json }).toEqual(EXPECTED['403']);
		expect({ status: quota.status, body: quota.json }).toEqual(EXPECTED['429']);
	});
});
