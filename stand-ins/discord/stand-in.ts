import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { StandInGateway } from './gateway.js';
import { StandInChannels, type ChannelPostFault } from './channels.js';
import type { APIMessageApplicationCommandInteractionData, APIMessageButtonInteractionData, APIModalSubmission } from 'discord.js';
import { AttachmentLinks } from './cdn.js';
import { fileUploadFields, findComponent, modalComponents, modalSubmission, type ModalValue } from './components.js';
import { InteractionHandle, waitUntil, type MessageLink, type SentFile, type SentMessage, type UploadFault } from './interaction-handle.js';
import { editMessage, messageJson, toMessage, type MessageContext } from './messages.js';
import { json, readBody, setOriginal, webhook, withInteraction } from './webhook.js';
import { defaultSpecPath, OpenApiValidator } from './openapi-validator.js';
import { APP_PERMISSIONS, botUser, guildPayload, interactionPayload, interactionToken, memberUser, snowflake, type StandInWorld } from './payloads.js';

export { InteractionHandle, isFinal, textOf, type SentFile, type SentMessage, type ShownModal, type UploadFault, type WebhookRequest } from './interaction-handle.js';
export type { ChannelPostFault } from './channels.js';
export type { ModalValue } from './components.js';

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

/** Options of a button press, a modal submit or a message command: as for `invoke`, without autocomplete. */
export type InteractionOptions = Omit<InvokeOptions, 'focused'>;

/** What a user enters in a modal, by field custom_id: text, chosen option values, a checkbox, or files for a file upload. */
export type ModalValues = Record<string, ModalValue | CommandAttachment[] | undefined>;

/** A member's message in the world's channel (`postUserMessage`). */
export interface UserMessage {
	/** The author; default a new member. */
	userId?: string;
	content?: string;
	attachments: CommandAttachment[];
}

/** JSON bodies the stand-in checks against the official OpenAPI spec. */
const CHECKED_ROUTES: Array<[string, string]> = [
	['POST', '/interactions/{interaction_id}/{interaction_token}/callback'],
	['PATCH', '/webhooks/{webhook_id}/{webhook_token}/messages/@original'],
	['POST', '/webhooks/{webhook_id}/{webhook_token}'],
	['POST', '/channels/{channel_id}/messages'],
	['PATCH', '/channels/{channel_id}/messages/{message_id}'],
	['POST', '/users/@me/channels'],
	['PUT', '/applications/{application_id}/commands'],
	['PUT', '/applications/{application_id}/guilds/{guild_id}/commands'],
];

/** Schemas of what the stand-in itself sends, checked as it sends them. */
const SENT_SCHEMAS = ['MessageResponse', 'InteractionCallbackResponse', 'UserResponse', 'MessageAttachmentResponse'];

export type DiscordStandIn = Awaited<ReturnType<typeof startDiscordStandIn>>;

/**
 * A local Discord: the REST routes the bot uses, a gateway, and an attachment CDN, so the real
 * discord.js client runs against it through `DISCORD_API_URL`. Every JSON body the bot sends is
 * checked against Discord's OpenAPI spec and refused (400, code 50035) when it does not fit; every
 * message object the stand-in sends (answers, INTERACTION_CREATE's `message` and `resolved`) is
 * checked against the spec's `MessageResponse`, a misfit landing in `violations`.
 *
 * Beyond slash commands: `press` (a button), `submitModal` (a modal the bot showed),
 * `invokeMessageCommand` (a message context-menu command), `postUserMessage` (a member's post with
 * files). Every message file is served at its signed link (`/attachments/…`, one 302 to storage).
 */
