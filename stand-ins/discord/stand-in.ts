import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { StandInGateway } from './gateway.js';
import { StandInChannels, type ChannelPostFault } from './channels.js';
import { InteractionHandle, waitUntil, type UploadFault } from './interaction-handle.js';
import { messageJson, toMessage } from './messages.js';
import { json, readBody, setOriginal, webhook } from './webhook.js';
import { defaultSpecPath, OpenApiValidator } from './openapi-validator.js';
import { APP_PERMISSIONS, botUser, guildPayload, interactionPayload, interactionToken, snowflake, type StandInWorld } from './payloads.js';

export { InteractionHandle, isFinal, textOf, type SentMessage, type UploadFault, type WebhookRequest } from './interaction-handle.js';
export type { ChannelPostFault } from './channels.js';

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
	/** How the first uploads to this interaction's webhook fail, one entry per upload (`{ status: 502 }`, `'reset'`). */
	failUploads?: UploadFault[];
	/** Answer the first N JSON edits of the reply with 429. */
	rateLimitEdits?: number;
	/**
	 * When the interaction was created (ms since the epoch): its id carries this time, and its token
	 * dies 15 minutes after it. The 3-second deadline for the first response still counts from now.
	 */
	createdAt?: number;
	/** The bot's permissions in the channel (`app_permissions`, `channel.permissions`). Default: view, send, embed, attach, history. */
	appPermissions?: string | bigint;
}

/** JSON bodies the stand-in checks against the official OpenAPI spec. */
const CHECKED_ROUTES: Array<[string, string]> = [
	['POST', '/interactions/{interaction_id}/{interaction_token}/callback'],
	['PATCH', '/webhooks/{webhook_id}/{webhook_token}/messages/@original'],
	['POST', '/webhooks/{webhook_id}/{webhook_token}'],
	['POST', '/channels/{channel_id}/messages'],
	['POST', '/users/@me/channels'],
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
	const violations: string[] = [];
	const replyExists = (channelId: string, messageId: string) =>
		[...byId.values()].some((handle) => handle.channelId === channelId && handle.original?.id === messageId);
	const channels = new StandInChannels(new Set([world.channelId]), replyExists, 10 * MiB);
	/** Fires on every change anywhere: a reply, a channel post, a DM. */
	const activity = new EventEmitter().setMaxListeners(0);
	channels.on('change', () => activity.emit('change'));
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
		const { body, files } = await readBody(req, keepFiles);
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
		if ((match = route(/^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/([^/]+))?$/))) return webhook(byToken.get(match[2]!), { method, messageId: match[3], body, files }, res, messageContext());
		if (method === 'POST' && (match = route(/^\/channels\/(\d+)\/messages$/))) {
			const answer = channels.post(match[1]!, body, files);
			// 'no-answer' leaves the request open until the bot gives up or the stand-in closes.
			if (answer.fault === 'no-answer') return;
			if (answer.fault === 'stored-then-reset') return void res.socket?.resetAndDestroy();
			return json(res, answer.status, answer.message ? messageJson(answer.message, messageContext()) : answer.body);
		}
		if (method === 'POST' && path === '/users/@me/channels') {
			const answer = channels.openDm(String((body as { recipient_id?: unknown } | undefined)?.recipient_id ?? ''));
			return json(res, answer.status, answer.body);
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
		if (type === 4) setOriginal(handle, toMessage(data, [], handle.channelId));
		if (type === 5) setOriginal(handle, toMessage({ content: '' }, [], handle.channelId, Boolean(Number(data?.flags ?? 0) & 64)));
		res.writeHead(204).end();
		if (type !== 4 && type !== 5) handle.changed();
	}

	function messageContext() {
		return { baseUrl, author: botUser(world) };
	}

	function serveAttachment(path: string, res: ServerResponse): void {
		const file = cdn.get(path);
		if (!file) return json(res, 404, { message: 'This content is no longer available.', code: 0 });
		res.writeHead(200, { 'content-type': file.type, 'content-length': file.data.length });
		res.end(file.data);
	}

	await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

	/** Builds and sends a slash command (or autocomplete) as INTERACTION_CREATE. */
	async function invoke(command: string, values: Record<string, OptionValue | undefined>, invokeOptions: InvokeOptions = {}): Promise<InteractionHandle> {
		await gateway.whenIdentified();
		const userId = invokeOptions.userId ?? snowflake();
		const createdAt = invokeOptions.createdAt ?? Date.now();
		const id = snowflake(createdAt);
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
		const handle = new InteractionHandle(id, token, userId, limit, createdAt, world.channelId);
		handle.on('change', () => activity.emit('change'));
		handle.uploadRateLimits = invokeOptions.rateLimitUploads ?? 0;
		handle.failUploads = [...(invokeOptions.failUploads ?? [])];
		handle.rateLimitEdits = invokeOptions.rateLimitEdits ?? 0;
		handle.enforcedUploadLimit = invokeOptions.enforcedUploadLimit ?? limit;
		byId.set(id, handle);
		byToken.set(token, handle);
		const payload = interactionPayload(world, {
			id,
			token,
			type: invokeOptions.focused ? 4 : 2,
			data: { id: snowflake(), name: command, type: 1, options, ...(Object.keys(attachments).length > 0 && { resolved: { attachments } }) },
			userId,
			permissions: String(invokeOptions.appPermissions ?? APP_PERMISSIONS),
			attachmentSizeLimit: limit,
		});
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
		/** Messages the bot posted with its token in the guild channel. */
		channelMessages: channels.guildMessages,
		/** DMs the bot sent, by recipient user id. */
		dms: channels.dms,
		/** Bot-token posts refused (a refused channel, a member who takes no DMs). */
		channelRejections: channels.rejections,
		/** Channel ids of bot-token posts read and never answered (`failChannelPosts(id, 'no-answer')`). */
		unansweredChannelPosts: channels.unanswered,
		/** Bot posts in `channelId` answer `code` (50013 Missing Permissions, 50001, 10003) until the returned function is called. */
		refuseChannelPosts: (channelId: string, code?: number) => channels.refuse(channelId, code),
		/** DMs to `userId` answer `code` (50007 by default) until the returned function is called. */
		refuseDms: (userId: string, code?: number) => channels.refuseDms(userId, code),
		/**
		 * The next bot posts in `channelId` that would succeed fail as given, one per post:
		 * `'stored-then-reset'` (created, then the connection reset before the answer) or `'no-answer'`.
		 */
		failChannelPosts: (channelId: string, ...faults: ChannelPostFault[]) => channels.failPosts(channelId, ...faults),
		/** Resolves once `predicate` holds, re-checking on every reply edit, channel post and DM. */
		waitFor: (predicate: () => boolean, timeoutMs = 15_000) =>
			waitUntil(activity, predicate, timeoutMs, () => `stand-in: condition not met in ${timeoutMs} ms; last channel post ${JSON.stringify(channels.guildMessages.at(-1) ?? null).slice(0, 400)}`),
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
