import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { multipartBody } from '../multipart.js';
import type { z } from 'zod';
import { parseRetryAfter } from '../retry-after.js';
import { sleep } from '../sleep.js';
import type { CatalogModel } from './model-catalog.js';
import { APIConnectionError, APIError, APITimeoutError, InvalidResponseError, RateLimitError } from './errors.js';
import { isCreditExhausted } from './credit-gate.js';
import {
	errorBodySchema,
	gatewayErrorSchema,
	fileSchema,
	imagesSchema,
	modelsSchema,
	taskSchema,
	type CreateImagesBody,
	type CreateVideoBody,
	type GeneratedImageItem,
	type Task,
} from './schemas.js';

export interface RelayDanceClientOptions {
	baseUrl: string;
	apiKey: string;
	/** Per attempt, from sending the request to the end of the body. */
	timeoutMs: number;
	maxRetries: number;
	retryBaseDelayMs: number;
	retryMaxDelayMs: number;
	dispatcher: Dispatcher;
	/** Each attempt's answer, by route (`/video/generations/{id}`) and HTTP status, or `error` when none came. */
	onAnswer?: (method: string, route: string, status: number | 'error') => void;
}

export const CLIENT_DEFAULTS = {
	timeoutMs: 60_000,
	maxRetries: 3,
	retryBaseDelayMs: 500,
	retryMaxDelayMs: 8_000,
} as const satisfies Partial<RelayDanceClientOptions>;

/**
 * How far a request may be repeated. `idempotent`: reads and uploads, retried on anything
 * transient. `billable`: creates a task, retried only where RelayDance surely did not accept it
 * (429, 503, or a connection that never opened), so one request never becomes two paid tasks.
 */
type RetryPolicy = 'idempotent' | 'billable';

interface Call<T extends z.ZodType> {
	method: 'GET' | 'POST';
	path: string;
	/** The path with its ids as placeholders, for metrics; the path itself when it has none. */
	route?: string;
	schema: T;
	retry: RetryPolicy;
	json?: unknown;
	/** A multipart body, made afresh for each attempt. */
	form?: () => ReturnType<typeof multipartBody>;
	signal?: AbortSignal;
	/** Overrides the client's per-attempt timeout (a synchronous image generation takes longer than a read). */
	timeoutMs?: number;
}

/** An image generation answers when the images are made: it may take minutes. */
export const IMAGE_TIMEOUT_MS = 5 * 60_000;

/** A gateway's 503 for a model it has no upstream for: retrying cannot help. */
export const MODEL_NOT_FOUND = 'model_not_found';

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** A RelayDance API client. It knows nothing of Discord. */
export class RelayDanceClient {
	private readonly options: RelayDanceClientOptions;

	constructor(options: Pick<RelayDanceClientOptions, 'baseUrl' | 'apiKey'> & Partial<RelayDanceClientOptions>) {
		this.options = {
			...CLIENT_DEFAULTS,
			dispatcher: new Agent({ keepAliveTimeout: 30_000, connections: 64 }),
			...options,
			baseUrl: options.baseUrl.replace(/\/+$/, ''),
		};
	}

	listModels(signal?: AbortSignal): Promise<CatalogModel[]> {
		return this.call({ method: 'GET', path: '/models', schema: modelsSchema, retry: 'idempotent', signal }).then((body) =>
			body.data.map((model) => ({ id: model.id, endpoints: model.supported_endpoint_types })),
		);
	}

	/** Hands RelayDance a reference file and returns the URL to cite in `content[]`. */
	async uploadFile(file: { data: Uint8Array<ArrayBuffer>; name: string; contentType: string }, signal?: AbortSignal): Promise<string> {
		const form = () =>
			multipartBody({ purpose: 'reference' }, { field: 'file', name: file.name, contentType: file.contentType, bytes: file.data.byteLength, data: file.data });
		const body = await this.call({ method: 'POST', path: '/files', schema: fileSchema, retry: 'idempotent', form, signal });
		return body.url;
	}

	createVideo(body: CreateVideoBody, signal?: AbortSignal): Promise<Task> {
		return this.call({ method: 'POST', path: '/video/generations', schema: taskSchema, retry: 'billable', json: body, signal });
	}

	/** Generates images synchronously (billed like a submit: never repeated where RelayDance may have taken it). */
	async createImages(body: CreateImagesBody, signal?: AbortSignal): Promise<GeneratedImageItem[]> {
		const answer = await this.call({ method: 'POST', path: '/images/generations', schema: imagesSchema, retry: 'billable', json: body, signal, timeoutMs: IMAGE_TIMEOUT_MS });
		return answer.data;
	}

	getVideo(taskId: string, signal?: AbortSignal): Promise<Task> {
		const path = `/video/generations/${encodeURIComponent(taskId)}`;
		return this.call({ method: 'GET', path, route: '/video/generations/{id}', schema: taskSchema, retry: 'idempotent', signal });
	}


