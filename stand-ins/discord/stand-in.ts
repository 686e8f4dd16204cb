import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { StandInGateway } from './gateway.js';
import { InteractionHandle, type SentFile, type SentMessage } from './interaction-handle.js';
import { defaultSpecPath, OpenApiValidator } from './openapi-validator.js';
import { APP_PERMISSIONS, botUser, guildPayload, interactionToken, memberUser, snowflake, type StandInWorld } from './payloads.js';

export { InteractionHandle, textOf, type SentMessage } from './interaction-handle.js';

const MiB = 1024 * 1024;
const CALLBACK_DEADLINE_MS = 3_000;

/** A file a user attached to a slash command option. */
export interface CommandAttachment {
	data: Buffer;
	name: string;
	contentType?: string;
	/** The size Discord declares; defaults to the real size (set it to test a lying client). */
	size?: number;
}
export type OptionValue = string | number | boolean | CommandAttachment;

export interface InvokeOptions {
	userId?: string;
	/** `attachment_size_limit` of the interaction (boost tier / Nitro). Default 10 MiB. */
	attachmentSizeLimit?: number;
	/** Autocomplete: the option being typed. */
	focused?: string;
	/** Answer the first N file uploads to this interaction's webhook with 429. */
	rateLimitUploads?: number;
	/** Refuse uploads over this size (413, 40005), whatever `attachmentSizeLimit` told the bot. */
	enforcedUploadLimit?: number;
}

/** JSON bodies the stand-in checks against the official OpenAPI spec. */
const CHECKED_ROUTES: Array<[string, string]> = [
	['POST', '/interactions/{interaction_id}/{interaction_token}/callback'],
	['PATCH', '/webhooks/{webhook_id}/{webhook_token}/messages/@original'],
	['POST', '/webhooks/{webhook_id}/{webhook_token}'],
	['POST', '/channels/{channel_id}/messages'],
	['PUT', '/applications/{application_id}/commands'],
	['PUT', '/applications/{application_id}/guilds/{guild_id}/commands'],
];

export type DiscordStandIn = Awaited<ReturnType<typeof startDiscordStandIn>>;

/**
 * A local Discord: the REST routes the bot uses, a gateway, and an attachment CDN, so the real
 * discord.js client runs against it through `DISCORD_API_URL`. Every JSON body the bot sends is
 * checked against Discord's OpenAPI spec and refused (400, code 50035) when it does not fit.
 */