export async function startDiscordStandIn(options: { port?: number; keepFiles?: boolean; specPath?: string } = {}) {
	const world: StandInWorld = { applicationId: snowflake(), botUserId: '', guildId: snowflake(), channelId: snowflake() };
	world.botUserId = world.applicationId;
	const validator = new OpenApiValidator(options.specPath ?? defaultSpecPath(), CHECKED_ROUTES, SENT_SCHEMAS);
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
	const links = new AttachmentLinks(() => baseUrl);
	/** Each state of messages edited outside an interaction's own reply (channel posts, DMs, follow-ups), by id. */
	const edits = new Map<string, SentMessage[]>();

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
		if (links.serve(req.method ?? 'GET', url, findFile, res)) return;
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
		if (method === 'POST' && (match = route(/^\/interactions\/(\d+)\/([^/]+)\/callback$/))) {
			return interactionCallback(match[1]!, match[2]!, body, files, url.searchParams.get('with_response') === 'true', res);
		}
		if ((match = route(/^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/([^/]+))?$/))) return webhook(byToken.get(match[2]!), { method, messageId: match[3], body, files }, res, messageContext());
		if (method === 'POST' && (match = route(/^\/channels\/(\d+)\/messages$/))) {
			const answer = channels.post(match[1]!, body, files);
			// 'no-answer' leaves the request open until the bot gives up or the stand-in closes.
			if (answer.fault === 'no-answer') return;
			if (answer.fault === 'stored-then-reset') return void res.socket?.resetAndDestroy();
			return json(res, answer.status, answer.message ? messageJson(answer.message, messageContext()) : answer.body);
		}
		if ((method === 'GET' || method === 'PATCH') && (match = route(/^\/channels\/(\d+)\/messages\/(\d+)$/))) return channelMessage(method, match[1]!, match[2]!, body, files, res);
		if (method === 'POST' && path === '/users/@me/channels') {
			const answer = channels.openDm(String((body as { recipient_id?: unknown } | undefined)?.recipient_id ?? ''));
			return json(res, answer.status, answer.body);
		}
		return json(res, 404, { message: `stand-in has no route ${method} ${path}`, code: 0 });
	}

	function interactionCallback(id: string, token: string, body: unknown, files: SentFile[], withResponse: boolean, res: ServerResponse): void {
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
		const refuse = (status: number, code: number, message: string) => {
			handle.rejections.push({ status, code, route: 'callback', message });
			handle.changed();
			return json(res, status, { message, code });
		};
		const misfit = callbackMisfit(handle, type);
		if (misfit) {
			violations.push(`POST /interactions/{interaction_id}/{interaction_token}/callback: ${misfit}`);
			return refuse(400, 50035, misfit);
		}
		let link: MessageLink | undefined;
		if (type === 6 || type === 7) {
			link = locate(handle.sourceMessageId!);
			if (!link) return refuse(404, 10008, 'Unknown Message');
		}
		handle.callback = { type, data, at };
		if (type === 8) handle.choices = (data?.choices as InteractionHandle['choices']) ?? [];
		if (type === 4) setOriginal(handle, withInteraction(toMessage(data, files, handle.channelId), handle));
		if (type === 5) setOriginal(handle, withInteraction(toMessage({ content: '' }, [], handle.channelId, Boolean(Number(data?.flags ?? 0) & 64)), handle));
		if (link) handle.link = link;
		if (type === 7) setOriginal(handle, editMessage(handle.original, data ?? {}, files, handle.channelId));
		if (type === 9) {
			const modal = data as { custom_id: string; title: string; components: Array<Record<string, unknown>> };
			handle.modal = { custom_id: modal.custom_id, title: modal.title, components: modalComponents(modal.components) };
		}
		if (withResponse) {
			const answer = callbackResponse(handle, type);
			violations.push(...validator.checkSchema('InteractionCallbackResponse', answer, `stand-in's callback response for ${handle.id}`));
			json(res, 200, answer);
		} else res.writeHead(204).end();
		if (type !== 4 && type !== 5 && type !== 7) handle.changed();
	}

	/** Why Discord refuses callback `type` for this interaction, or undefined. */
	function callbackMisfit(handle: InteractionHandle, type: number): string | undefined {
		if (handle.type === 4 && type !== 8) return `an autocomplete interaction is answered with choices (8), not ${type}`;
		if (type === 8 && handle.type !== 4) return 'choices (8) answer autocomplete interactions only';
		if ((type === 6 || type === 7) && !handle.sourceMessageId) return `callback ${type} (update the message) needs a component interaction, or a modal submit from one`;
		if (type === 9 && handle.type === 5) return 'a modal submit cannot be answered with another modal (9)';
		if (![4, 5, 6, 7, 8, 9].includes(type)) return `the stand-in does not take callback type ${type}`;
		return undefined;
	}

	/** What `?with_response=true` answers (`InteractionCallbackResponse`). */
	function callbackResponse(handle: InteractionHandle, type: number) {
		const message = type === 4 || type === 5 || type === 7 ? handle.original : undefined;
		return {
			interaction: {
				id: handle.id,
				type: handle.type,
				channel_id: handle.channelId,
				...(!channels.dmRecipient(handle.channelId) && { guild_id: world.guildId }),
				...(message && { response_message_id: message.id, response_message_loading: type === 5, response_message_ephemeral: message.ephemeral }),
			},
			...(message && type !== 5 && { resource: { type, message: messageJson(message, messageContext()) } }),
		};
	}

	/** `GET` or `PATCH /channels/{id}/messages/{id}` with the bot token. */
	function channelMessage(method: string, channelId: string, messageId: string, body: unknown, files: SentFile[], res: ServerResponse): void {
		const link = locate(messageId);
		const message = link?.current();
		// Ephemeral messages are not reachable with the bot token.
		if (!link || !message || message.channelId !== channelId || message.ephemeral) return json(res, 404, { message: 'Unknown Message', code: 10008 });
		if (method === 'GET') return json(res, 200, messageJson(message, messageContext()));
		if (message.authorId) return json(res, 403, { message: 'Cannot edit a message authored by another user', code: 50005 });
		link.replace(editMessage(message, (body ?? {}) as Record<string, unknown>, files, channelId));
		return json(res, 200, messageJson(link.current()!, messageContext()));
	}

	function messageContext(): MessageContext {
		return {
			baseUrl,
			author: botUser(world),
			applicationId: world.applicationId,
			fileUrl: (channelId, file) => links.url(channelId, file),
			check: (message) => void violations.push(...validator.checkSchema('MessageResponse', message, `stand-in sent message ${String(message.id)}`)),
		};
	}

	/**
	 * Where message `messageId` lives: an interaction's reply, a follow-up, a channel post, a
	 * member's post, a DM. The link finds it afresh on each use, and edits it in place (keeping
	 * each state) with `change` emitted there.
	 */
	function locate(messageId: string): MessageLink | undefined {
		for (const handle of byId.values()) {
			if (!handle.link && handle.original?.id === messageId) {
				return {
					current: () => (!handle.link && handle.original?.id === messageId ? handle.original : undefined),
					replace: (next) => setOriginal(handle, next),
					remove: () => handle.deleteOriginal(),
				};
			}
			if (handle.followups.some((message) => message.id === messageId)) return listLink(() => handle.followups, messageId, () => handle.changed());
		}
		const listOf = () => channels.messageLists().find((list) => list.some((message) => message.id === messageId));
		return listOf() ? listLink(listOf, messageId, () => channels.emit('change')) : undefined;
	}

	function listLink(listOf: () => SentMessage[] | undefined, messageId: string, changed: () => void): MessageLink {
		const current = () => listOf()?.find((message) => message.id === messageId);
		return {
			current,
			replace(next) {
				const list = listOf();
				const index = list?.findIndex((message) => message.id === messageId) ?? -1;
				if (!list || index < 0) return;
				edits.set(messageId, [...(edits.get(messageId) ?? [list[index]!]), next]);
				list[index] = next;
				changed();
			},
			remove() {
				const list = listOf();
				const index = list?.findIndex((message) => message.id === messageId) ?? -1;
				if (!list || index < 0) return;
				list.splice(index, 1);
				changed();
			},
		};
	}

	/** A file of any message recorded here (each state of each message), by attachment id. */
	function findFile(fileId: string): SentFile | undefined {
		const lists: SentMessage[][] = [...channels.messageLists(), ...edits.values()];
		for (const handle of byId.values()) lists.push(handle.history, handle.followups);
		for (const list of lists) {
			for (const message of list) {
				const file = message.files.find((candidate) => candidate.id === fileId);
				if (file) return file;
			}
		}
		return undefined;
	}

	function serveAttachment(path: string, res: ServerResponse): void {
		const file = cdn.get(path);
		if (!file) return json(res, 404, { message: 'This content is no longer available.', code: 0 });
		res.writeHead(200, { 'content-type': file.type, 'content-length': file.data.length });
		res.end(file.data);
	}

	await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

	/** A file attached to an interaction (an option, a modal's file upload), served from the ephemeral CDN. */
	function ephemeralAttachment(value: CommandAttachment, channelId: string) {
		const attachmentId = snowflake();
		const cdnPath = `/ephemeral-attachments/${channelId}/${attachmentId}/${encodeURIComponent(value.name)}`;
		cdn.set(cdnPath, { data: value.data, type: value.contentType ?? 'application/octet-stream' });
		const signed = `${baseUrl}${cdnPath}?ex=${(Math.floor(Date.now() / 1000) + 86_400).toString(16)}&is=${Math.floor(Date.now() / 1000).toString(16)}&hm=${randomBytes(32).toString('hex')}&`;
		return {
			id: attachmentId,
			filename: value.name,
			size: value.size ?? value.data.length,
			url: signed,
			proxy_url: signed,
			...(value.contentType && { content_type: value.contentType }),
			ephemeral: true,
		};
	}

	/** Builds and sends a slash command (or autocomplete) as INTERACTION_CREATE. */
	async function invoke(command: string, values: Record<string, OptionValue | undefined>, invokeOptions: InvokeOptions = {}): Promise<InteractionHandle> {
		const attachments: Record<string, unknown> = {};
		const options = Object.entries(values)
			.filter((entry): entry is [string, OptionValue] => entry[1] !== undefined)
			.map(([name, value]) => {
				if (typeof value === 'object') {
					const attachment = ephemeralAttachment(value, world.channelId);
					attachments[attachment.id] = attachment;
					return { name, type: 11, value: attachment.id };
				}
				const type = typeof value === 'string' ? 3 : typeof value === 'boolean' ? 5 : 4;
				return { name, type, value, ...(invokeOptions.focused === name && { focused: true }) };
			});
		const type = invokeOptions.focused ? 4 : 2;
		const data = { id: snowflake(), name: command, type: 1, options, ...(Object.keys(attachments).length > 0 && { resolved: { attachments } }) };
		return dispatch({ type, data, channelId: world.channelId, metadata: type === 2 ? (base) => ({ ...base, type: 2 }) : undefined }, invokeOptions);
	}

	/**
	 * Sends INTERACTION_CREATE of `type` with `data`, in `channelId` (a DM channel makes it a DM
	 * interaction, by the DM's recipient), and returns the handle that records what the bot does.
	 */
	async function dispatch(
		interaction: {
			type: number;
			data: object;
			channelId: string;
			/** The message a component is on: sent as `message`. */
			message?: SentMessage;
			/** The message callbacks 6 and 7 update (the component's, or the one a modal was opened from). */
			sourceMessageId?: string;
			/** `interaction_metadata` of the messages answering it, from the common part. */
			metadata?: (base: { id: string; user: ReturnType<typeof memberUser>; authorizing_integration_owners: Record<string, string> }) => Record<string, unknown>;
			/** Who presses by default (a DM's recipient, an ephemeral message's user). */
			defaultUserId?: string;
		},
		invokeOptions: InteractionOptions,
	): Promise<InteractionHandle> {
		await gateway.whenIdentified();
		const recipient = channels.dmRecipient(interaction.channelId);
		const userId = invokeOptions.userId ?? interaction.defaultUserId ?? recipient ?? snowflake();
		const createdAt = invokeOptions.createdAt ?? Date.now();
		const id = snowflake(createdAt);
		const token = interactionToken();
		const limit = invokeOptions.attachmentSizeLimit ?? 10 * MiB;
		const handle = new InteractionHandle(id, token, userId, limit, createdAt, interaction.channelId);
		handle.type = interaction.type;
		handle.sourceMessageId = interaction.sourceMessageId;
		handle.metadata = interaction.metadata?.({ id, user: memberUser(userId), authorizing_integration_owners: { '0': recipient ? '0' : world.guildId } });
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
			type: interaction.type,
			data: interaction.data,
			userId,
			permissions: String(invokeOptions.appPermissions ?? APP_PERMISSIONS),
			attachmentSizeLimit: limit,
			channelId: interaction.channelId,
			dm: recipient !== undefined,
			...(interaction.message && { message: messageJson(interaction.message, messageContext()) }),
		});
		checkPayload(payload);
		handle.sentAt = performance.now();
		await gateway.dispatch('INTERACTION_CREATE', payload);
		return handle;
	}

	/**
	 * The spec describes no INTERACTION_CREATE (it covers REST), so what it does describe is checked:
	 * the users, the attachments in `resolved` (and messages, as each message object is built).
	 * The `data` shapes are typed against discord-api-types where they are built.
	 */
	function checkPayload(payload: ReturnType<typeof interactionPayload>): void {
		const label = `stand-in's INTERACTION_CREATE ${payload.id}`;
		const user = payload.member?.user ?? payload.user;
		violations.push(...validator.checkSchema('UserResponse', user, `${label} user`));
		const resolved = (payload.data as { resolved?: { attachments?: Record<string, unknown> } }).resolved;
		for (const attachment of Object.values(resolved?.attachments ?? {})) {
			violations.push(...validator.checkSchema('MessageAttachmentResponse', attachment, `${label} attachment`));
		}
	}

	/** Where a message is now, or a clear error for the test that named it. */
	function messageNow(message: Pick<SentMessage, 'id'>, action: string): SentMessage {
		const current = locate(message.id)?.current();
		if (!current) throw new Error(`stand-in: cannot ${action}: message ${message.id} is not (or no longer) in any channel`);
		return current;
	}

	/** The user who alone sees `message` (a DM's recipient, an ephemeral reply's user), if any. */
	function onlyViewer(message: SentMessage): string | undefined {
		const recipient = channels.dmRecipient(message.channelId);
		if (recipient) return recipient;
		if (!message.ephemeral) return undefined;
		return [...byId.values()].find((handle) => !handle.link && (handle.original?.id === message.id || handle.followups.some((followup) => followup.id === message.id)))?.userId;
	}

	/**
	 * A user presses the button `customId` on `message` (as it is now): INTERACTION_CREATE of type 3
	 * with the message. Throws if the message has no such button, or it is disabled.
	 */
	async function press(message: Pick<SentMessage, 'id'>, customId: string, options: InteractionOptions = {}): Promise<InteractionHandle> {
		const current = messageNow(message, `press ${customId}`);
		const button = findComponent(current.components, customId);
		if (!button || button.type !== 2) throw new Error(`stand-in: message ${current.id} has no button ${customId} (its components: ${JSON.stringify(current.components).slice(0, 400)})`);
		if (button.disabled === true) throw new Error(`stand-in: button ${customId} on message ${current.id} is disabled: Discord would not let anyone press it`);
		const data = { custom_id: customId, component_type: 2 } satisfies APIMessageButtonInteractionData;
		return dispatch(
			{
				type: 3,
				data,
				channelId: current.channelId,
				message: current,
				sourceMessageId: current.id,
				defaultUserId: onlyViewer(current),
				metadata: (base) => ({ ...base, type: 3, interacted_message_id: current.id }),
			},
			options,
		);
	}

	/**
	 * The user submits the modal `handle` was answered with (callback 9): INTERACTION_CREATE of type 5
	 * with the fields as Discord sends them, and `message` when the modal was opened from a
	 * component. `values` by custom_id: a string for a text input, option values for a select,
	 * files for a file upload; fields left out keep their prefilled value or default options.
	 */
	async function submitModal(handle: InteractionHandle, values: ModalValues = {}, options: InteractionOptions = {}): Promise<InteractionHandle> {
		const modal = handle.modal;
		if (!modal) throw new Error(`stand-in: interaction ${handle.id} was not answered with a modal (callback ${handle.callback?.type ?? 'none'})`);
		const uploads = fileUploadFields(modal);
		const plain: Record<string, ModalValue | undefined> = {};
		const fileIds = new Map<string, string[]>();
		const attachments: Record<string, ReturnType<typeof ephemeralAttachment>> = {};
		for (const [customId, value] of Object.entries(values)) {
			if (!uploads.has(customId)) {
				if (Array.isArray(value) && value.some((item) => typeof item === 'object')) throw new Error(`stand-in: modal field ${customId} is not a file upload`);
				plain[customId] = value as ModalValue | undefined;
				continue;
			}
			if (value === undefined) continue;
			if (!Array.isArray(value) || value.some((item) => typeof item !== 'object')) throw new Error(`stand-in: modal field ${customId} is a file upload: give CommandAttachment[]`);
			const files = (value as CommandAttachment[]).map((file) => ephemeralAttachment(file, handle.channelId));
			for (const file of files) attachments[file.id] = file;
			fileIds.set(customId, files.map((file) => file.id));
		}
		const submission = modalSubmission(modal, plain, fileIds);
		const data: APIModalSubmission = { ...submission, ...(Object.keys(attachments).length > 0 && { resolved: { attachments } }) };
		const source = handle.sourceMessageId ? locate(handle.sourceMessageId)?.current() : undefined;
		const triggering = handle.metadata;
		return dispatch(
			{
				type: 5,
				data,
				channelId: handle.channelId,
				message: source,
				sourceMessageId: source?.id,
				defaultUserId: handle.userId,
				metadata: triggering ? (base) => ({ ...base, type: 5, triggering_interaction_metadata: triggering }) : undefined,
			},
			{ attachmentSizeLimit: handle.attachmentSizeLimit, ...options },
		);
	}

	/**
	 * A user runs the message command `name` (context menu → Apps) on `target` (as it is now):
	 * INTERACTION_CREATE of type 2 with `data.type` 3 and the message in `resolved.messages`.
	 */
	async function invokeMessageCommand(name: string, target: Pick<SentMessage, 'id'>, options: InteractionOptions = {}): Promise<InteractionHandle> {
		const current = messageNow(target, `run ${name} on it`);
		const data: APIMessageApplicationCommandInteractionData = {
			id: snowflake(),
			name,
			type: 3,
			target_id: current.id,
			resolved: { messages: { [current.id]: messageJson(current, messageContext()) as unknown as APIMessageApplicationCommandInteractionData['resolved']['messages'][string] } },
		};
		return dispatch({ type: 2, data, channelId: current.channelId, defaultUserId: onlyViewer(current), metadata: (base) => ({ ...base, type: 2, target_message_id: current.id }) }, options);
	}

	/** A member posts a message with files in the world's channel; the files are served like any message's. */
	function postUserMessage(message: UserMessage): SentMessage {
		const files: SentFile[] = message.attachments.map((file) => ({
			id: snowflake(),
			filename: file.name,
			size: file.size ?? file.data.length,
			contentType: file.contentType ?? '',
			data: file.data,
		}));
		const posted: SentMessage = { ...toMessage({ content: message.content ?? '' }, files, world.channelId, false), authorId: message.userId ?? snowflake() };
		channels.postMemberMessage(posted);
		return posted;
	}

	/** Message `messageId` as it is now, wherever it is (a reply, a follow-up, a channel post, a member's post, a DM). */
	function findMessage(messageId: string): SentMessage | undefined {
		return locate(messageId)?.current();
	}

	/** Each state message `messageId` went through, first to last. */
	function historyOf(messageId: string): SentMessage[] {
		for (const handle of byId.values()) {
			if (!handle.link && (handle.original?.id === messageId || handle.deletedOriginal?.id === messageId)) return handle.history.filter((message) => message.id === messageId);
		}
		const edited = edits.get(messageId);
		if (edited) return edited;
		const current = findMessage(messageId);
		return current ? [current] : [];
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
		press,
		submitModal,
		invokeMessageCommand,
		postUserMessage,
		findMessage,
		historyOf,
		/** Messages members posted (`postUserMessage`), in order. */
		userMessages: channels.memberMessages,
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
