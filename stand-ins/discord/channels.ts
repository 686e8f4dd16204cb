import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Rejection, SentFile, SentMessage } from './interaction-handle.js';
import { allowedMentionsProblem, componentsV2Problem, toMessage, type MessageBody } from './messages.js';
import { memberUser, snowflake } from './payloads.js';

/** How Discord answers a refused bot post, by JSON error code. */
const REFUSALS: Record<number, { status: number; message: string }> = {
	50001: { status: 403, message: 'Missing Access' },
	50007: { status: 403, message: 'Cannot send messages to this user' },
	50013: { status: 403, message: 'Missing Permissions' },
	10003: { status: 404, message: 'Unknown Channel' },
};

/** How Discord answers one bot post in a channel, set with `failPosts`. */
export type ChannelPostFault =
	/** The message is created, but the connection is reset before the answer: the bot cannot tell it was. */
	| 'stored-then-reset'
	/** The request is read and never answered (a stalled upload). */
	| 'no-answer';

/** How long Discord remembers an enforced nonce: "the past few minutes", it says. */
export const NONCE_WINDOW_MS = 5 * 60_000;

export interface ChannelAnswer {
	status: number;
	body: Record<string, unknown>;
	message?: SentMessage;
	/** Set when the connection is to be reset (after storing) or left unanswered, instead of answering. */
	fault?: ChannelPostFault;
}

/**
 * What the bot does with its own token: posts in the guilds' channels and DMs. Refusals are set
 * per channel (`refuse`) or per recipient (`refuseDms`), faults per channel (`failPosts`); every
 * post and refusal emits `change`. A post with `enforce_nonce` whose nonce the channel saw in the
 * last few minutes answers the first message and creates nothing, as Discord does.
 */
export class StandInChannels extends EventEmitter {
	/** Messages the bot posted in the world's channel, in order (`messagesIn` for any channel). */
	readonly guildMessages: SentMessage[] = [];
	/** DMs the bot sent, by recipient user id. */
	readonly dms = new Map<string, SentMessage[]>();
	/** Messages members posted in guild channels (`postMemberMessage`), in order. */
	readonly memberMessages: SentMessage[] = [];
	/** Bot-token posts Discord refused, in order. */
	readonly rejections: Array<Rejection & { channelId: string }> = [];
	/** Channel ids of posts read and left unanswered (`'no-answer'`), in order. */
	readonly unanswered: string[] = [];
	private readonly dmChannelOf = new Map<string, string>();
	private readonly recipientOf = new Map<string, string>();
	private readonly refusedChannels = new Map<string, number>();
	private readonly refusedRecipients = new Map<string, number>();
	private readonly faults = new Map<string, ChannelPostFault[]>();
	/** Enforced nonces by channel, with the message each created (its `at` says when). */
	private readonly nonces = new Map<string, Map<string, SentMessage>>();
	/** The bot's posts by guild channel; the world's channel holds `guildMessages` itself. */
	private readonly posts = new Map<string, SentMessage[]>();
	/** Channels the bot cannot reach at all: where only a user-installed app was used. */
	private readonly foreign = new Set<string>();
	/** The bot's last post anywhere, for timeout messages. */
	lastPost: SentMessage | undefined;

	constructor(
		/** Every guild text channel the bot is in (it may grow). */
		private readonly guildChannels: ReadonlySet<string>,
		/** Whether a message outside the channel lists (an interaction's reply) still exists. */
		private readonly replyExists: (channelId: string, messageId: string) => boolean,
		private readonly uploadLimit: number,
		/** The world's channel: its posts are `guildMessages`. */
		defaultChannelId?: string,
	) {
		super();
		this.setMaxListeners(0);
		if (defaultChannelId) this.posts.set(defaultChannelId, this.guildMessages);
	}

	/** The bot's posts in guild channel `channelId`, in order: a live list (empty until the first post). */
	messagesIn(channelId: string): SentMessage[] {
		let list = this.posts.get(channelId);
		if (!list) {
			list = [];
			this.posts.set(channelId, list);
		}
		return list;
	}

	/** Bot posts in `channelId` answer 403 `50001 Missing Access`: the bot is not where the channel is. */
	markForeign(channelId: string): void {
		this.foreign.add(channelId);
	}

	/** Bot posts in `channelId` answer with `code` (50013, 50001, 10003) until the returned function is called. */
	refuse(channelId: string, code = 50013): () => void {
		this.refusedChannels.set(channelId, code);
		return () => void this.refusedChannels.delete(channelId);
	}

	/** DMs to `userId` answer with `code` (50007: the member does not accept DMs) until the returned function is called. */
	refuseDms(userId: string, code = 50007): () => void {
		this.refusedRecipients.set(userId, code);
		return () => void this.refusedRecipients.delete(userId);
	}

