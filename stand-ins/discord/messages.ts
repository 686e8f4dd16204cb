import { performance } from 'node:perf_hooks';
import type { AllowedMentions, SentFile, SentMessage } from './interaction-handle.js';
import { snowflake } from './payloads.js';

/** The message fields the stand-in reads from a create or edit body. */
export interface MessageBody {
	content?: string;
	embeds?: Array<Record<string, unknown>>;
	flags?: number;
	allowed_mentions?: AllowedMentions;
	message_reference?: SentMessage['messageReference'];
	nonce?: string | number | null;
	enforce_nonce?: boolean | null;
}

/** A message as recorded, with who Discord would notify. */
export function toMessage(body: unknown, files: SentFile[], channelId: string, ephemeral = Boolean(Number((body as MessageBody | undefined)?.flags ?? 0) & 64)): SentMessage {
	const data = (body ?? {}) as MessageBody;
	const content = data.content ?? '';
	const pings = pingsOf(content, data.allowed_mentions);
	return {
		id: snowflake(),
		channelId,
		content,
		embeds: data.embeds ?? [],
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

/** The message object Discord answers with. */
export function messageJson(message: SentMessage, context: { baseUrl: string; author: object }) {
	return {
		id: message.id,
		channel_id: message.channelId,
		type: message.repliesTo ? 19 : 0,
		author: context.author,
		content: message.content,
		embeds: message.embeds,
		attachments: message.files.map((file, index) => ({
			id: snowflake(),
			filename: file.filename,
			size: file.size,
			content_type: file.contentType,
			url: `${context.baseUrl}/attachments/${message.channelId}/${index}/${file.filename}`,
			proxy_url: `${context.baseUrl}/attachments/${message.channelId}/${index}/${file.filename}`,
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
		...(message.repliesTo && { message_reference: { type: 0, message_id: message.repliesTo, channel_id: message.channelId } }),
		...(message.nonce !== undefined && { nonce: message.nonce }),
	};
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