export async function startDiscordStandIn(options: { port?: number; keepFiles?: boolean; specPath?: string } = {}) {
	const world: StandInWorld = { applicationId: snowflake(), botUserId: '', guildId: snowflake(), channelId: snowflake() };
	world.botUserId = world.applicationId;
	const validator = new OpenApiValidator(options.specPath ?? defaultSpecPath(), CHECKED_ROUTES);
	const keepFiles = options.keepFiles ?? true;
	const byToken = new Map<string, InteractionHandle>();
	const byId = new Map<string, InteractionHandle>();
	const cdn = new Map<string, { data: Buffer; type: string }>();
	const channelMessages: SentMessage[] = [];
	const violations: string[] = [];
	const registered: { global?: unknown[]; guild?: unknown[] } = {};
	let baseUrl = '';

	const server = createServer((req, res) => {
		handle(req, res).catch((error: unknown) => {
			violations.push(`stand-in error on ${req.method} ${req.url}: ${String(error)}`);
			if (!res.headersSent) json(res, 500, { message: String(error), code: 0 });
		});
	});
	server.keepAliveTimeout = 60_000;
	const gateway = new StandInGateway(server, world, () => `${baseUrl.replace('http', 'ws')}/gateway`);

	async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', 'http://localhost');
		if (req.method === 'GET' && url.pathname.startsWith('/ephemeral-attachments/')) return serveAttachment(url.pathname, res);
		if (!url.pathname.startsWith('/api/v10/')) return json(res, 404, { message: '404: Not Found', code: 0 });
		const path = decodeURIComponent(url.pathname.slice('/api/v10'.length));
		const method = req.method ?? 'GET';
		const { body, files } = await readBody(req);
		const problems = body === undefined ? [] : validator.check(method, path, body);
		if (problems.length > 0) {
			violations.push(...problems);
			return json(res, 400, { message: 'Invalid Form Body', code: 50035, errors: problems });
		}
		const route = (pattern: RegExp) => pattern.exec(path);
		let match: RegExpExecArray | null;

		if (method === 'POST' && path === '/bench/sink') {
			// A plain upload target with the same multipart handling, for the delivery benchmark's baseline.
			return json(res, 200, { files: files.map((file) => ({ filename: file.filename, size: file.size })) });
		}
		if (method === 'GET' && path === '/gateway/bot') {
			return json(res, 200, { url: `${baseUrl.replace('http', 'ws')}/gateway`, shards: 1, session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 } });
		}
		if (method === 'GET' && path === '/gateway') return json(res, 200, { url: `${baseUrl.replace('http', 'ws')}/gateway` });
		if (method === 'GET' && path === '/users/@me') return json(res, 200, botUser(world));
		if (method === 'GET' && path === '/applications/@me') return json(res, 200, { id: world.applicationId, name: 'RelayDance', flags: 0, bot_public: true, bot_require_code_grant: false, verify_key: '0'.repeat(64), description: '' });
		if (method === 'PUT' && (match = route(/^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/))) {
			const saved = (body as Array<Record<string, unknown>>).map((command) => ({ ...command, id: snowflake(), application_id: match![1], version: snowflake() }));
			if (match[2]) registered.guild = saved;
			else registered.global = saved;
			return json(res, 200, saved);
		}
		if (method === 'POST' && (match = route(/^\/interactions\/(\d+)\/([^/]+)\/callback$/))) return interactionCallback(match[1]!, match[2]!, body, res);
		if ((match = route(/^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/([^/]+))?$/))) return webhook(method, match[2]!, match[3], body, files, res);
		if (method === 'POST' && (match = route(/^\/channels\/(\d+)\/messages$/))) {
			const rejected = tooLarge(files, 10 * MiB);
			if (rejected) return json(res, 413, { message: 'Request entity too large', code: 40005 });
			const message = toMessage(body, files, false);
			channelMessages.push(message);
			return json(res, 200, messageJson(message));
		}
		return json(res, 404, { message: `stand-in has no route ${method} ${path}`, code: 0 });
	}

	function interactionCallback(id: string, token: string, body: unknown, res: ServerResponse): void {
		const at = performance.now();
		const handle = byId.get(id);
		if (!handle || handle.token !== token) return json(res, 404, { message: 'Unknown interaction', code: 10062 });
		if (handle.callback) return json(res, 400, { message: 'Interaction has already been acknowledged.', code: 40060 });
		if (at - handle.sentAt > CALLBACK_DEADLINE_MS) {
			handle.rejections.push({ status: 404, code: 10062, route: 'callback', message: 'too late' });
			handle.changed();
			return json(res, 404, { message: 'Unknown interaction', code: 10062 });
		}
		const { type, data } = body as { type: number; data?: Record<string, unknown> };
		handle.callback = { type, data, at };
		if (type === 8) handle.choices = (data?.choices as InteractionHandle['choices']) ?? [];
		if (type === 4) setOriginal(handle, toMessage(data, [], Boolean(Number(data?.flags ?? 0) & 64)));
		if (type === 5) setOriginal(handle, toMessage({ content: '' }, [], Boolean(Number(data?.flags ?? 0) & 64)));
		res.writeHead(204).end();
		if (type !== 4 && type !== 5) handle.changed();
	}

	function webhook(method: string, token: string, messageId: string | undefined, body: unknown, files: SentFile[], res: ServerResponse): void {
		const handle = byToken.get(token);
		if (!handle) return json(res, 401, { message: 'Invalid Webhook Token', code: 50027 });
		if (!handle.callback) return json(res, 404, { message: 'Unknown Webhook', code: 10015 });
		if (method === 'GET' && messageId === '@original' && handle.original) return json(res, 200, messageJson(handle.original));
		if (method === 'DELETE' && messageId === '@original') {
			handle.original = undefined;
			res.writeHead(204).end();
			return void handle.changed();
		}
		if (files.length > 0 && handle.uploadRateLimits > 0) {
			handle.uploadRateLimits -= 1;
			handle.rejections.push({ status: 429, code: 0, route: `${method} webhook`, message: 'You are being rate limited.' });
			handle.changed();
			return json(res, 429, { message: 'You are being rate limited.', retry_after: 0.05, global: false });
		}
		if (tooLarge(files, handle.enforcedUploadLimit)) {
			handle.rejections.push({ status: 413, code: 40005, route: `${method} webhook`, message: 'Request entity too large' });
			handle.changed();
			return json(res, 413, { message: 'Request entity too large', code: 40005 });
		}
		if (method === 'PATCH' && messageId === '@original') {
			const previous = handle.original;
			const patch = (body ?? {}) as Record<string, unknown>;
			const next = toMessage({ content: previous?.content, embeds: previous?.embeds, ...patch }, files, previous?.ephemeral ?? false);
			if (!('attachments' in patch) && files.length === 0 && previous) next.files = previous.files;
			setOriginal(handle, { ...next, id: previous?.id ?? next.id });
			return json(res, 200, messageJson(handle.original!));
		}
		if (method === 'POST' && !messageId) {
			const message = toMessage(body, files, Boolean(Number((body as { flags?: number })?.flags ?? 0) & 64));
			handle.followups.push(message);
			handle.changed();
			return json(res, 200, messageJson(message));
		}
		return json(res, 404, { message: `stand-in has no webhook route ${method} ${messageId ?? ''}`, code: 0 });
	}

	function setOriginal(handle: InteractionHandle, message: SentMessage): void {
		handle.original = message;
		handle.history.push(message);
		handle.changed();
	}

	function serveAttachment(path: string, res: ServerResponse): void {
		const file = cdn.get(path);
		if (!file) return json(res, 404, { message: 'This content is no longer available.', code: 0 });
		res.writeHead(200, { 'content-type': file.type, 'content-length': file.data.length });
		res.end(file.data);
	}

	function toMessage(body: unknown, files: SentFile[], ephemeral: boolean): SentMessage {
		const data = (body ?? {}) as { content?: string; embeds?: Array<Record<string, unknown>>; allowed_mentions?: { parse?: string[]; users?: string[]; roles?: string[] } };
		const content = data.content ?? '';
		return { id: snowflake(), content, embeds: data.embeds ?? [], files, ephemeral, pinged: wouldPing(content, data.allowed_mentions), at: performance.now() };
	}

	function messageJson(message: SentMessage) {
		return {
			id: message.id,
			channel_id: world.channelId,
			type: 0,
			author: botUser(world),
			content: message.content,
			embeds: message.embeds,
			attachments: message.files.map((file, index) => ({
				id: snowflake(),
				filename: file.filename,
				size: file.size,
				content_type: file.contentType,
				url: `${baseUrl}/attachments/${world.channelId}/${index}/${file.filename}`,
				proxy_url: `${baseUrl}/attachments/${world.channelId}/${index}/${file.filename}`,
			})),
			mentions: [],
			mention_roles: [],
			mention_everyone: false,
			pinned: false,
			tts: false,
			timestamp: new Date().toISOString(),
			edited_timestamp: null,
			flags: message.ephemeral ? 64 : 0,
			components: [],
		};
	}

	async function readBody(req: IncomingMessage): Promise<{ body: unknown; files: SentFile[] }> {
		const type = req.headers['content-type'] ?? '';
		if (type.startsWith('multipart/form-data')) {
			const form = await new Response(Readable.toWeb(req) as ReadableStream, { headers: { 'content-type': type } }).formData();
			const files: SentFile[] = [];
			for (const [key, value] of form) {
				if (!key.startsWith('files[') || typeof value === 'string') continue;
				const data = Buffer.from(await value.arrayBuffer());
				files.push({ filename: (value as File).name, size: data.length, contentType: value.type, data: keepFiles ? data : undefined });
			}
			const payload = form.get('payload_json');
			return { body: typeof payload === 'string' ? JSON.parse(payload) : undefined, files };
		}
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		if (chunks.length === 0) return { body: undefined, files: [] };
		return { body: JSON.parse(Buffer.concat(chunks).toString('utf8')), files: [] };
	}

	await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

	/** Builds and sends a slash command (or autocomplete) as INTERACTION_CREATE. */
	async function invoke(command: string, values: Record<string, OptionValue | undefined>, invokeOptions: InvokeOptions = {}): Promise<InteractionHandle> {
		await gateway.whenIdentified();
		const userId = invokeOptions.userId ?? snowflake();
		const id = snowflake();
		const token = interactionToken();
		const limit = invokeOptions.attachmentSizeLimit ?? 10 * MiB;
		const attachments: Record<string, unknown> = {};
		const options = Object.entries(values)
			.filter((entry): entry is [string, OptionValue] => entry[1] !== undefined)
			.map(([name, value]) => {
				if (typeof value === 'object') {
					const attachmentId = snowflake();
					const cdnPath = `/ephemeral-attachments/${world.channelId}/${attachmentId}/${encodeURIComponent(value.name)}`;
					cdn.set(cdnPath, { data: value.data, type: value.contentType ?? 'application/octet-stream' });
					const signed = `${baseUrl}${cdnPath}?ex=${(Math.floor(Date.now() / 1000) + 86_400).toString(16)}&is=${Math.floor(Date.now() / 1000).toString(16)}&hm=${randomBytes(32).toString('hex')}&`;
					attachments[attachmentId] = {
						id: attachmentId,
						filename: value.name,
						size: value.size ?? value.data.length,
						url: signed,
						proxy_url: signed,
						...(value.contentType && { content_type: value.contentType }),
						ephemeral: true,
					};
					return { name, type: 11, value: attachmentId };
				}
				const type = typeof value === 'string' ? 3 : typeof value === 'boolean' ? 5 : 4;
				return { name, type, value, ...(invokeOptions.focused === name && { focused: true }) };
			});
		const handle = new InteractionHandle(id, token, userId, limit);
		handle.uploadRateLimits = invokeOptions.rateLimitUploads ?? 0;
		handle.enforcedUploadLimit = invokeOptions.enforcedUploadLimit ?? limit;
		byId.set(id, handle);
		byToken.set(token, handle);
		const member = { user: memberUser(userId), roles: [], permissions: '2248473465835073', joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0, pending: false, nick: null, avatar: null };
		const payload = {
			id,
			application_id: world.applicationId,
			type: invokeOptions.focused ? 4 : 2,
			token,
			version: 1,
			data: { id: snowflake(), name: command, type: 1, options, ...(Object.keys(attachments).length > 0 && { resolved: { attachments } }) },
			guild_id: world.guildId,
			guild: { id: world.guildId, locale: 'en-US', features: [] },
			channel_id: world.channelId,
			channel: { id: world.channelId, type: 0, guild_id: world.guildId, name: 'generate', permissions: APP_PERMISSIONS, flags: 0 },
			member,
			app_permissions: APP_PERMISSIONS,
			locale: 'en-US',
			guild_locale: 'en-US',
			entitlements: [],
			authorizing_integration_owners: { '0': world.guildId },
			context: 0,
			attachment_size_limit: limit,
		};
		handle.sentAt = performance.now();
		await gateway.dispatch('INTERACTION_CREATE', payload);
		return handle;
	}

	return {
		apiUrl: `${baseUrl}/api`,
		url: baseUrl,
		world,
		/** Any bot token works; this one encodes the stand-in's application id. */
		botToken: `${Buffer.from(world.applicationId).toString('base64')}.stand-in.${randomBytes(16).toString('hex')}`,
		violations,
		channelMessages,
		registered,
		interactions: byId,
		invoke,
		whenBotConnected: () => gateway.whenIdentified(),
		guild: () => guildPayload(world),
		/** Forgets finished interactions (the benchmark sends thousands). */
		forget(handle: InteractionHandle): void {
			byId.delete(handle.id);
			byToken.delete(handle.token);
		},
		async close(): Promise<void> {
			gateway.close();
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}

function tooLarge(files: SentFile[], limit: number): boolean {
	return files.some((file) => file.size > limit);
}

/** Would Discord notify anyone? Only where `allowed_mentions` lets a mention in the content through. */
function wouldPing(content: string, allowed: { parse?: string[]; users?: string[]; roles?: string[] } | undefined): boolean {
	const parse = allowed ? (allowed.parse ?? []) : ['everyone', 'users', 'roles'];
	if (/@(everyone|here)\b/.test(content) && parse.includes('everyone')) return true;
	for (const [, kind, id] of content.matchAll(/<@(&|!)?(\d+)>/g)) {
		const isRole = kind === '&';
		if (isRole ? parse.includes('roles') || allowed?.roles?.includes(id!) : parse.includes('users') || allowed?.users?.includes(id!)) return true;
	}
	return false;
}

function json(res: ServerResponse, status: number, body: unknown): void {
	const text = JSON.stringify(body);
	res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
	res.end(text);
}
