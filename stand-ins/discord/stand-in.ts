import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { StandInGateway } from './gateway.js';
import { StandInChannels, type ChannelPostFault } from './channels.js';
import type { APIInteractionDataResolved, APIMessageApplicationCommandInteractionData, APIMessageButtonInteractionData, APIModalSubmission } from 'discord.js';
import { AttachmentLinks } from './cdn.js';
import { fileUploadFields, findComponent, modalComponents, modalSubmission, type ModalValue } from './components.js';
import { InteractionHandle, waitUntil, type MessageLink, type SentFile, type SentMessage, type UploadFault } from './interaction-handle.js';
import { componentsV2Problem, editMessage, messageJson, toMessage, type MessageContext } from './messages.js';
import { json, readBody, setOriginal, webhook, withInteraction } from './webhook.js';
import { defaultSpecPath, OpenApiValidator } from './openapi-validator.js';
import { APP_PERMISSIONS, BOT_DM_APP_PERMISSIONS, PRIVATE_CHANNEL_APP_PERMISSIONS, botUser, interactionPayload, interactionToken, memberUser, snowflake, type InteractionPlace, type StandInWorld } from './payloads.js';
import { StandInGuilds, type StandInChannel, type StandInMember, type StandInRole } from './guilds.js';

export { buttonsOf, galleryOf, InteractionHandle, isFinal, textOf, titleOf, type SentFile, type SentMessage, type ShownModal, type UploadFault, type WebhookRequest } from './interaction-handle.js';
export type { ChannelPostFault } from './channels.js';
export type { ModalValue } from './components.js';
export { EVERYONE_PERMISSIONS } from './guilds.js';

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
/** A role option (type 8): the role's id; `data.resolved.roles` carries the role. */
export interface RoleOptionValue {
	role: string;
}
/** A user option (type 6): the user's id; `data.resolved.users`, and `members` when in a guild. */
export interface UserOptionValue {
	user: string;
	/** The user as a member of the guild: its roles (default: those it was last seen with, or none); `false`: not a member (no `members` entry). */
	member?: { roles?: string[] } | false;
}
/** A channel option (type 7): the channel's id; `data.resolved.channels` carries it, with the invoking member's permissions there. */
export interface ChannelOptionValue {
	channel: string;
}
/** A mentionable option (type 9): a role's id (when it is a role of the guild) or a user's. */
export interface MentionableOptionValue {
	mentionable: string;
}
/** A number option (type 10); a bare JS number is an integer option (type 4). */
export interface NumberOptionValue {
	number: number;
}
/**
 * A slash command option's value: a string (type 3), a JS number (integer, 4), a boolean (5), a
 * file (11), or one of the typed values (`roleOption`, `userOption`, `channelOption`,
 * `mentionableOption`, `numberOption`).
 */
export type OptionValue = string | number | boolean | CommandAttachment | RoleOptionValue | UserOptionValue | ChannelOptionValue | MentionableOptionValue | NumberOptionValue;

export const roleOption = (roleId: string): RoleOptionValue => ({ role: roleId });
export const userOption = (userId: string, member?: UserOptionValue['member']): UserOptionValue => ({ user: userId, ...(member !== undefined && { member }) });
export const channelOption = (channelId: string): ChannelOptionValue => ({ channel: channelId });
export const mentionableOption = (id: string): MentionableOptionValue => ({ mentionable: id });
export const numberOption = (value: number): NumberOptionValue => ({ number: value });

