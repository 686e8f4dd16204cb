import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { InteractionHandle, SentFile, SentMessage, WebhookRequest } from './interaction-handle.js';
import { allowedMentionsProblem, componentsV2Problem, editMessage, messageJson, toMessage, type MessageBody, type MessageContext } from './messages.js';
import { snowflake } from './payloads.js';

/**
 * The interaction's webhook: edits of the reply, uploads, follow-ups. Answers as Discord does
 * once the token is dead (401 50027) or the reply deleted (404 10008), and applies the handle's
 * fault knobs; every request is recorded in `handle.requests`.
 */
export function webhook(handle: InteractionHandle | undefined, request: { method: string; messageId: string | undefined; body: unknown; files: SentFile[] }, res: ServerResponse, context: MessageContext): void {
	const { method, messageId, body, files } = request;
	if (!handle) return json(res, 401, { message: 'Invalid Webhook Token', code: 50027 });
	const seen: WebhookRequest = { method, target: messageId ?? 'followup', files: files.length, status: 0, at: performance.now() };
	handle.requests.push(seen);
	const answer = (status: number, payload: Record<string, unknown>, headers: Record<string, string> = {}) => {
		seen.status = status;
		if (status >= 400) {
			seen.code = Number(payload.code ?? 0);
			handle.rejections.push({ status, code: seen.code, route: `${method} webhook`, message: String(payload.message) });
		}
		json(res, status, payload, headers);
		handle.changed();
	};
	if (handle.tokenExpired) return answer(401, { message: 'Invalid Webhook Token', code: 50027 });
	if (!handle.callback) return answer(404, { message: 'Unknown Webhook', code: 10015 });
	if (messageId === '@original' && handle.originalDeleted) return answer(404, { message: 'Unknown Message', code: 10008 });
	if (method === 'GET' && messageId === '@original' && handle.original) return answer(200, messageJson(handle.original, context));
	if (method === 'DELETE' && messageId === '@original') {
		handle.deleteOriginal();
		seen.status = 204;
		res.writeHead(204).end();
		return void handle.changed();
	}
	if (files.length > 0) {
		const fault = handle.failUploads.shift();
		if (fault === 'reset') {
			handle.changed();
			return void res.socket?.destroy();
		}
		if (fault?.status === 429) return answer(429, ...rateLimited(fault.retryAfter, fault.global, fault.code));
		if (fault) return answer(fault.status, { message: `stand-in fault ${fault.status}`, code: fault.code ?? 0, ...(fault.retryAfter !== undefined && { retry_after: fault.retryAfter }) });
		if (handle.uploadRateLimits > 0) {
			handle.uploadRateLimits -= 1;
			return answer(429, ...rateLimited());
		}
		if (tooLarge(files, handle.enforcedUploadLimit)) return answer(413, { message: 'Request entity too large', code: 40005 });
	} else if (method === 'PATCH' && handle.rateLimitEdits > 0) {
		handle.rateLimitEdits -= 1;
		return answer(429, ...rateLimited());
	}
	const mentions = allowedMentionsProblem((body as MessageBody | undefined)?.allowed_mentions);
	if (mentions) return answer(400, { message: mentions, code: 50035 });
	const v2 = componentsV2Problem(body, files, method === 'PATCH' && messageId === '@original' ? handle.original : undefined);
	if (v2) context.violation?.(`${method} webhook message: ${v2}`);
	if (v2) return answer(400, { message: 'Invalid Form Body', code: 50035, errors: [v2] });
	if (method === 'PATCH' && messageId === '@original') {
		const previous = handle.original;
		const next = editMessage(previous, (body ?? {}) as Record<string, unknown>, files, handle.channelId);
		setOriginal(handle, previous ? next : withInteraction(next, handle));
		return answer(200, messageJson(handle.original!, context));
	}
	if (method === 'POST' && !messageId) {
		const message = withInteraction(toMessage(body, files, handle.channelId), handle);
		handle.followups.push(message);
		return answer(200, messageJson(message, context));
	}
	return answer(404, { message: `stand-in has no webhook route ${method} ${messageId ?? ''}`, code: 0 });
}

/**
 * The reply becomes `message` (for a component answered with 6 or 7, the message the component
 * is on, changed where it lives); each state is kept in `history`.
 */
export function setOriginal(handle: InteractionHandle, message: SentMessage): void {
	handle.original = message;
	handle.history.push(message);
	handle.changed();
}

/** `message` as a response to `handle`'s interaction: it carries the interaction's metadata. */
export function withInteraction(message: SentMessage, handle: InteractionHandle): SentMessage {
	return handle.metadata ? { ...message, interaction: handle.metadata } : message;
}

/** A JSON body, or `payload_json` and the `files[n]` parts of a multipart one. */
export async function readBody(req: IncomingMessage, keepFiles: boolean): Promise<{ body: unknown; files: SentFile[] }> {
	const type = req.headers['content-type'] ?? '';
	if (type.startsWith('multipart/form-data')) {
		const form = await new Response(Readable.toWeb(req) as ReadableStream, { headers: { 'content-type': type } }).formData();
		const files: SentFile[] = [];
		for (const [key, value] of form) {
			if (!key.startsWith('files[') || typeof value === 'string') continue;
			const data = Buffer.from(await value.arrayBuffer());
			files.push({ id: snowflake(), filename: (value as File).name, size: data.length, contentType: value.type, data: keepFiles ? data : undefined });
		}
		const payload = form.get('payload_json');
		return { body: typeof payload === 'string' ? JSON.parse(payload) : undefined, files };
	}
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	if (chunks.length === 0) return { body: undefined, files: [] };
	return { body: JSON.parse(Buffer.concat(chunks).toString('utf8')), files: [] };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	const text = JSON.stringify(body);
	res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
	res.end(text);
}

function tooLarge(files: SentFile[], limit: number): boolean {
	return files.some((file) => file.size > limit);
}

/**
 * A 429 as Discord sends it (the spec's `RatelimitedResponse`: `message`, `retry_after` in seconds,
 * `global`, and `code` when given), with its headers: `Retry-After` and the `X-RateLimit-*` set
 * (@discordjs/rest reads the headers, the streamed upload the body).
 */
export function rateLimited(retryAfter = 0.05, global = false, code?: number): [Record<string, unknown>, Record<string, string>] {
	const body = { message: 'You are being rate limited.', retry_after: retryAfter, global, ...(code !== undefined && { code }) };
	const headers: Record<string, string> = {
		'retry-after': String(retryAfter),
		'x-ratelimit-limit': '5',
		'x-ratelimit-remaining': '0',
		'x-ratelimit-reset': ((Date.now() + retryAfter * 1000) / 1000).toFixed(3),
		'x-ratelimit-reset-after': String(retryAfter),
		'x-ratelimit-bucket': 'webhook-stand-in',
		'x-ratelimit-scope': global ? 'global' : 'user',
		...(global && { 'x-ratelimit-global': 'true' }),
	};
	return [body, headers];
}