	/** The next posts in `channelId` that would succeed fail as `faults` say, one entry per post, in order. */
	failPosts(channelId: string, ...faults: ChannelPostFault[]): void {
		this.faults.set(channelId, [...(this.faults.get(channelId) ?? []), ...faults]);
	}

	/** `POST /users/@me/channels`: the DM channel with `recipientId`, the same one each time. */
	openDm(recipientId: string): ChannelAnswer {
		if (!/^\d{17,20}$/.test(recipientId)) return { status: 400, body: { message: 'Invalid Form Body', code: 50035 } };
		let id = this.dmChannelOf.get(recipientId);
		if (!id) {
			id = snowflake();
			this.dmChannelOf.set(recipientId, id);
			this.recipientOf.set(id, recipientId);
		}
		return { status: 200, body: { id, type: 1, last_message_id: null, flags: 0, recipients: [memberUser(recipientId)] } };
	}

	/** The user whose DM channel with the bot `channelId` is, if it is one. */
	dmRecipient(channelId: string): string | undefined {
		return this.recipientOf.get(channelId);
	}

	/** A member posts `message` in a guild channel. */
	postMemberMessage(message: SentMessage): void {
		this.memberMessages.push(message);
		this.emit('change');
	}

	/** Every list of messages kept here (each guild channel's posts, members' posts, each DM channel), to find a message in. */
	messageLists(): SentMessage[][] {
		return [...this.posts.values(), this.memberMessages, ...this.dms.values()];
	}

	/** `POST /channels/{id}/messages` with the bot token. */
	post(channelId: string, body: unknown, files: SentFile[]): ChannelAnswer {
		const recipient = this.recipientOf.get(channelId);
		const code = recipient
			? this.refusedRecipients.get(recipient)
			: this.guildChannels.has(channelId)
				? this.refusedChannels.get(channelId)
				: this.foreign.has(channelId)
					? 50001
					: 10003;
		if (code !== undefined) {
			const { status, message } = REFUSALS[code] ?? { status: 403, message: 'Refused' };
			return this.reject(channelId, status, code, message);
		}
		if (files.some((file) => file.size > this.uploadLimit)) return this.reject(channelId, 413, 40005, 'Request entity too large');
		const data = (body ?? {}) as MessageBody;
		const mentions = allowedMentionsProblem(data.allowed_mentions);
		if (mentions) return this.reject(channelId, 400, 50035, mentions);
		const v2 = componentsV2Problem(body, files);
		if (v2) return this.reject(channelId, 400, 50035, v2);
		const fault = this.faults.get(channelId)?.shift();
		if (fault === 'no-answer') {
			this.unanswered.push(channelId);
			this.emit('change');
			return { status: 0, body: {}, fault };
		}
		const nonce = data.enforce_nonce && data.nonce !== undefined && data.nonce !== null ? String(data.nonce) : undefined;
		const earlier = nonce === undefined ? undefined : this.nonces.get(channelId)?.get(nonce);
		if (earlier && performance.now() - earlier.at < NONCE_WINDOW_MS) return { status: 200, body: {}, message: earlier, fault };
		const message = toMessage(body, files, channelId, false);
		const reference = data.message_reference;
		if (reference) {
			const found = this.exists(reference.channel_id ? String(reference.channel_id) : channelId, reference.message_id);
			if (found) message.repliesTo = reference.message_id;
			else if (reference.fail_if_not_exists !== false) return this.reject(channelId, 400, 50035, 'message_reference: Unknown message');
		}
		if (nonce !== undefined) this.nonces.set(channelId, (this.nonces.get(channelId) ?? new Map()).set(nonce, message));
		if (recipient) this.dms.set(recipient, [...(this.dms.get(recipient) ?? []), message]);
		else this.messagesIn(channelId).push(message);
		this.lastPost = message;
		this.emit('change');
		return { status: 200, body: {}, message, fault };
	}

	private exists(channelId: string, messageId: string): boolean {
		const inChannel = (messages: SentMessage[] | undefined) => messages?.some((message) => message.id === messageId && message.channelId === channelId) ?? false;
		const recipient = this.recipientOf.get(channelId);
		return recipient ? inChannel(this.dms.get(recipient)) : inChannel(this.posts.get(channelId)) || inChannel(this.memberMessages) || this.replyExists(channelId, messageId);
	}

	private reject(channelId: string, status: number, code: number, message: string): ChannelAnswer {
		this.rejections.push({ status, code, route: `POST /channels/${channelId}/messages`, message, channelId });
		this.emit('change');
		return { status, body: { message, code } };
	}
}
