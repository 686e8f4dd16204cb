import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makesVideo } from '../../src/services/relaydance/model-catalog.js';
import { IMAGE_SIZES, SAMPLE_IMAGE, SIMULATED_MODELS, startRelayDanceSimulator, type RelayDanceSimulator } from '../../stand-ins/relaydance/simulator.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const IMAGE_MODELS = ['grok-imagine-image', 'grok-imagine-image-quality'];

interface ImageItem {
	url?: string;
	b64_json?: string;
	revised_prompt?: string;
}
interface ImagesAnswer {
	created: number;
	data: ImageItem[];
}
interface ErrorAnswer {
	error: { message: string; type: string; code?: string };
}

let simulator: RelayDanceSimulator;
beforeAll(async () => {
	// Generation time 0 by default here; the tests of timing set it per prompt or start their own.
	simulator = await startRelayDanceSimulator({ imageMs: 0, keepFiles: true });
});
afterAll(async () => {
	await simulator.close();
});

let serial = 0;
/** A prompt no other test shares, so per-prompt counters never collide. */
const prompt = (text: string) => `${text} #${++serial}`;

async function generate(body: Record<string, unknown>, target: RelayDanceSimulator = simulator, key = 'sk-test'): Promise<{ status: number; json: unknown; response: Response }> {
	const response = await fetch(`${target.apiUrl}/images/generations`, {
		method: 'POST',
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify({ model: 'grok-imagine-image', ...body }),
	});
	return { status: response.status, json: await response.json(), response };
}

async function images(body: Record<string, unknown>): Promise<ImagesAnswer> {
	const { status, json } = await generate(body);
	expect(status, JSON.stringify(json)).toBe(200);
	return json as ImagesAnswer;
}

async function refusal(body: Record<string, unknown>): Promise<{ status: number; error: ErrorAnswer['error'] }> {
	const { status, json } = await generate(body);
	return { status, error: (json as ErrorAnswer).error };
}

/** Downloads an item's url as the bot would (following redirects) and checks it is the PNG, with its length declared. */
async function download(url: string): Promise<Buffer> {
	const response = await fetch(url);
	expect(response.status).toBe(200);
	expect(response.headers.get('content-type')).toBe('image/png');
	expect(response.headers.get('content-length')).toBe(String(SAMPLE_IMAGE.length));
	return Buffer.from(await response.arrayBuffer());
}