	private async call<T extends z.ZodType>(call: Call<T>): Promise<z.output<T>> {
		for (let attempt = 0; ; attempt++) {
			try {
				return await this.attempt(call);
			} catch (error) {
				if (attempt >= this.options.maxRetries || !shouldRetry(error, call.retry) || call.signal?.aborted) throw error;
				await sleep(this.retryDelay(error, attempt), call.signal);
			}
		}
	}

	private retryDelay(error: unknown, attempt: number): number {
		const { retryBaseDelayMs, retryMaxDelayMs } = this.options;
		if (error instanceof APIError && error.retryAfterMs !== undefined) return Math.min(error.retryAfterMs, 60_000);
		const backoff = Math.min(retryBaseDelayMs * 2 ** attempt, retryMaxDelayMs);
		return backoff * (0.75 + Math.random() * 0.25);
	}

	private async attempt<T extends z.ZodType>(call: Call<T>): Promise<z.output<T>> {
		const controller = new AbortController();
		const timer = setTimeout(() => controller.abort(new APITimeoutError()), call.timeoutMs ?? this.options.timeoutMs);
		const onAbort = () => controller.abort(call.signal?.reason);
		call.signal?.addEventListener('abort', onAbort, { once: true });
		try {
			const response = await this.send(call, controller.signal).catch((error: unknown) => {
				this.options.onAnswer?.(call.method, call.route ?? call.path, 'error');
				throw error;
			});
			this.options.onAnswer?.(call.method, call.route ?? call.path, response.statusCode);
			const text = await response.body.text();
			if (response.statusCode >= 400) throw errorFrom(response, text);
			let json: unknown;
			try {
				json = JSON.parse(text);
			} catch {
				throw new InvalidResponseError(call.path, 'not JSON');
			}
			const parsed = call.schema.safeParse(json);
			if (!parsed.success) throw new InvalidResponseError(call.path, parsed.error.issues.map((issue) => issue.message).join('; '));
			return parsed.data;
		} catch (error) {
			if (error instanceof APIError || error instanceof InvalidResponseError) throw error;
			if (controller.signal.reason instanceof APITimeoutError) throw controller.signal.reason;
			if (call.signal?.aborted) throw call.signal.reason;
			const code = (error as { code?: string }).code ?? '';
			throw new APIConnectionError(`Could not reach RelayDance (${code || 'connection error'})`, !CONNECT_FAILURES.has(code), { cause: error });
		} finally {
			clearTimeout(timer);
			call.signal?.removeEventListener('abort', onAbort);
		}
	}

	private send(call: Call<z.ZodType>, signal: AbortSignal) {
		const headers: Record<string, string> = { authorization: `Bearer ${this.options.apiKey}`, accept: 'application/json' };
		let body: string | Readable | undefined;
		if (call.json !== undefined) {
			headers['content-type'] = 'application/json';
			body = JSON.stringify(call.json);
		} else if (call.form) {
			const form = call.form();
			Object.assign(headers, form.headers);
			body = form.body;
		}
		return request(`${this.options.baseUrl}${call.path}`, {
			method: call.method,
			headers,
			body,
			signal,
			dispatcher: this.options.dispatcher,
		});
	}
}

function shouldRetry(error: unknown, policy: RetryPolicy): boolean {
	if (error instanceof APIConnectionError) return policy === 'idempotent' || !error.sent;
	// A 429 that says the balance is spent will say so again: no retry (the credit gate takes over).
	if (error instanceof RateLimitError) return !isCreditExhausted(error);
	if (!(error instanceof APIError)) return false;
	if (policy === 'billable') return error.status === 503 && error.code !== MODEL_NOT_FOUND;
	return error.status === 408 || error.status >= 500;
}

function errorFrom(response: Dispatcher.ResponseData, text: string): APIError {
	const header = (name: string) => {
		const value = response.headers[name];
		return Array.isArray(value) ? value[0] : value;
	};
	let message = text.slice(0, 300) || `HTTP ${response.statusCode}`;
	let code: string | undefined;
	try {
		const body = JSON.parse(text) as unknown;
		const documented = errorBodySchema.safeParse(body);
		const flat = gatewayErrorSchema.safeParse(body);
		if (documented.success) {
			message = documented.data.error.message;
			// The specific `code` (`model_not_found`) says more than the general `type` (`new_api_error`).
			const specific = documented.data.error.code;
			code = specific == null || specific === '' ? documented.data.error.type : String(specific);
		} else if (flat.success) {
			message = flat.data.message;
			code = String(flat.data.code);
		}
	} catch {
		// Not JSON (an HTML page from a proxy, say): keep the raw text.
	}
	return APIError.from(response.statusCode, message, code, header('x-request-id'), parseRetryAfter(header('retry-after')));
}