export interface InvokeOptions {
	userId?: string;
	/** The member's client language (`locale`, one of Discord's locale codes). Default `en-US`. */
	locale?: string;
	/** The server's language (`guild_locale`, its preferred locale; also `guild.locale`); only in a guild. Default `en-US`. */
	guildLocale?: string;
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
	 * Discord takes the first callback (the interaction is answered, the reply exists) and then
	 * answers it with this status (a 5xx, as from an edge proxy), so the REST client retries, and
	 * the retry gets 400 `40060 Interaction has already been acknowledged.`
	 */
	callbackTakenThen?: number;
	/**
	 * When the interaction was created (ms since the epoch): its id carries this time, and its token
	 * dies 15 minutes after it. The 3-second deadline for the first response still counts from now.
	 */
	createdAt?: number;
	/**
	 * The bot's permissions in the channel (`app_permissions`, `channel.permissions`). Default: view,
	 * send, embed, attach, history in a guild; those and Mention Everyone, Use External Emojis in a DM
	 * with the bot; only attach, embed, mention everyone where only a user-installed app is.
	 */
	appPermissions?: string | bigint;
	/**
	 * The guild the interaction is in (one of `addGuild`'s): in its first channel unless `channelId`
	 * says which. Default: the world's guild. With `userInstall`, a guild the bot need not be in.
	 */
	guildId?: string;
	/** The channel the interaction is in: any guild channel (`addChannel`, `addGuild`). Default: the guild's first channel. */
	channelId?: string;
	/** The member's role ids (`member.roles`); they also count in the default `memberPermissions`. Default: the roles the user was last seen with there, or none. */
	roles?: string[];
	/**
	 * The member's permissions in the channel (`member.permissions`). Default: what Discord computes,
	 * @everyone's (a plain member's, `EVERYONE_PERMISSIONS`) with the member's roles', all of them with Administrator.
	 */
	memberPermissions?: string | bigint;
	/** In the user's DM with the bot: no guild, `user` instead of `member`, a type-1 channel, `context` 1. */
	dm?: boolean;
	/**
	 * Through the app installed to the user (`authorizing_integration_owners: { '1': userId }`).
	 * `true`: in a guild the bot is not in (`guildId` defaults to a new id; `context` 0): `app_permissions`
	 * is only attach, embed, mention everyone and bot-token posts there answer 403 `50001 Missing Access`
	 * (no bot-token fallback). In a guild the bot is in, owners are `{ '0': guildId, '1': userId }`.
	 * `'private-channel'`: in a DM between users (`context` 2, no guild; bot posts refused the same way).
	 * With `dm`: the bot's DM, owned by the user install.
	 */
	userInstall?: boolean | 'private-channel';
	/**
	 * The subcommand the values belong to: `['usage']` (a SUB_COMMAND, type 1) or `['limits', 'set-role']`
	 * (a SUB_COMMAND_GROUP, type 2, holding the SUB_COMMAND): the values become the subcommand's options.
	 */
	subcommand?: [subcommand: string] | [group: string, subcommand: string];
}

/** Options of a button press, a modal submit or a message command: as for `invoke`, without autocomplete or a subcommand. */
export type InteractionOptions = Omit<InvokeOptions, 'focused' | 'subcommand'>;

/** What a user enters in a modal, by field custom_id: text, chosen option values, a checkbox, or files for a file upload. */
export type ModalValues = Record<string, ModalValue | CommandAttachment[] | undefined>;

/** A member's message in a guild channel (`postUserMessage`). */
export interface UserMessage {
	/** The author; default a new member. */
	userId?: string;
	/** Where; default the world's channel. */
	channelId?: string;
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
const SENT_SCHEMAS = ['MessageResponse', 'InteractionCallbackResponse', 'UserResponse', 'MessageAttachmentResponse', 'GuildRoleResponse', 'GuildChannelResponse', 'GuildMemberResponse'];

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
 *
 * Several guilds: `world` is the default guild and channel; `addGuild`, `addChannel`, `addRole`
 * make more (GUILD_CREATE, CHANNEL_CREATE, GUILD_ROLE_CREATE to a connected bot), and the bot's
 * posts in any of their channels are kept by channel (`messagesIn`). Each interaction can be placed
 * (`guildId`, `channelId`, `dm`, `userInstall`), given the member's `roles` and
 * `memberPermissions`, and a command's values nested in a `subcommand` and typed (`roleOption`,
 * `userOption`, `channelOption`, `mentionableOption`, `numberOption`) with their `data.resolved`.
 */