describe('simulated POST /v1/images/generations', () => {
	it('answers n=2 with two distinct urls, each serving a downloadable PNG', async () => {
		const answer = await images({ prompt: prompt('two foxes'), n: 2, size: '1024x1024' });
		expect(answer.created).toBeGreaterThan(1_700_000_000);
		expect(answer.data).toHaveLength(2);
		const urls = answer.data.map((item) => item.url!);
		expect(new Set(urls).size).toBe(2);
		for (const item of answer.data) {
			expect(Object.keys(item)).toEqual(['url']);
			expect(item.url).toMatch(new RegExp(`^${simulator.url}/outputs/img_[0-9a-z]+\\.png$`));
			const bytes = await download(item.url!);
			expect(bytes.subarray(0, 8)).toEqual(PNG_SIGNATURE);
			expect(bytes).toEqual(SAMPLE_IMAGE);
		}
	});

	it('makes one image when n is not given', async () => {
		expect((await images({ prompt: prompt('one fox') })).data).toHaveLength(1);
	});

	it('keeps serving earlier images, but not image ids it never made', async () => {
		const [first] = (await images({ prompt: prompt('kept') })).data;
		await images({ prompt: prompt('later'), n: 4 });
		await download(first!.url!);
		const forged = first!.url!.replace(/img_([0-9a-z]+)\.png$/, (_, id: string) => `img_${id.slice(0, -1)}${id.endsWith('0') ? '1' : '0'}.png`);
		expect((await fetch(forged)).status).toBe(404);
		expect((await fetch(`${simulator.url}/outputs/img_bogus.png`)).status).toBe(404);
	});

	it('records the request, with the ids of its images, and wakes waitForRequest', async () => {
		const marker = prompt('recorded');
		const waiting = simulator.waitForRequest((request) => request.path === '/v1/images/generations' && JSON.stringify(request.body).includes(marker), 5_000);
		const answer = await images({ prompt: marker, n: 2 });
		const recorded = await waiting;
		expect(recorded).toMatchObject({ method: 'POST', body: { prompt: marker, n: 2 } });
		expect(recorded.imageIds).toHaveLength(2);
		expect(answer.data.map((item) => item.url!.split('/').pop())).toEqual(recorded.imageIds!.map((id) => `${id}.png`));
		expect(simulator.requestsFor(marker)).toEqual([recorded]);
	});

	it('sim:b64 answers every item as b64_json of the PNG, without url', async () => {
		const answer = await images({ prompt: prompt('inline sim:b64'), n: 2 });
		expect(answer.data).toHaveLength(2);
		for (const item of answer.data) {
			expect(item.url).toBeUndefined();
			const bytes = Buffer.from(item.b64_json!, 'base64');
			expect(bytes.subarray(0, 8)).toEqual(PNG_SIGNATURE);
			expect(bytes).toEqual(SAMPLE_IMAGE);
		}
	});

	it('sim:b64=1 answers the first item as b64_json and the rest as urls', async () => {
		const answer = await images({ prompt: prompt('mixed sim:b64=1'), n: 3 });
		expect(answer.data.map((item) => Object.keys(item))).toEqual([['b64_json'], ['url'], ['url']]);
		expect(Buffer.from(answer.data[0]!.b64_json!, 'base64')).toEqual(SAMPLE_IMAGE);
		for (const item of answer.data.slice(1)) expect(await download(item.url!)).toEqual(SAMPLE_IMAGE);
	});

	it('sim:revised adds revised_prompt: the prompt without its sim: words, restyled', async () => {
		const answer = await images({ prompt: 'a red  fox sim:revised in snow sim:b64=1', n: 2 });
		expect(answer.data.map((item) => item.revised_prompt)).toEqual(Array(2).fill('a red fox in snow, in a vivid illustrated style'));
		expect(answer.data[0]!.b64_json).toBeDefined();
		expect(answer.data[1]!.url).toBeDefined();
	});

	it('sim:partial=1 answers one item although n=3 were asked', async () => {
		const answer = await images({ prompt: prompt('short sim:partial=1'), n: 3 });
		expect(answer.data).toHaveLength(1);
		await download(answer.data[0]!.url!);
		expect((await images({ prompt: prompt('none sim:partial=0'), n: 2 })).data).toEqual([]);
	});

	it('sim:reject refuses with content_policy_violation; sim:reject=CODE with that code', async () => {
		expect(await refusal({ prompt: prompt('unsafe sim:reject') })).toEqual({
			status: 400,
			error: { message: 'Your request was rejected by the safety system', type: 'invalid_request_error', code: 'content_policy_violation' },
		});
		const coded = await refusal({ prompt: prompt('unsafe sim:reject=moderation_blocked') });
		expect(coded.status).toBe(400);
		expect(coded.error.code).toBe('moderation_blocked');
	});

	it('refuses an n that is not an integer from 1 to 4', async () => {
		for (const n of [0, 5, 1.5, '2', null]) {
			const { status, error } = await refusal({ prompt: prompt('count'), n });
			expect(status, `n=${JSON.stringify(n)}`).toBe(400);
			expect(error.type).toBe('invalid_request_error');
			expect(error.message).toContain("'n' must be an integer from 1 to 4");
		}
	});

	it('refuses a size the model does not make, naming the allowed sizes', async () => {
		const { status, error } = await refusal({ prompt: prompt('size'), size: '512x512' });
		expect(status).toBe(400);
		expect(error.type).toBe('invalid_request_error');
		expect(error.message).toContain('512x512');
		expect(error.message).toContain(IMAGE_SIZES.join(', '));
		for (const size of IMAGE_SIZES) expect((await generate({ model: 'grok-imagine-image-quality', prompt: prompt('size'), size })).status).toBe(200);
	});

	it('refuses a video model: it does not make images', async () => {
		const { status, error } = await refusal({ model: 'doubao-seedance-2-0-720p', prompt: prompt('video model') });
		expect(status).toBe(400);
		expect(error.type).toBe('invalid_request_error');
		expect(error.message).toContain("The model 'doubao-seedance-2-0-720p' does not make images");
		expect(error.message).toContain('grok-imagine-image');
	});

	it('refuses an unknown model with 404, as the video route does', async () => {
		expect(await refusal({ model: 'no-such-model', prompt: prompt('unknown') })).toEqual({
			status: 404,
			error: { message: "The model 'no-such-model' does not exist", type: 'invalid_request_error' },
		});
	});

	it('refuses a missing prompt, a missing model and a malformed body', async () => {
		expect(await refusal({ prompt: '  ' })).toMatchObject({ status: 400, error: { message: "'prompt' is required" } });
		expect(await refusal({ model: undefined, prompt: prompt('no model') })).toMatchObject({ status: 400, error: { message: "'model' is required" } });
		const response = await fetch(`${simulator.apiUrl}/images/generations`, { method: 'POST', headers: { authorization: 'Bearer sk-test' }, body: '{"model":' });
		expect(response.status).toBe(400);
		expect(((await response.json()) as ErrorAnswer).error.message).toBe('malformed JSON body');
	});

	it('takes up to 4 reference image urls in image, and refuses anything else there', async () => {
		const form = new FormData();
		form.append('file', new Blob([SAMPLE_IMAGE], { type: 'image/png' }), 'ref.png');
		const uploaded = (await (await fetch(`${simulator.apiUrl}/files`, { method: 'POST', body: form, headers: { authorization: 'Bearer sk-test' } })).json()) as { url: string };
		const references = [uploaded.url, 'https://cdn.example.com/a.png', 'http://cdn.example.com/b.png', uploaded.url];
		expect((await generate({ prompt: prompt('referenced'), image: references })).status).toBe(200);

		const tooMany = await refusal({ prompt: prompt('refs'), image: [...references, uploaded.url] });
		expect(tooMany).toMatchObject({ status: 400, error: { type: 'invalid_request_error' } });
		expect(tooMany.error.message).toContain('at most 4 reference images');
		expect((await refusal({ prompt: prompt('refs'), image: uploaded.url })).error.message).toContain("'image' must be an array");
		expect((await refusal({ prompt: prompt('refs'), image: [uploaded.url, 'ftp://x/y.png'] })).error.message).toContain("'image[1]' must be an http(s) URL");
		expect((await refusal({ prompt: prompt('refs'), image: [{ url: uploaded.url }] })).status).toBe(400);
	});

	it('takes the imageMs knob (300 ms by default) before answering; sim:imagems=MS overrides it', async () => {
		const timed = await startRelayDanceSimulator();
		try {
			expect(timed.knobs.imageMs).toBe(300);
			let started = performance.now();
			await generate({ prompt: prompt('default time') }, timed);
			expect(performance.now() - started).toBeGreaterThanOrEqual(290);
			started = performance.now();
			expect((await generate({ prompt: prompt('instant sim:imagems=0') }, timed)).status).toBe(200);
			expect(performance.now() - started).toBeLessThan(250);
		} finally {
			await timed.close();
		}
		const started = performance.now();
		await images({ prompt: prompt('slow sim:imagems=400') });
		expect(performance.now() - started).toBeGreaterThanOrEqual(390);
	});

	it('sim:submit429=N and sim:submit503=N fail the first N requests of the prompt, then it answers', async () => {
		const limited = prompt('busy sim:submit429=2');
		const first = await generate({ prompt: limited });
		expect(first.status).toBe(429);
		expect(first.response.headers.get('retry-after')).toBe('0');
		expect((first.json as ErrorAnswer).error.type).toBe('rate_limit_error');
		expect((await generate({ prompt: limited })).status).toBe(429);
		expect((await generate({ prompt: limited })).status).toBe(200);

		const unavailable = prompt('down sim:submit503=1');
		expect((await generate({ prompt: unavailable })).status).toBe(503);
		expect((await generate({ prompt: unavailable })).status).toBe(200);
	});

	it('sim:submit500 answers 500 every time', async () => {
		const failing = prompt('broken sim:submit500');
		for (let attempt = 0; attempt < 2; attempt++) {
			const { status, json } = await generate({ prompt: failing });
			expect(status).toBe(500);
			expect((json as ErrorAnswer).error.type).toBe('server_error');
		}
	});

	it('sim:submitdelay=MS delays the answer by MS on top of the generation time', async () => {
		const started = performance.now();
		await images({ prompt: prompt('late sim:submitdelay=300 sim:imagems=100') });
		expect(performance.now() - started).toBeGreaterThanOrEqual(390);
	});

	it('sim:redirect=N gives urls that redirect N times (302) before the PNG', async () => {
		const answer = await images({ prompt: prompt('moved sim:redirect=2'), n: 2 });
		for (const item of answer.data) {
			expect(new URL(item.url!).pathname).toMatch(/^\/redirect\/2\/img_[0-9a-z]+\.png$/);
			let hops = 0;
			let next = item.url!;
			for (;;) {
				const response = await fetch(next, { redirect: 'manual' });
				if (response.status !== 302) break;
				hops += 1;
				next = new URL(response.headers.get('location')!, next).href;
			}
			expect(hops).toBe(2);
			expect(await download(item.url!)).toEqual(SAMPLE_IMAGE);
		}
	});

	it('sim:resulthost=HOST names that host in each url', async () => {
		const answer = await images({ prompt: prompt('elsewhere sim:resulthost=127.0.0.2') });
		expect(new URL(answer.data[0]!.url!).host).toBe(`127.0.0.2:${new URL(simulator.url).port}`);
	});

	it('checks the API key as the other routes do', async () => {
		const locked = await startRelayDanceSimulator({ apiKey: 'sk-right', imageMs: 0 });
		try {
			for (const key of ['sk-wrong', '']) {
				const { status, json } = await generate({ prompt: prompt('locked') }, locked, key);
				expect(status).toBe(401);
				expect((json as ErrorAnswer).error.type).toBe('authentication_error');
			}
			expect((await generate({ prompt: prompt('unlocked') }, locked, 'sk-right')).status).toBe(200);
		} finally {
			await locked.close();
		}
	});
});

describe('simulated GET /v1/models', () => {
	it('says which endpoint each model serves, so the catalog tells video models from image ones', async () => {
		const response = await fetch(`${simulator.apiUrl}/models`, { headers: { authorization: 'Bearer sk-test' } });
		const { data } = (await response.json()) as { data: Array<{ id: string; supported_endpoint_types: string[] }> };
		expect(data.map((model) => model.id)).toEqual(SIMULATED_MODELS);
		for (const model of data) {
			const image = IMAGE_MODELS.includes(model.id);
			expect(model.supported_endpoint_types).toEqual(image ? ['image-generation'] : ['openai-video']);
			expect(makesVideo({ id: model.id, endpoints: model.supported_endpoint_types }), model.id).toBe(!image);
		}
	});
});
