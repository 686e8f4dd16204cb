import { performance } from 'node:perf_hooks';
import type { AllowedMentions, SentFile, SentMessage } from './interaction-handle.js';
import { messageComponents } from './components.js';
import { memberUser, snowflake, snowflakeTime } from './payloads.js';

/** The message fields the stand-in reads from a create or edit body. */
export interface MessageBody {
	content?: string;
	embeds?: Array<Record<string, unknown>>;
	components?: Array<Record<string, unknown>> | null;
	flags?: number;
	allowed_mentions?: AllowedMentions;
	message_reference?: SentMessage['messageReference'];
	nonce?: string | number | null;
	enforce_nonce?: boolean | null;
}

/** `IS_COMPONENTS_V2`: the message is its components (text displays, containers, galleries), with no content or embeds. */
export const COMPONENTS_V2 = 1 << 15;
/** Discord's limits on a Components V2 message: components in all (nested ones too), and text across its text displays. */
const V2_MAX_COMPONENTS = 40;
const V2_MAX_TEXT = 4000;

type Component = Record<string, unknown>;

/** Every component of a message, nested ones included (a container's children, a section's accessory). */
export function allComponents(components: readonly Component[]): Component[] {
	return components.flatMap((component) => [
		component,
		...allComponents([...((component.components as Component[] | undefined) ?? []), ...(component.accessory ? [component.accessory as Component] : [])]),
	]);
}

/** The text of a message's text displays, in order. */
export function textDisplays(components: readonly Component[]): string[] {
	return allComponents(components)
		.filter((component) => component.type === 10)
		.map((component) => String(component.content ?? ''));
}

/**
 * Why Discord would refuse this create or edit body for Components V2 (400 50035), or undefined:
 * with the flag (or on a message that has it: it cannot be removed), no `content` or `embeds`,
 * at most 40 components and 4,000 characters of text, and every `attachment://` a file of the
 * message; without it, only action rows at the top.
 */
export function componentsV2Problem(body: unknown, files: SentFile[], previous?: SentMessage): string | undefined {
	const data = (body ?? {}) as MessageBody;
	const flagged = data.flags !== undefined && (Number(data.flags) & COMPONENTS_V2) !== 0;
	if (previous?.componentsV2 && data.flags !== undefined && !flagged) return 'flags: IS_COMPONENTS_V2 cannot be removed from a message';
	const components = data.components ?? (previous ? previous.components : []);
	if (!flagged && !previous?.componentsV2) {
		const misplaced = (data.components ?? []).find((component) => component.type !== 1);
		return misplaced ? `components: type ${String(misplaced.type)} needs the IS_COMPONENTS_V2 flag` : undefined;
	}
	if ((data.content ?? '') !== '' || (data.embeds?.length ?? 0) > 0) return 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2: content and embeds cannot be sent with IS_COMPONENTS_V2';
	const every = allComponents(components ?? []);
	if (every.length > V2_MAX_COMPONENTS) return `components: ${every.length} components, over the ${V2_MAX_COMPONENTS} allowed`;
	const text = textDisplays(components ?? []).join('').length;
	if (text > V2_MAX_TEXT) return `components: ${text} characters of text, over the ${V2_MAX_TEXT} allowed`;
	const kept = 'attachments' in (data as object) || files.length > 0 ? files : (previous?.files ?? []);
	const names = new Set(kept.map((file) => file.filename));
	for (const component of every) {
		const media = [component.media, component.file, ...((component.items as Component[] | undefined) ?? []).map((item) => item.media)] as Array<{ url?: string } | undefined>;
		for (const url of media.map((item) => item?.url).filter((value): value is string => typeof value === 'string')) {
			if (url.startsWith('attachment://') && !names.has(url.slice('attachment://'.length))) return `components: ${url} names no attachment of the message`;
		}
	}
	return undefined;
}

/** A message as recorded, with who Discord would notify. */
export function toMessage(body: unknown, files: SentFile[], channelId: string, ephemeral = Boolean(Number((body as MessageBody | undefined)?.flags ?? 0) & 64)): SentMessage {
	const data = (body ?? {}) as MessageBody;
	const content = data.content ?? '';
	const componentsV2 = (Number(data.flags ?? 0) & COMPONENTS_V2) !== 0;
	// In a Components V2 message, mentions in text displays notify as content's would.
	const pings = pingsOf(componentsV2 ? textDisplays(data.components ?? []).join('\n') : content, data.allowed_mentions);
	return {
		...(componentsV2 && { componentsV2 }),
		id: snowflake(),
		channelId,
		content,
		embeds: data.embeds ?? [],
		components: messageComponents(data.components ?? []),
		files,
		ephemeral,
		pinged: pings.everyone || pings.roles.length > 0 || pings.users.length > 0,
		pingedUsers: pings.users,
		...(data.allowed_mentions && { allowedMentions: data.allowed_mentions }),
		...(data.message_reference && { messageReference: data.message_reference }),
		...(data.nonce !== undefined && data.nonce !== null && { nonce: String(data.nonce) }),
		at: performance.now(),
	};
}

