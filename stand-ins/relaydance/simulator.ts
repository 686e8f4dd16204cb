import { createHmac, randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { directivesOf, withoutDirectives, type Directives } from './directives.js';
import { IMAGE_MODEL_SIZES, validateImageRequest, validateVideoRequest } from './validate.js';

export { IMAGE_SIZES } from './validate.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const SAMPLE_VIDEO = readFileSync(`${FIXTURES}sample.mp4`);
/** What every generated image is: served at `/outputs/img_ID.png`, and as `b64_json`. */
export const SAMPLE_IMAGE = readFileSync(`${FIXTURES}generated.png`);
const SAMPLE_IMAGE_B64 = SAMPLE_IMAGE.toString('base64');

export const SIMULATED_MODELS = [
	'doubao-seedance-2-0-1080p',
	'doubao-seedance-2-0-720p',
	'seedance-1-5-pro',
	'seedance-1-5-pro-with-audio',
	'grok-imagine-image',
	'grok-imagine-image-quality',
];

/** Defaults for every task; a prompt's `sim:` directives override them per task. */
export interface SimulatorKnobs {
	/** Time a task spends `submitted` before it runs. */
	queuedMs: number;
	/** Time a task spends `running`. */
	durationMs: number;
	/** Time `POST /v1/images/generations` takes before it answers. */
	imageMs: number;
	/** Size of the finished video; above the fixture's size it is padded with a valid MP4 `free` box. */
	outputBytes: number;
	/** When set, only this bearer key is accepted; otherwise any non-empty key is. */
	apiKey?: string;
	/** Delay before each callback POST. */
	callbackDelayMs: number;
	/**
	 * Keep uploaded reference files so `/files/ID` serves them (default). With false they are only
	 * counted (`stats.files`, `stats.fileBytes`): a benchmark uploads gigabytes.
	 */
	keepFiles: boolean;
	/**
	 * The account's balance has run out (`setBalance` changes it while running): every video and
	 * image submission is refused, before anything is checked or created, in the shape `BALANCE_REFUSALS`
	 * gives for the mode. Reads (polls, models, files) and uploads keep working. Default `false`.
	 */
	balanceExhausted: BalanceExhausted;
	/**
	 * How many of the simulator's milliseconds pass in one real millisecond (default 1), fixed at
	 * start: task times (`queuedMs`, `durationMs`, `sim:queued`, `sim:duration`, `callbackDelayMs`)
	 * and `failPolls` spans run on this clock, so a test plays minutes of RelayDance's time in
	 * seconds. Answer delays (`imageMs`, `sim:submitdelay`) and `Retry-After` stay real.
	 */
	timeScale: number;
}

/**
 * An outage of `GET /v1/video/generations/:id` (every task, known or not) for `forMs` of the
 * simulator's clock, while tasks keep rendering: each poll answers `status` with an error body
 * (and `Retry-After: retryAfter` seconds when given), or with `'reset'` has its connection destroyed.
 */
export interface PollFailure {
	status: number | 'reset';
	forMs: number;
	retryAfter?: number;
}

/** How an exhausted balance is answered: `'403'` as RelayDance documents it, `'402'` and `'429'` as other gateways do. */
export type BalanceMode = '402' | '403' | '429';
export type BalanceExhausted = false | BalanceMode;

/**
 * What a submission gets while the balance is exhausted, by mode: `403` is the contract's
 * "insufficient balance" (new-api's `insufficient_user_quota`); `402` a gateway's Payment
 * Required; `429` OpenAI's `insufficient_quota` (a 429 that is no rate limit: no `Retry-After`).
 */
export const BALANCE_REFUSALS: Record<BalanceMode, { status: number; body: { error: { message: string; type: string; code?: string } } }> = {
	'402': { status: 402, body: { error: { message: 'Insufficient account balance, please top up', type: 'insufficient_quota', code: 'insufficient_quota' } } },
	'403': { status: 403, body: { error: { message: 'user quota is not enough', type: 'new_api_error', code: 'insufficient_user_quota' } } },
	'429': { status: 429, body: { error: { message: 'You exceeded your current quota, please check your plan and billing details', type: 'insufficient_quota' } } },
};

export interface RecordedRequest {
	method: string;
	path: string;
	body?: unknown;
	at: number;
	/** For a submission that created a task: its id. */
	taskId?: string;
	/** For an image generation that passed its checks: the ids (`img_…`) of the images it answers with. */
	imageIds?: string[];
	/**
	 * Set on a submission refused for want of balance (nothing was created): the status it got, and
	 * why: the `balanceExhausted` knob (`setBalance`) or the prompt's `sim:broke`.
	 */
	refused?: { reason: 'balance'; status: number; by: 'setBalance' | 'sim:broke' };
}

interface SimTask {
	id: string;
	model: string;
	createdAt: number;
	directives: Directives;
	callbackUrl?: string;
	metadata: Record<string, unknown>;
	polls: number;
	callbackSent: boolean;
	/** When a poll first answered `succeeded` (performance.now()). */
	succeededServedAt?: number;
}

export type RelayDanceSimulator = Awaited<ReturnType<typeof startRelayDanceSimulator>>;

/**
 * A local RelayDance: the contract's routes, with knobs for timing, failures, 429/5xx, malformed
 * bodies and stuck tasks. Per-request work is constant, so it stays cheap under benchmark load.
 */
export async function startRelayDanceSimulator(options: Partial<SimulatorKnobs> & { port?: number; host?: string; record?: boolean } = {}) {
	const knobs: SimulatorKnobs = { queuedMs: 200, durationMs: 1_500, imageMs: 300, outputBytes: SAMPLE_VIDEO.length, callbackDelayMs: 0, keepFiles: true, balanceExhausted: false, timeScale: 1, ...options };
	const startedAt = Date.now();
	/** The simulator's clock: real time since start, `timeScale` times faster. */
	const clock = () => startedAt + (Date.now() - startedAt) * knobs.timeScale;
	let pollOutage: (PollFailure & { until: number }) | undefined;
	const tasks = new Map<string, SimTask>();
	const files = new Map<string, { data: Buffer; type: string }>();
	const requests: RecordedRequest[] = [];
	const record = options.record ?? true;
	const submitAttempts = new Map<string, number>();
	/** Signs image ids, so `/outputs/img_ID.png` serves every image this simulator made (and only those) without keeping anything per image. */
	const imageSecret = randomBytes(16);
	let counter = 0;
	let baseUrl = '';
	let port = 0;
	/** Requests under /v1, counted even when `record` is off; uploaded files and their bytes, kept or not; polls failed by `failPolls`. */
	const events = new EventEmitter().setMaxListeners(0);
	/** Every fetch of a generated output (`/outputs/…`), held or not, in order. */
	const outputFetches: Array<{ path: string; at: number; held: boolean }> = [];
	/** While set (`holdImageOutputs`), fetches of generated images wait here until released. */
	let heldImageOutputs: Array<() => void> | undefined;
	const stats = { requests: 0, files: 0, fileBytes: 0, failedPolls: 0 };

	const server = createServer((req, res) => {
		handle(req, res).catch((error: unknown) => {
			if (!res.headersSent) send(res, 500, { error: { message: String(error), type: 'server_error' } });
			else res.destroy();
		});
	});
	server.keepAliveTimeout = 60_000;

	async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', 'http://localhost');
		const path = url.pathname;
		if (req.method === 'GET' && path.startsWith('/outputs/')) {
			const held = heldImageOutputs !== undefined && path.endsWith('.png');
			outputFetches.push({ path, at: Date.now(), held });
			events.emit('output');
			if (held) return void heldImageOutputs!.push(() => serveOutput(path, res));
			return serveOutput(path, res);
		}
		if (req.method === 'GET' && path.startsWith('/redirect/')) return redirectOutput(path, url.search, res);
		if (req.method === 'GET' && path.startsWith('/files/')) return serveFile(path, res);
		if (!path.startsWith('/v1/')) return send(res, 404, { error: { message: `no route ${path}`, type: 'invalid_request_error' } });
		stats.requests += 1;

		const auth = req.headers.authorization ?? '';
		const key = auth.startsWith('Bearer ') ? auth.slice(7) : '';
		if (!key || (knobs.apiKey && key !== knobs.apiKey)) {
			req.resume();
			return send(res, 401, { error: { message: 'The API key provided is invalid or has been revoked.', type: 'authentication_error' } });
		}

		if (req.method === 'POST' && path === '/v1/files') return uploadFile(req, res);
		const body = req.method === 'POST' ? await readJson(req) : undefined;
		if (record) recordRequest({ method: req.method ?? 'GET', path, body, at: Date.now() });

		if (req.method === 'GET' && path === '/v1/models') {
			const endpoints = (id: string) => (IMAGE_MODEL_SIZES[id] ? ['image-generation'] : ['openai-video']);
			return send(res, 200, { object: 'list', data: SIMULATED_MODELS.map((id) => ({ id, object: 'model', owned_by: 'relaydance', supported_endpoint_types: endpoints(id) })) });
		}
		const recorded = record ? requests.at(-1) : undefined;
		if (req.method === 'POST' && (path === '/v1/video/generations' || path === '/v1/images/generations') && refuseForBalance(body, res, recorded)) return;
		if (req.method === 'POST' && path === '/v1/video/generations') return submitVideo(body, res, requests.at(-1));
		const poll = /^\/v1\/video\/generations\/([^/]+)$/.exec(path);
		if (req.method === 'GET' && poll) return readTask(decodeURIComponent(poll[1]!), res);
		if (req.method === 'POST' && path === '/v1/images/generations') return generateImage(body, res, requests.at(-1));
		return send(res, 404, { error: { message: `Invalid URL (${req.method} ${path})`, type: 'invalid_request_error' } });
	}

	/** Keeps a request and tells whoever waits on `waitForRequest`. */
	function recordRequest(request: RecordedRequest): void {
		requests.push(request);
		events.emit('request', request);
	}

	/**
	 * While the balance is exhausted (the knob, or the prompt's `sim:broke`), answers the
	 * submission with the mode's refusal and marks the recorded request; true when it did. It
	 * comes first: no `sim:submit429`-style counter moves, nothing is validated or created.
	 */
	function refuseForBalance(body: unknown, res: ServerResponse, recorded: RecordedRequest | undefined): boolean {
		const broke = directivesOf(promptOf(body)).broke;
		const mode = knobs.balanceExhausted || broke;
		if (!mode) return false;
		const refusal = BALANCE_REFUSALS[mode];
		if (recorded) recorded.refused = { reason: 'balance', status: refusal.status, by: knobs.balanceExhausted ? 'setBalance' : 'sim:broke' };
		send(res, refusal.status, refusal.body);
		return true;
	}

	/**
	 * Answers `sim:submit429=N`, `sim:submit503=N` (the first N submissions of the same prompt, per
	 * route) and `sim:submit500`; true when it did.
	 */
	function submitFault(route: string, prompt: string, directives: Directives, res: ServerResponse): boolean {
		const key = `${route} ${prompt}`;
		const attempt = (submitAttempts.get(key) ?? 0) + 1;
		submitAttempts.set(key, attempt);
		if (attempt <= directives.submit429) {
			res.setHeader('retry-after', '0');
			send(res, 429, { error: { message: 'Rate limit reached for requests', type: 'rate_limit_error' } });
		} else if (attempt <= directives.submit503) send(res, 503, { error: { message: 'No available channel for model', type: 'server_error' } });
		else if (directives.submit500) send(res, 500, { error: { message: 'upstream error: do request failed', type: 'server_error' } });
		else return false;
		return true;
	}

	function promptOf(body: unknown): string {
		return typeof (body as { prompt?: unknown })?.prompt === 'string' ? (body as { prompt: string }).prompt : '';
	}

	function submitVideo(body: unknown, res: ServerResponse, recorded: RecordedRequest | undefined): void {
		const prompt = promptOf(body);
		const directives = directivesOf(prompt);
		if (submitFault('video', prompt, directives, res)) return;

		const problem = validateVideoRequest(body, SIMULATED_MODELS);
		if (problem) return send(res, problem.status, { error: { message: problem.message, type: problem.type } });

		const { model, metadata = {} } = body as { model: string; metadata?: Record<string, unknown> };
		const id = `task_${(++counter).toString(36)}${randomBytes(4).toString('hex')}`;
		const task: SimTask = {
			id,
			model,
			createdAt: clock(),
			directives,
			callbackUrl: typeof metadata.callback_url === 'string' ? metadata.callback_url : undefined,
			metadata: { ratio: metadata.ratio ?? '16:9', resolution: metadata.resolution ?? '720p' },
			polls: 0,
			callbackSent: false,
		};
		tasks.set(id, task);
		if (recorded) recorded.taskId = id;
		scheduleCallback(task);
		const answer = () => {
			if (res.destroyed) return; // the client went away; the task exists all the same
			if (directives.gateway) send(res, 200, { id, task_id: id, object: 'video', status: 'queued', progress: 0 });
			else send(res, 200, { task_id: id, status: 'submitted' });
		};
		if (directives.submitDelayMs > 0) setTimeout(answer, directives.submitDelayMs).unref();
		else answer();
	}

	function readTask(id: string, res: ServerResponse): void {
		if (pollOutage && clock() < pollOutage.until) return failPoll(pollOutage, res);
		const task = tasks.get(id);
		if (!task) return send(res, 404, { error: { message: `task ${id} not found`, type: 'invalid_request_error' } });
		task.polls += 1;
		if (task.polls <= task.directives.poll500) return send(res, 500, { error: { message: 'upstream poll failed', type: 'server_error' } });
		if (task.polls <= task.directives.poll500 + task.directives.malformed) return send(res, 200, { unexpected: 'shape' });
		const json = taskJson(task);
		if (json.status === 'succeeded') task.succeededServedAt ??= performance.now();
		send(res, 200, task.directives.gateway ? gatewayShape(json) : json);
	}

	function failPoll(outage: PollFailure, res: ServerResponse): void {
		stats.failedPolls += 1;
		if (outage.status === 'reset') return void res.socket?.destroy();
		if (outage.retryAfter !== undefined) res.setHeader('retry-after', String(outage.retryAfter));
		const type = outage.status === 401 ? 'authentication_error' : outage.status === 429 ? 'rate_limit_error' : outage.status >= 500 ? 'server_error' : 'invalid_request_error';
		send(res, outage.status, { error: { message: `Simulated outage: HTTP ${outage.status}`, type } });
	}

	function taskJson(task: SimTask): Record<string, unknown> {
		const elapsed = clock() - task.createdAt;
		const queuedMs = task.directives.queuedMs ?? knobs.queuedMs;
		const durationMs = task.directives.durationMs ?? knobs.durationMs;
		const base = { task_id: task.id, format: 'mp4', metadata: task.metadata };
		if (elapsed < queuedMs) return { ...base, status: 'submitted' };
		if (task.directives.stuck || elapsed < queuedMs + durationMs) {
			const progress = task.directives.stuck ? 42 : Math.floor(((elapsed - queuedMs) / durationMs) * 100);
			return { ...base, status: 'running', progress: Math.min(99, progress) };
		}
		if (task.directives.fail) {
			return { task_id: task.id, status: 'failed', error: { code: task.directives.fail, message: `Simulated failure: ${task.directives.fail}` } };
		}
		const bytes = task.directives.bytes ?? knobs.outputBytes;
		const origin = task.directives.resultHost ? `http://${task.directives.resultHost}:${port}` : baseUrl;
		const path = task.directives.redirects > 0 ? `/redirect/${task.directives.redirects}/${task.id}` : `/outputs/${task.id}.mp4`;
		return { ...base, status: 'succeeded', url: `${origin}${path}?bytes=${bytes}&expires=${Date.now() + 86_400_000}` };
	}

	/** `/redirect/N/ID`: 302 to `/redirect/N-1/ID`, and from 1 to the output itself. */
	function redirectOutput(path: string, search: string, res: ServerResponse): void {
		const match = /^\/redirect\/(\d+)\/([^/]+)$/.exec(path);
		if (!match) return send(res, 404, { error: { message: 'no such redirect', type: 'invalid_request_error' } });
		const left = Number(match[1]) - 1;
		// A video task's id has no extension; an image's (`img_ID.png`) keeps its own.
		const next = left > 0 ? `/redirect/${left}/${match[2]}` : `/outputs/${match[2]}${match[2]!.includes('.') ? '' : '.mp4'}`;
		res.writeHead(302, { location: `${next}${search}`, 'content-length': 0 });
		res.end();
	}

	function gatewayShape(task: Record<string, unknown>): Record<string, unknown> {
		const status = { submitted: 'QUEUED', running: 'IN_PROGRESS', succeeded: 'SUCCESS', failed: 'FAILURE' }[task.status as string];
		const { task_id, url, progress, ...rest } = task;
		return { code: 'success', message: '', data: { ...rest, id: task_id, status, progress: progress === undefined ? undefined : `${progress}%`, result_url: url } };
	}

	/** Serves a generated image (the fixture PNG), or the fixture MP4 padded with a `free` box to the requested size, streamed. */
	function serveOutput(path: string, res: ServerResponse): void {
		const id = /^\/outputs\/([^/.]+)\.(mp4|png)$/.exec(path)?.[1];
		if (path.endsWith('.png')) {
			if (!id || !isImageId(id)) return send(res, 404, { error: { message: 'output not found', type: 'invalid_request_error' } });
			res.writeHead(200, { 'content-type': 'image/png', 'content-length': SAMPLE_IMAGE.length });
			return void res.end(SAMPLE_IMAGE);
		}
		const task = id ? tasks.get(id) : undefined;
		if (!task) return send(res, 404, { error: { message: 'output not found', type: 'invalid_request_error' } });
		if (task.directives.notVideo) {
			res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': SAMPLE_IMAGE.length });
			return void res.end(SAMPLE_IMAGE);
		}
		const bytes = Math.max(SAMPLE_VIDEO.length, task.directives.bytes ?? knobs.outputBytes);
		res.writeHead(200, { 'content-type': 'video/mp4', ...(!task.directives.chunked && { 'content-length': bytes }) });
		Readable.from(paddedVideo(bytes)).pipe(res);
	}

	function serveFile(path: string, res: ServerResponse): void {
		const file = files.get(path.slice('/files/'.length));
		if (!file) return send(res, 404, { error: { message: 'file not found', type: 'invalid_request_error' } });
		res.writeHead(200, { 'content-type': file.type, 'content-length': file.data.length });
		res.end(file.data);
	}

	async function uploadFile(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const form = await new Response(Readable.toWeb(req) as ReadableStream, { headers: { 'content-type': req.headers['content-type'] ?? '' } })
			.formData()
			.catch(() => undefined);
		const file = form?.get('file');
		if (!(file instanceof Blob)) return send(res, 400, { error: { message: "multipart field 'file' is required", type: 'invalid_request_error' } });
		const id = `file_${(++counter).toString(36)}${randomBytes(4).toString('hex')}`;
		stats.files += 1;
		stats.fileBytes += file.size;
		if (knobs.keepFiles) files.set(id, { data: Buffer.from(await file.arrayBuffer()), type: file.type || 'application/octet-stream' });
		if (record) recordRequest({ method: 'POST', path: '/v1/files', body: { name: (file as File).name, type: file.type, bytes: file.size }, at: Date.now() });
		send(res, 200, { id, object: 'file', bytes: file.size, url: `${baseUrl}/files/${id}` });
	}

	/** `img_<serial><signature>`: the simulator knows its own images without keeping a list of them. */
	function newImageId(): string {
		const serial = (++counter).toString(36);
		return `img_${serial}${imageSignature(serial)}`;
	}
	function imageSignature(serial: string): string {
		return createHmac('sha256', imageSecret).update(serial).digest('hex').slice(0, 12);
	}
	function isImageId(id: string): boolean {
		const match = /^img_([0-9a-z]+)([0-9a-f]{12})$/.exec(id);
		return match !== null && imageSignature(match[1]!) === match[2];
	}

	/**
	 * `POST /v1/images/generations`: checked like a video submission, then, after `imageMs` (or
	 * `sim:imagems`), `{ created, data: [{ url } | { b64_json }, …] }` with `n` items (fewer with
	 * `sim:partial`), each with `revised_prompt` under `sim:revised`.
	 */
	function generateImage(body: unknown, res: ServerResponse, recorded: RecordedRequest | undefined): void {
		const prompt = promptOf(body);
		const directives = directivesOf(prompt);
		if (submitFault('image', prompt, directives, res)) return;

		const problem = validateImageRequest(body, SIMULATED_MODELS);
		if (problem) return send(res, problem.status, { error: { message: problem.message, type: problem.type } });
		if (directives.reject) {
			return send(res, 400, { error: { message: 'Your request was rejected by the safety system', type: 'invalid_request_error', code: directives.reject } });
		}

		const { n = 1 } = body as { n?: number };
		const ids = Array.from({ length: Math.min(n, directives.partial ?? n) }, newImageId);
		if (recorded) recorded.imageIds = ids;
		const origin = directives.resultHost ? `http://${directives.resultHost}:${port}` : baseUrl;
		const revised = `${withoutDirectives(prompt)}, in a vivid illustrated style`;
		const data = ids.map((id, index) => ({
			...(index < directives.b64
				? { b64_json: SAMPLE_IMAGE_B64 }
				: { url: directives.redirects > 0 ? `${origin}/redirect/${directives.redirects}/${id}.png` : `${origin}/outputs/${id}.png` }),
			...(directives.revised && { revised_prompt: revised }),
		}));
		const answer = () => {
			if (!res.destroyed) send(res, 200, { created: Math.floor(Date.now() / 1000), data });
		};
		const delayMs = (directives.imageMs ?? knobs.imageMs) + directives.submitDelayMs;
		if (delayMs > 0) setTimeout(answer, delayMs).unref();
		else answer();
	}

	const callbackTimers = new Set<NodeJS.Timeout>();
	/** Posts the task to its callback URL once it reaches a final state (never, for a stuck task). */
	function scheduleCallback(task: SimTask): void {
		if (!task.callbackUrl || task.directives.stuck || task.directives.noCallback) return;
		const due = ((task.directives.queuedMs ?? knobs.queuedMs) + (task.directives.durationMs ?? knobs.durationMs) + knobs.callbackDelayMs) / knobs.timeScale;
		const timer = setTimeout(() => {
			callbackTimers.delete(timer);
			task.callbackSent = true;
			void deliverCallback(task.callbackUrl!, taskJson(task));
		}, due);
		callbackTimers.add(timer);
	}

	async function deliverCallback(url: string, json: Record<string, unknown>): Promise<void> {
		for (let attempt = 0; attempt < 3; attempt++) {
			if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, attempt * 500));
			const ok = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) })
				.then((response) => response.ok)
				.catch(() => false);
			if (ok) return;
		}
	}

	await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
	port = (server.address() as AddressInfo).port;
	baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;

	return {
		url: baseUrl,
		/** What the bot's `RELAYDANCE_BASE_URL` should be. */
		apiUrl: `${baseUrl}/v1`,
		knobs,
		stats,
		requests,
		tasks,
		/**
		 * The account's balance from now on: `'402'`, `'403'` or `'429'` (exhausted: every video and
		 * image submission is refused with that mode's `BALANCE_REFUSALS` answer, recorded in
		 * `requests` with `refused`), or `false` (topped up: submissions go through again).
		 */
		setBalance(exhausted: BalanceExhausted): void {
			knobs.balanceExhausted = exhausted;
		},
		/** Every fetch of a generated output (`/outputs/…`: videos and images), in order, held ones marked. */
		outputFetches,
		/**
		 * From now on, fetches of generated images (`/outputs/img_….png`) wait unanswered until the
		 * returned function is called, which answers them all and serves later ones at once: a test
		 * can stop a worker while it downloads a job's images, and let the next one finish them.
		 */
		holdImageOutputs(): () => void {
			const waiting: Array<() => void> = (heldImageOutputs ??= []);
			return () => {
				if (heldImageOutputs === waiting) heldImageOutputs = undefined;
				for (const answer of waiting.splice(0)) answer();
			};
		},
		/** Resolves once `count` output fetches whose path matches `matches` have arrived (already, or to come). */
		async waitForOutputFetches(matches: (path: string) => boolean, count: number, timeoutMs = 15_000): Promise<void> {
			const signal = AbortSignal.timeout(timeoutMs);
			while (outputFetches.filter((fetch) => matches(fetch.path)).length < count) await once(events, 'output', { signal });
		},
		/** The simulator's clock (ms): real time, `timeScale` times faster. */
		now: clock,
		/**
		 * From now, polls answer `status` (or reset) for `forMs` of the simulator's clock while tasks
		 * keep rendering; counted in `stats.failedPolls`. A later call replaces the outage.
		 */
		failPolls(failure: PollFailure): void {
			pollOutage = { ...failure, until: clock() + failure.forMs };
		},
		/** Submissions refused for want of balance so far (recorded ones). */
		refusedForBalance(): RecordedRequest[] {
			return requests.filter((request) => request.refused?.reason === 'balance');
		},
		/** Resolves with the first recorded request (already seen, or still to come) that `matches`; rejects after `timeoutMs`. */
		async waitForRequest(matches: (request: RecordedRequest) => boolean, timeoutMs = 15_000): Promise<RecordedRequest> {
			const signal = AbortSignal.timeout(timeoutMs);
			for (;;) {
				const found = requests.find(matches);
				if (found) return found;
				await once(events, 'request', { signal });
			}
		},
		/** Requests whose JSON body's prompt contains `marker`, to follow one test's traffic. */
		requestsFor(marker: string): RecordedRequest[] {
			return requests.filter((request) => JSON.stringify(request.body ?? '').includes(marker));
		},
		/** Polls of the task created by the submission whose prompt holds `marker`. */
		pollsFor(marker: string): RecordedRequest[] {
			const taskIds = new Set(requests.filter((request) => request.taskId && JSON.stringify(request.body).includes(marker)).map((request) => request.taskId));
			return requests.filter((request) => request.method === 'GET' && taskIds.has(request.path.split('/').pop()));
		},
		async close(): Promise<void> {
			for (const timer of callbackTimers) clearTimeout(timer);
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}

function* paddedVideo(bytes: number): Generator<Buffer> {
	yield SAMPLE_VIDEO;
	let left = bytes - SAMPLE_VIDEO.length;
	if (left < 8) return void (left > 0 && (yield Buffer.alloc(left)));
	const header = Buffer.alloc(8);
	header.writeUInt32BE(left, 0);
	header.write('free', 4, 'latin1');
	yield header;
	left -= 8;
	const zeros = Buffer.alloc(64 * 1024);
	while (left > 0) {
		const size = Math.min(left, zeros.length);
		yield size === zeros.length ? zeros : zeros.subarray(0, size);
		left -= size;
	}
}

async function readJson(req: IncomingMessage): Promise<unknown> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	if (chunks.length === 0) return undefined;
	try {
		return JSON.parse(Buffer.concat(chunks).toString('utf8'));
	} catch {
		return Symbol.for('malformed');
	}
}

function send(res: ServerResponse, status: number, body: unknown): void {
	const text = JSON.stringify(body);
	res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-request-id': `req_${randomBytes(6).toString('hex')}` });
	res.end(text);
}