export async function startDiscordStandIn(options: { port?: number; keepFiles?: boolean; specPath?: string; /** Shards `GET /gateway/bot` recommends (default 1). */ shards?: number } = {}) {
	const world: StandInWorld = { applicationId: snowflake(), botUserId: '', guildId: snowflake(), channelId: snowflake() };
	world.botUserId = world.applicationId;
	const validator = new OpenApiValidator(options.specPath ?? defaultSpecPath(), CHECKED_ROUTES, SENT_SCHEMAS);
	const keepFiles = options.keepFiles ?? true;
	const byToken = new Map<string, InteractionHandle>();
	const byId = new Map<string, InteractionHandle>();
	const cdn = new Map<string, { data: Buffer; type: string }>();
	const violations: string[] = [];
	/** Messages the bot deleted with its token (`DELETE /channels/{id}/messages/{id}`), as they were. */
	const deletedMessages: SentMessage[] = [];
	const replyExists = (channelId: string, messageId: string) =>
		[...byId.values()].some((handle) => handle.channelId === channelId && handle.original?.id === messageId);
	const guilds = new StandInGuilds(world);
	const channels = new StandInChannels(guilds.channelIds, replyExists, 10 * MiB, world.channelId);
	/**
	 * Channels where only a user-installed app was used (`userInstall`): the bot is not there. By
	 * channel id: the guild it is in, or none for a DM between users.
	 */
	const foreignPlaces = new Map<string, { guildId?: string; otherUserId?: string }>();
	/** Fires on every change anywhere: a reply, a channel post, a DM. */
	const activity = new EventEmitter().setMaxListeners(0);
	channels.on('change', () => activity.emit('change'));
	/** Commands as last registered: global, in the last guild registered to, and by guild. */
	const registered: { global?: unknown[]; guild?: unknown[]; byGuild: Record<string, unknown[]> } = { byGuild: {} };
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
	const gateway = new StandInGateway(server, world, () => `${baseUrl.replace('http', 'ws')}/gateway`, () => [...guilds.byId.keys()].map(guildCreate));

	/** GUILD_CREATE's payload for `guildId`, its roles, channels and members checked against the spec. */
	function guildCreate(guildId: string) {
		const payload = guilds.payload(guildId);
		const label = `stand-in's GUILD_CREATE ${guildId}`;
		for (const role of payload.roles) violations.push(...validator.checkSchema('GuildRoleResponse', role, `${label} role ${role.id}`));
		for (const channel of payload.channels) violations.push(...validator.checkSchema('GuildChannelResponse', channel, `${label} channel ${channel.id}`));
		for (const member of payload.members) violations.push(...validator.checkSchema('GuildMemberResponse', member, `${label} member`));
		return payload;
	}

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
			// max_concurrency covers every shard: a client identifies them all at once, not one per 5 s.
			const shards = options.shards ?? 1;
			return json(res, 200, { url: `${baseUrl.replace('http', 'ws')}/gateway`, shards, session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: Math.max(1, shards) } });
		}
		if (method === 'GET' && path === '/gateway') return json(res, 200, { url: `${baseUrl.replace('http', 'ws')}/gateway` });
		if (method === 'GET' && path === '/users/@me') return json(res, 200, botUser(world));
		if (method === 'GET' && path === '/applications/@me') return json(res, 200, { id: world.applicationId, name: 'RelayDance', flags: 0, bot_public: true, bot_require_code_grant: false, verify_key: '0'.repeat(64), description: '' });
		if (method === 'PUT' && (match = route(/^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/))) {
			const saved = (body as Array<Record<string, unknown>>).map((command) => ({ ...command, id: snowflake(), application_id: match![1], version: snowflake() }));
			if (match[2]) {
				registered.guild = saved;
				registered.byGuild[match[2]] = saved;
			} else registered.global = saved;
			return json(res, 200, saved);
		}
		if (method === 'POST' && (match = route(/^\/interactions\/(\d+)\/([^/]+)\/callback$/))) {
			return interactionCallback(match[1]!, match[2]!, body, files, url.searchParams.get('with_response') === 'true', res);
		}
		if ((match = route(/^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/([^/]+))?$/))) return webhook(byToken.get(match[2]!), { method, messageId: match[3], body, files }, res, messageContext());
		if (method === 'POST' && (match = route(/^\/channels\/(\d+)\/messages$/))) {
			const v2 = componentsV2Problem(body, files);
			if (v2) violations.push(`POST /channels/{channel_id}/messages: ${v2}`);
			const answer = channels.post(match[1]!, body, files);
			// 'no-answer' leaves the request open until the bot gives up or the stand-in closes.
			if (answer.fault === 'no-answer') return;
			if (answer.fault === 'stored-then-reset') return void res.socket?.resetAndDestroy();
			return json(res, answer.status, answer.message ? messageJson(answer.message, messageContext()) : answer.body);
		}
		if ((method === 'GET' || method === 'PATCH' || method === 'DELETE') && (match = route(/^\/channels\/(\d+)\/messages\/(\d+)$/))) return channelMessage(method, match[1]!, match[2]!, body, files, res);
		if (method === 'GET' && (match = route(/^\/channels\/(\d+)$/))) return getChannel(match[1]!, res);
		if (method === 'GET' && (match = route(/^\/guilds\/(\d+)\/(members|roles)(?:\/(\d+))?$/))) return guildRead(match[1]!, match[2] as 'members' | 'roles', match[3], res);
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
		if (handle.callback) {
			handle.rejections.push({ status: 400, code: 40060, route: 'callback', message: 'already acknowledged' });
			handle.changed();
			return json(res, 400, { message: 'Interaction has already been acknowledged.', code: 40060 });
		}
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
		if (handle.callbackTakenThen !== undefined) {
			const status = handle.callbackTakenThen;
			handle.callbackTakenThen = undefined;
			if (type !== 4 && type !== 5 && type !== 7) handle.changed();
			return json(res, status, { message: `${status}: Bad Gateway`, code: 0 });
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
				...(handle.guildId && { guild_id: handle.guildId }),
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
		if (method === 'DELETE') {
			// The bot deletes its own messages freely; a member's would need Manage Messages, which the stand-in's bot lacks.
			if (message.authorId) return json(res, 403, { message: 'Missing Permissions', code: 50013 });
			link.remove();
			deletedMessages.push(message);
			res.writeHead(204).end();
			return;
		}
		if (message.authorId) return json(res, 403, { message: 'Cannot edit a message authored by another user', code: 50005 });
		const v2 = componentsV2Problem(body, files, message);
		if (v2) {
			violations.push(`PATCH /channels/{channel_id}/messages/{message_id}: ${v2}`);
			return json(res, 400, { message: 'Invalid Form Body', code: 50035, errors: [v2] });
		}
		link.replace(editMessage(message, (body ?? {}) as Record<string, unknown>, files, channelId));
		return json(res, 200, messageJson(link.current()!, messageContext()));
	}

	/** `GET /channels/{id}` (`client.channels.fetch`): a guild channel or a DM; 403 where the bot is not. */
	function getChannel(channelId: string, res: ServerResponse): void {
		const channel = guilds.channel(channelId);
		if (channel) return json(res, 200, guilds.channelPayload(channel));
		const recipient = channels.dmRecipient(channelId);
		if (recipient) return json(res, 200, { id: channelId, type: 1, last_message_id: null, flags: 0, recipients: [memberUser(recipient)] });
		if (foreignPlaces.has(channelId)) return json(res, 403, { message: 'Missing Access', code: 50001 });
		return json(res, 404, { message: 'Unknown Channel', code: 10003 });
	}

	/**
	 * `GET /guilds/{id}/members/{user}` (`guild.members.fetch(id)`): the bot, or a member seen in an
	 * interaction there, with its roles; `GET /guilds/{id}/members` lists those; `GET
	 * /guilds/{id}/roles[/{role}]` (`guild.roles.fetch`). 403 in a guild only a user install is in.
	 */
	function guildRead(guildId: string, kind: 'members' | 'roles', id: string | undefined, res: ServerResponse): void {
		const guild = guilds.get(guildId);
		if (!guild) {
			const foreign = [...foreignPlaces.values()].some((place) => place.guildId === guildId);
			return foreign ? json(res, 403, { message: 'Missing Access', code: 50001 }) : json(res, 404, { message: 'Unknown Guild', code: 10004 });
		}
		if (kind === 'roles') {
			if (id === undefined) return json(res, 200, guild.roles.map((role) => guilds.rolePayload(role)));
			const role = guild.roles.find((candidate) => candidate.id === id);
			return role ? json(res, 200, guilds.rolePayload(role)) : json(res, 404, { message: 'Unknown Role', code: 10011 });
		}
		const bot: StandInMember = { userId: world.botUserId, roles: [], joinedAt: guild.joinedAt };
		const member = (entry: StandInMember) => guilds.memberPayload(entry, entry.userId === world.botUserId ? botUser(world) : memberUser(entry.userId));
		if (id === undefined) return json(res, 200, [bot, ...guild.members.values()].map(member));
		const found = id === world.botUserId ? bot : guild.members.get(id);
		return found ? json(res, 200, member(found)) : json(res, 404, { message: 'Unknown Member', code: 10007 });
	}

	function messageContext(): MessageContext {
		return {
			baseUrl,
			author: botUser(world),
			applicationId: world.applicationId,
			fileUrl: (channelId, file) => links.url(channelId, file),
			check: (message) => void violations.push(...validator.checkSchema('MessageResponse', message, `stand-in sent message ${String(message.id)}`)),
			violation: (problem) => void violations.push(problem),
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
		const userId = invokeOptions.userId ?? snowflake();
		const channelId = channelFor(invokeOptions, userId);
		const guildId = guilds.channel(channelId)?.guildId ?? foreignPlaces.get(channelId)?.guildId;
		const invokerRoles = invokeOptions.roles ?? (guildId ? guilds.get(guildId)?.members.get(userId)?.roles : undefined) ?? [];
		const invokerPermissions = invokeOptions.memberPermissions !== undefined ? String(invokeOptions.memberPermissions) : guilds.permissionsOf(guildId, invokerRoles);
		const resolved: APIInteractionDataResolved = {};
		const resolveUser = (id: string, member?: UserOptionValue['member']) => {
			(resolved.users ??= {})[id] = memberUser(id);
			if (!guildId || member === false) return;
			const seen = guilds.get(guildId) ? guilds.seeMember(guildId, id, member?.roles) : { userId: id, roles: member?.roles ?? [], joinedAt: new Date().toISOString() };
			(resolved.members ??= {})[id] = guilds.resolvedMember(seen, guilds.permissionsOf(guildId, seen.roles));
		};
		const resolveRole = (id: string) => {
			const role = guilds.role(id) ?? ({ id, name: `role-${id.slice(-4)}`, permissions: '0', position: 1 } satisfies StandInRole);
			(resolved.roles ??= {})[id] = guilds.rolePayload(role);
		};
		const resolveChannel = (id: string) => {
			const channel = guilds.channel(id) ?? ({ id, guildId: guildId ?? world.guildId, name: `channel-${id.slice(-4)}`, position: 0 } satisfies StandInChannel);
			(resolved.channels ??= {})[id] = guilds.resolvedChannel(channel, invokerPermissions);
		};
		const options = Object.entries(values)
			.filter((entry): entry is [string, OptionValue] => entry[1] !== undefined)
			.map(([name, value]) => {
				const focused = invokeOptions.focused === name && { focused: true };
				if (typeof value !== 'object') return { name, type: typeof value === 'string' ? 3 : typeof value === 'boolean' ? 5 : 4, value, ...focused };
				if ('data' in value) {
					const attachment = ephemeralAttachment(value, channelId);
					(resolved.attachments ??= {})[attachment.id] = attachment;
					return { name, type: 11, value: attachment.id };
				}
				if ('number' in value) return { name, type: 10, value: value.number, ...focused };
				if ('role' in value) {
					resolveRole(value.role);
					return { name, type: 8, value: value.role, ...focused };
				}
				if ('user' in value) {
					resolveUser(value.user, value.member);
					return { name, type: 6, value: value.user, ...focused };
				}
				if ('channel' in value) {
					resolveChannel(value.channel);
					return { name, type: 7, value: value.channel, ...focused };
				}
				const isRole = value.mentionable === guildId || guilds.role(value.mentionable) !== undefined;
				if (isRole) resolveRole(value.mentionable);
				else resolveUser(value.mentionable);
				return { name, type: 9, value: value.mentionable, ...focused };
			});
		const type = invokeOptions.focused ? 4 : 2;
		const data = { id: snowflake(), name: command, type: 1, options: nested(options, invokeOptions.subcommand), ...(Object.keys(resolved).length > 0 && { resolved }) };
		return dispatch({ type, data, channelId, metadata: type === 2 ? (base) => ({ ...base, type: 2 }) : undefined }, { ...invokeOptions, userId });
	}

	/** `options` inside the subcommand (type 1) they belong to, itself inside its group (type 2) if any, as Discord nests them. */
	function nested(options: object[], subcommand: InvokeOptions['subcommand']): object[] {
		if (!subcommand) return options;
		const [first, second] = subcommand;
		if (second === undefined) return [{ name: first, type: 1, options }];
		return [{ name: first, type: 2, options: [{ name: second, type: 1, options }] }];
	}

	/**
	 * The channel a command is used in, by `guildId`, `channelId`, `dm` and `userInstall`: a guild
	 * channel, the user's DM channel with the bot, or a channel the bot is not in.
	 */
	function channelFor(options: InvokeOptions, userId: string): string {
		if (options.dm) {
			if (options.guildId || options.channelId || options.roles || options.memberPermissions !== undefined || options.userInstall === 'private-channel') {
				throw new Error('stand-in: a DM with the bot (dm: true) has no guild, channel choice, roles or member permissions');
			}
			return String(channels.openDm(userId).body.id);
		}
		if (options.userInstall === 'private-channel') {
			if (options.guildId) throw new Error("stand-in: userInstall 'private-channel' is a DM between users: no guildId");
			const id = options.channelId ?? snowflake();
			if (guilds.channel(id) || channels.dmRecipient(id)) throw new Error(`stand-in: channel ${id} is one the bot is in, not a DM between users`);
			if (!foreignPlaces.has(id)) foreignPlaces.set(id, { otherUserId: snowflake() });
			channels.markForeign(id);
			return id;
		}
		if (options.userInstall && !(options.guildId && guilds.get(options.guildId)) && !(options.channelId && guilds.channel(options.channelId))) {
			const guildId = options.guildId ?? (options.channelId && foreignPlaces.get(options.channelId)?.guildId) ?? snowflake();
			const id = options.channelId ?? [...foreignPlaces].find(([, place]) => place.guildId === guildId)?.[0] ?? snowflake();
			const known = foreignPlaces.get(id);
			if (known && known.guildId !== guildId) throw new Error(`stand-in: channel ${id} is not in guild ${guildId}`);
			foreignPlaces.set(id, { guildId });
			channels.markForeign(id);
			return id;
		}
		if (options.channelId) {
			const channel = guilds.channel(options.channelId);
			if (!channel) throw new Error(`stand-in: no guild channel ${options.channelId} (addChannel or addGuild makes one; dm: true for a DM)`);
			if (options.guildId && options.guildId !== channel.guildId) throw new Error(`stand-in: channel ${channel.id} is in guild ${channel.guildId}, not ${options.guildId}`);
			return channel.id;
		}
		if (options.guildId) {
			const first = guilds.require(options.guildId).channels[0];
			if (!first) throw new Error(`stand-in: guild ${options.guildId} has no channel (addChannel)`);
			return first.id;
		}
		return world.channelId;
	}

	/** For a press, a modal submit or a message command: the place is the message's (or the modal's); the options may only agree. */
	function checkSamePlace(channelId: string, options: InteractionOptions, action: string): void {
		const guildId = guilds.channel(channelId)?.guildId ?? foreignPlaces.get(channelId)?.guildId;
		const dm = channels.dmRecipient(channelId) !== undefined;
		const clash =
			(options.channelId !== undefined && options.channelId !== channelId && `channelId ${options.channelId}`) ||
			(options.guildId !== undefined && options.guildId !== guildId && `guildId ${options.guildId}`) ||
			(options.dm !== undefined && options.dm !== dm && `dm: ${String(options.dm)}`);
		if (clash) throw new Error(`stand-in: cannot ${action} with ${clash}: it happens where the message is, channel ${channelId}${guildId ? ` of guild ${guildId}` : ''}`);
	}

	/**
	 * Where an interaction in `channelId` by `userId` happens, as INTERACTION_CREATE says it, and the
	 * app's default permissions there. Owners follow `userInstall`, else those of `origin` (the
	 * interaction whose message a component is on), else the guild's install.
	 */
	function placeOf(channelId: string, userId: string, options: InteractionOptions, origin: InteractionHandle | undefined): { place: InteractionPlace; appPermissions: string } {
		const recipient = channels.dmRecipient(channelId);
		if (recipient) {
			const owners = options.userInstall ? { '1': userId } : (origin?.owners ?? { '0': '0' });
			return { place: { channel: { id: channelId, type: 1, flags: 0, last_message_id: null, recipients: [memberUser(recipient)] }, owners, context: 1 }, appPermissions: BOT_DM_APP_PERMISSIONS };
		}
		const foreign = foreignPlaces.get(channelId);
		if (foreign) {
			const owners = options.userInstall || !origin ? { '1': userId } : origin.owners;
			if (!foreign.guildId) {
				const recipients = [memberUser(userId), memberUser(foreign.otherUserId ?? snowflake())];
				return { place: { channel: { id: channelId, type: 1, flags: 0, last_message_id: null, recipients }, owners, context: 2 }, appPermissions: PRIVATE_CHANNEL_APP_PERMISSIONS };
			}
			const roles = options.roles ?? [];
			const permissions = options.memberPermissions !== undefined ? String(options.memberPermissions) : guilds.permissionsOf(undefined, roles);
			return {
				place: { guildId: foreign.guildId, channel: { id: channelId, type: 0, guild_id: foreign.guildId, name: 'channel', flags: 0 }, member: { roles, permissions, joinedAt: new Date().toISOString() }, owners, context: 0 },
				appPermissions: PRIVATE_CHANNEL_APP_PERMISSIONS,
			};
		}
		const channel = guilds.channel(channelId);
		if (!channel) throw new Error(`stand-in: channel ${channelId} is in no guild the bot is in, nor a DM`);
		const member = guilds.seeMember(channel.guildId, userId, options.roles);
		const permissions = options.memberPermissions !== undefined ? String(options.memberPermissions) : guilds.permissionsOf(channel.guildId, member.roles);
		return {
			place: {
				guildId: channel.guildId,
				channel: { id: channelId, type: 0, guild_id: channel.guildId, name: channel.name, flags: 0 },
				member: { roles: member.roles, permissions, joinedAt: member.joinedAt },
				owners: options.userInstall ? { '0': channel.guildId, '1': userId } : (origin?.owners ?? { '0': channel.guildId }),
				context: 0,
			},
			appPermissions: APP_PERMISSIONS,
		};
	}

	/** The interaction whose reply or follow-up `messageId` is, if any. */
	function originOf(messageId: string): InteractionHandle | undefined {
		return [...byId.values()].find((handle) => !handle.link && (handle.original?.id === messageId || handle.followups.some((message) => message.id === messageId)));
	}

	/**
	 * Sends INTERACTION_CREATE of `type` with `data`, in `channelId` (a DM channel makes it a DM
	 * interaction, by the DM's recipient; a guild channel, one in its guild), and returns the handle
	 * that records what the bot does.
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
			/** The interaction whose message this one starts from (a component's message, a modal's): its owners carry over. */
			origin?: InteractionHandle;
		},
		invokeOptions: InteractionOptions,
	): Promise<InteractionHandle> {
		await gateway.whenIdentified();
		const recipient = channels.dmRecipient(interaction.channelId);
		const userId = invokeOptions.userId ?? interaction.defaultUserId ?? recipient ?? snowflake();
		const { place, appPermissions } = placeOf(interaction.channelId, userId, invokeOptions, interaction.origin);
		const createdAt = invokeOptions.createdAt ?? Date.now();
		const id = snowflake(createdAt);
		const token = interactionToken();
		const limit = invokeOptions.attachmentSizeLimit ?? 10 * MiB;
		const handle = new InteractionHandle(id, token, userId, limit, createdAt, interaction.channelId);
		handle.type = interaction.type;
		handle.guildId = place.guildId;
		handle.owners = place.owners;
		handle.context = place.context;
		handle.sourceMessageId = interaction.sourceMessageId;
		handle.metadata = interaction.metadata?.({ id, user: memberUser(userId), authorizing_integration_owners: place.owners });
		handle.on('change', () => activity.emit('change'));
		handle.uploadRateLimits = invokeOptions.rateLimitUploads ?? 0;
		handle.failUploads = [...(invokeOptions.failUploads ?? [])];
		handle.rateLimitEdits = invokeOptions.rateLimitEdits ?? 0;
		handle.callbackTakenThen = invokeOptions.callbackTakenThen;
		handle.enforcedUploadLimit = invokeOptions.enforcedUploadLimit ?? limit;
		byId.set(id, handle);
		byToken.set(token, handle);
		const payload = interactionPayload(world, {
			id,
			token,
			type: interaction.type,
			data: interaction.data,
			userId,
			permissions: String(invokeOptions.appPermissions ?? appPermissions),
			attachmentSizeLimit: limit,
			place,
			locale: invokeOptions.locale ?? 'en-US',
			guildLocale: invokeOptions.guildLocale ?? 'en-US',
			...(interaction.message && { message: messageJson(interaction.message, messageContext()) }),
		});
		checkPayload(payload);
		handle.sentAt = performance.now();
		await gateway.dispatch('INTERACTION_CREATE', payload);
		return handle;
	}

	/**
	 * The spec describes no INTERACTION_CREATE (it covers REST), so what it does describe is checked:
	 * the users, the attachments, users, roles and channels in `resolved` (and messages, as each
	 * message object is built). The `data` shapes are typed against discord-api-types where they are built.
	 */
	function checkPayload(payload: ReturnType<typeof interactionPayload>): void {
		const label = `stand-in's INTERACTION_CREATE ${payload.id}`;
		const user = 'member' in payload && payload.member ? payload.member.user : (payload as { user?: unknown }).user;
		violations.push(...validator.checkSchema('UserResponse', user, `${label} user`));
		const resolved = (payload.data as { resolved?: APIInteractionDataResolved }).resolved;
		const check = (schema: string, entries: Record<string, unknown> | undefined, what: string) => {
			for (const entry of Object.values(entries ?? {})) violations.push(...validator.checkSchema(schema, entry, `${label} ${what}`));
		};
		check('MessageAttachmentResponse', resolved?.attachments, 'attachment');
		check('UserResponse', resolved?.users, 'resolved user');
		check('GuildRoleResponse', resolved?.roles, 'resolved role');
		check('GuildChannelResponse', resolved?.channels, 'resolved channel');
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
		checkSamePlace(current.channelId, options, `press ${customId}`);
		const data = { custom_id: customId, component_type: 2 } satisfies APIMessageButtonInteractionData;
		return dispatch(
			{
				type: 3,
				data,
				channelId: current.channelId,
				message: current,
				sourceMessageId: current.id,
				defaultUserId: onlyViewer(current),
				origin: originOf(current.id),
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
		checkSamePlace(handle.channelId, options, `submit modal ${modal.custom_id}`);
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
				origin: handle,
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
		checkSamePlace(current.channelId, options, `run ${name}`);
		const data: APIMessageApplicationCommandInteractionData = {
			id: snowflake(),
			name,
			type: 3,
			target_id: current.id,
			resolved: { messages: { [current.id]: messageJson(current, messageContext()) as unknown as APIMessageApplicationCommandInteractionData['resolved']['messages'][string] } },
		};
		return dispatch(
			{ type: 2, data, channelId: current.channelId, defaultUserId: onlyViewer(current), metadata: (base) => ({ ...base, type: 2, target_message_id: current.id }) },
			options,
		);
	}

	/** A member posts a message with files in the world's channel (or `channelId`); the files are served like any message's. */
	function postUserMessage(message: UserMessage): SentMessage {
		const channelId = message.channelId ?? world.channelId;
		if (!guilds.channel(channelId)) throw new Error(`stand-in: members post in guild channels; ${channelId} is none`);
		const files: SentFile[] = message.attachments.map((file) => ({
			id: snowflake(),
			filename: file.name,
			size: file.size ?? file.data.length,
			contentType: file.contentType ?? '',
			data: file.data,
		}));
		const posted: SentMessage = { ...toMessage({ content: message.content ?? '' }, files, channelId, false), authorId: message.userId ?? snowflake() };
		channels.postMemberMessage(posted);
		return posted;
	}

	/** Message `messageId` as it is now, wherever it is (a reply, a follow-up, a channel post, a member's post, a DM). */
	function findMessage(messageId: string): SentMessage | undefined {
		return locate(messageId)?.current();
	}

	/**
	 * The bot joins a new guild with `channels` text channels (default 1: `general`, then
	 * `channel-2`, …) and `roles` (besides @everyone, a plain member's permissions). Dispatched as
	 * GUILD_CREATE when the bot is connected (resolves once it is written), else sent at identify
	 * with the others. `roleIds` by name, `@everyone` included (it is the guild's id).
	 */
	async function addGuild(options: { name?: string; channels?: number; roles?: Array<{ name: string; permissions?: string | bigint }> } = {}) {
		const count = options.channels ?? 1;
		const guild = guilds.add({ name: options.name, channelNames: Array.from({ length: count }, (_, index) => (index === 0 ? 'general' : `channel-${index + 1}`)), roles: options.roles ?? [] });
		if (gateway.connected) await gateway.dispatch('GUILD_CREATE', guildCreate(guild.id));
		return {
			guildId: guild.id,
			channelIds: guild.channels.map((channel) => channel.id),
			roleIds: Object.fromEntries(guild.roles.map((role) => [role.name, role.id])) as Record<string, string>,
		};
	}

	/** Sends a dispatch when a client is connected; in order with every other dispatch, so before any interaction sent after it. */
	function dispatchIfConnected(event: string, data: unknown): void {
		if (gateway.connected) gateway.dispatch(event, data).catch((error: unknown) => violations.push(`stand-in could not send ${event}: ${String(error)}`));
	}

	/** A new text channel in `guildId` (default the world's guild); CHANNEL_CREATE tells a connected bot. */
	function addChannel(guildId: string = world.guildId, name?: string): string {
		const channel = guilds.addChannel(guildId, name);
		const payload = guilds.channelPayload(channel);
		violations.push(...validator.checkSchema('GuildChannelResponse', payload, `stand-in's CHANNEL_CREATE ${channel.id}`));
		dispatchIfConnected('CHANNEL_CREATE', payload);
		return channel.id;
	}

	/** A new role in `guildId` (default the world's guild) with `permissions` (default none); GUILD_ROLE_CREATE tells a connected bot. */
	function addRole(guildId: string | undefined, name: string, permissions?: string | bigint): string {
		const role = guilds.addRole(guildId ?? world.guildId, name, permissions);
		const payload = guilds.rolePayload(role);
		violations.push(...validator.checkSchema('GuildRoleResponse', payload, `stand-in's GUILD_ROLE_CREATE ${role.id}`));
		dispatchIfConnected('GUILD_ROLE_CREATE', { guild_id: guildId ?? world.guildId, role: payload });
		return role.id;
	}

	/** The bot's posts (with its token) in guild channel `channelId`, in order: a live list. */
	function messagesIn(channelId: string): SentMessage[] {
		if (!guilds.channel(channelId)) {
			const recipient = channels.dmRecipient(channelId);
			throw new Error(`stand-in: ${channelId} is not a guild channel${recipient ? ` (it is the DM with ${recipient}: see dms)` : ''}`);
		}
		return channels.messagesIn(channelId);
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
		deletedMessages,
		/** Messages the bot posted with its token in the world's channel (`messagesIn` for any other). */
		channelMessages: channels.guildMessages,
		messagesIn,
		addGuild,
		addChannel,
		addRole,
		/** The ids of the guilds the bot is in, the world's first. */
		guildIds: () => [...guilds.byId.keys()],
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
			waitUntil(activity, predicate, timeoutMs, () => `stand-in: condition not met in ${timeoutMs} ms; last channel post ${JSON.stringify(channels.lastPost ?? null).slice(0, 400)}`),
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
		/** Each dispatch of a guild's event, and the shards it went to (one, as Discord routes them). */
		routed: gateway.routed,
		/** GUILD_CREATE's payload of `guildId` (default the world's guild). */
		guild: (guildId: string = world.guildId) => guilds.payload(guildId),
		/** Forgets finished interactions (the benchmark sends thousands), and their members when they had no roles. */
		forget(handle: InteractionHandle): void {
			byId.delete(handle.id);
			byToken.delete(handle.token);
			// A member no test gave roles to is forgotten with its interaction.
			const members = handle.guildId ? guilds.get(handle.guildId)?.members : undefined;
			if (members?.get(handle.userId)?.roles.length === 0) members.delete(handle.userId);
		},
		async close(): Promise<void> {
			gateway.close();
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}