/** Why Discord would refuse these `allowed_mentions` (400 50035), or undefined. */
export function allowedMentionsProblem(allowed: AllowedMentions | undefined): string | undefined {
	if (!allowed) return undefined;
	if (allowed.parse?.includes('users') && (allowed.users?.length ?? 0) > 0) return 'allowed_mentions: parse "users" and a users list are mutually exclusive';
	if (allowed.parse?.includes('roles') && (allowed.roles?.length ?? 0) > 0) return 'allowed_mentions: parse "roles" and a roles list are mutually exclusive';
	return undefined;
}

/**
 * `previous` edited with `patch` (a PATCH body, or an UPDATE_MESSAGE callback's data), as Discord
 * does: fields the patch leaves out (content, embeds, components) stay; files stay unless the
 * patch lists `attachments` or brings new ones. It keeps its id, author and interaction.
 */
export function editMessage(previous: SentMessage | undefined, patch: Record<string, unknown>, files: SentFile[], channelId: string): SentMessage {
	const flags = previous?.componentsV2 ? COMPONENTS_V2 | Number(patch.flags ?? 0) : patch.flags;
	const next = toMessage({ content: previous?.content, embeds: previous?.embeds, components: previous?.components, ...patch, flags }, files, previous?.channelId ?? channelId, previous?.ephemeral ?? false);
	if (!previous) return next;
	if (!('attachments' in patch) && files.length === 0) next.files = previous.files;
	return {
		...next,
		id: previous.id,
		...(previous.authorId !== undefined && { authorId: previous.authorId }),
		...(previous.interaction && { interaction: previous.interaction }),
		...(previous.repliesTo !== undefined && { repliesTo: previous.repliesTo }),
		...(previous.messageReference && { messageReference: previous.messageReference }),
		...(previous.nonce !== undefined && { nonce: previous.nonce }),
		editedAt: Date.now(),
	};
}

export interface MessageContext {
	baseUrl: string;
	/** The bot user, author of the bot's messages. */
	author: object;
	/** The application id: `webhook_id` of interaction responses. */
	applicationId?: string;
	/** The signed link of a file in a channel's message; unsigned `/attachments/…` without it. */
	fileUrl?: (channelId: string, file: SentFile) => string;
	/** Called with each message object built, to check it against the spec. */
	check?: (message: Record<string, unknown>) => void;
	/** Called with what Discord would refuse in a body the bot sent (a bug of the bot's, beside the 400). */
	violation?: (problem: string) => void;
}

/** The message object Discord answers with (`MessageResponse` in the spec). */
export function messageJson(message: SentMessage, context: MessageContext) {
	const body = {
		id: message.id,
		channel_id: message.channelId,
		type: message.repliesTo ? 19 : 0,
		author: message.authorId ? memberUser(message.authorId) : context.author,
		content: message.content,
		embeds: message.embeds.map(embedJson),
		attachments: message.files.map((file) => {
			const url = context.fileUrl?.(message.channelId, file) ?? `${context.baseUrl}/attachments/${message.channelId}/${file.id}/${encodeURIComponent(file.filename)}`;
			return { id: file.id, filename: file.filename, size: file.size, url, proxy_url: url, ...(file.contentType && { content_type: file.contentType }) };
		}),
		mentions: [],
		mention_roles: [],
		mention_everyone: false,
		pinned: false,
		tts: false,
		timestamp: new Date(snowflakeTime(message.id)).toISOString(),
		edited_timestamp: message.editedAt === undefined ? null : new Date(message.editedAt).toISOString(),
		flags: (message.ephemeral ? 64 : 0) | (message.componentsV2 ? COMPONENTS_V2 : 0),
		components: message.components,
		...(message.interaction && { interaction_metadata: message.interaction, ...(context.applicationId && { webhook_id: context.applicationId, application_id: context.applicationId }) }),
		...(message.repliesTo && { message_reference: { type: 0, message_id: message.repliesTo, channel_id: message.channelId } }),
		...(message.nonce !== undefined && { nonce: message.nonce }),
	};
	context.check?.(body);
	return body;
}

/** An embed as Discord answers it: `type: 'rich'`, every field's `inline` set. */
function embedJson(embed: Record<string, unknown>): Record<string, unknown> {
	const fields = embed.fields as Array<Record<string, unknown>> | undefined;
	return { type: 'rich', ...embed, ...(fields && { fields: fields.map((field) => ({ ...field, inline: field.inline ?? false })) }) };
}

/**
 * Who Discord would notify: a mention in the content pings only where `allowed_mentions` lets it
 * through (with no `allowed_mentions` at all, everything does). Mentions inside embeds never ping.
 */
function pingsOf(content: string, allowed: AllowedMentions | undefined): { everyone: boolean; roles: string[]; users: string[] } {
	const parse = allowed ? (allowed.parse ?? []) : ['everyone', 'users', 'roles'];
	const everyone = /@(everyone|here)\b/.test(content) && parse.includes('everyone');
	const roles = new Set<string>();
	const users = new Set<string>();
	for (const [, kind, id] of content.matchAll(/<@(&|!)?(\d+)>/g)) {
		if (kind === '&') {
			if (parse.includes('roles') || allowed?.roles?.includes(id!)) roles.add(id!);
		} else if (parse.includes('users') || allowed?.users?.includes(id!)) users.add(id!);
	}
	return { everyone, roles: [...roles], users: [...users] };
}
