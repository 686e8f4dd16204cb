import { EventEmitter, once } from 'node:events';
import { allComponents, textDisplays } from './messages.js';

export interface SentFile {
	/** The attachment's id (a snowflake), given when the file reached the stand-in; stable across fetches. */
	id: string;
	filename: string;
	size: number;
	contentType: string;
	/** The bytes, unless the stand-in was started with `keepFiles: false`. */
	data?: Buffer;
}

/** `allowed_mentions` as the bot sent it. */
export interface AllowedMentions {
	parse?: string[];
	users?: string[];
	roles?: string[];
	replied_user?: boolean;
}

/** A message as a Discord user would see it. */
export interface SentMessage {
	id: string;
	/** The channel it is in: the interaction's channel for a reply, a DM channel for a DM. */
	channelId: string;
	content: string;
	embeds: Array<Record<string, unknown>>;
	/** Top-level components (action rows, …) as Discord keeps them: every component has its `id`. */
	components: Array<Record<string, unknown>>;
	files: SentFile[];
	ephemeral: boolean;
	/** The member who wrote it (`postUserMessage`); undefined for the bot's own messages. */
	authorId?: string;
	/** `interaction_metadata` of the interaction whose response this is (a reply, a follow-up). */
	interaction?: Record<string, unknown>;
	/** When it was last edited (ms since the epoch); undefined if never. */
	editedAt?: number;
	/** True when Discord would have notified someone: @everyone/@here, a user or a role. */
	pinged: boolean;
	/** The users Discord would notify. */
	pingedUsers: string[];
	/** `allowed_mentions` exactly as sent (undefined when the body had none). */
	allowedMentions?: AllowedMentions;
	/** `message_reference` exactly as sent. */
	messageReference?: { message_id: string; fail_if_not_exists?: boolean | null; [key: string]: unknown };
	/** The message this one shows as a reply to, when Discord found it. */
	repliesTo?: string;
	/** Sent with `IS_COMPONENTS_V2`: its components are the message (no content or embeds). */
	componentsV2?: boolean;
	/** `nonce` as sent (a string, as Discord echoes it). */
	nonce?: string;
	at: number;
}

export interface Rejection {
	status: number;
	code: number;
	route: string;
	message: string;
}

/**
 * How the stand-in answers one upload: an HTTP error, or a socket closed without an answer. A 429
 * comes as Discord's rate limit (`{ message, retry_after, global, code? }` with `Retry-After` and
 * `X-RateLimit-*` headers; `retryAfter` in seconds, default 0.05): `[{ status: 429 }, { status: 429 }, { status: 502 }]`.
 */
export type UploadFault = { status: number; code?: number; retryAfter?: number; global?: boolean } | 'reset';

/** One request to the interaction's webhook (`/webhooks/{app}/{token}…`), and how it was answered. */
export interface WebhookRequest {
	method: string;
	/** `@original`, a message id, or `followup` (a POST to the webhook itself). */
	target: string;
	files: number;
	/** 0 when the socket was closed without an answer. */
	status: number;
	code?: number;
	at: number;
}

/** Where a message lives (a reply, a follow-up, a channel post, a DM): read, replace or delete it there. */
export interface MessageLink {
	current(): SentMessage | undefined;
	replace(next: SentMessage): void;
	remove(): void;
}

/** A modal the bot opened (callback type 9), its components carrying the ids Discord gave them. */
export interface ShownModal {
	custom_id: string;
	title: string;
	components: Array<Record<string, unknown>>;
}

/** Interaction tokens die this long after the interaction's creation (its snowflake time). */
export const INTERACTION_TOKEN_LIFETIME_MS = 15 * 60_000;

/**
 * One interaction the stand-in sent, and everything the bot did with it. Tests wait on it with
 * `waitFor`, which re-checks on every change: no sleeping. The fault knobs (`expireToken`,
 * `deleteOriginal`, `failUploads`, `uploadRateLimits`, `rateLimitEdits`) act on requests from now on.
 */
export class InteractionHandle extends EventEmitter {
	/** `performance.now()` when INTERACTION_CREATE was written to the gateway socket. */
	sentAt = 0;
	callback: { type: number; data?: Record<string, unknown>; at: number } | undefined;
	/** The interaction's type: 2 command, 3 component, 4 autocomplete, 5 modal submit. */
	type = 2;
	/** The guild it happened in (one the bot is in, or not, for a user-installed app); undefined in a DM. */
	guildId: string | undefined;
	/** `authorizing_integration_owners` it carried: `{ '0': guildId }` for the bot's guild, `{ '1': userId }` for a user install. */
	owners: Record<string, string> = {};
	/** `context`: 0 guild, 1 DM with the bot, 2 a (group) DM between users. */
	context = 0;
	/** For a component (and a modal opened from one): the id of the message the component is on. */
	sourceMessageId: string | undefined;
	/** `interaction_metadata` that messages answering this interaction carry. */
	metadata: Record<string, unknown> | undefined;
	/** The modal the bot answered with (callback type 9). */
	modal: ShownModal | undefined;
	/**
	 * Set once a component interaction is answered with 6 or 7: `@original` is then the message the
	 * component is on, wherever it lives, and edits through this token change it there.
	 */
	link: MessageLink | undefined;
	private ownOriginal: SentMessage | undefined;
	/** The reply as it was when it was deleted. */
	deletedOriginal: SentMessage | undefined;
	readonly history: SentMessage[] = [];
	readonly followups: SentMessage[] = [];
	readonly rejections: Rejection[] = [];
	/** Every request to this interaction's webhook, answered or not. */
	readonly requests: WebhookRequest[] = [];
	/** Uploads still to be answered with 429. */
	uploadRateLimits = 0;
	/** How the next uploads fail, in order: one entry per upload. */
	failUploads: UploadFault[] = [];
	/** JSON edits of the reply still to be answered with 429. */
	rateLimitEdits = 0;
	/** Status (a 5xx) answering the first callback after Discord has taken it: a retry then gets 400 `40060`. */
	callbackTakenThen: number | undefined;
	/** Largest upload the stand-in accepts for this interaction. */
	enforcedUploadLimit = Number.POSITIVE_INFINITY;
	/** Answer to an autocomplete interaction. */
	choices: Array<{ name: string; value: string | number }> | undefined;
	private revoked = false;

	constructor(
		readonly id: string,
		readonly token: string,
		readonly userId: string,
		readonly attachmentSizeLimit: number,
		/** When Discord created the interaction (its snowflake's time), in ms since the epoch. */
		readonly createdAt: number = Date.now(),
		readonly channelId: string = '',
	) {
		super();
		this.setMaxListeners(0);
	}

	/**
	 * The reply as it stands now (undefined once deleted); `history` holds each state it went
	 * through. After a 6 or 7 callback, the message the component is on.
	 */
	get original(): SentMessage | undefined {
		return this.link ? this.link.current() : this.ownOriginal;
	}

	set original(message: SentMessage | undefined) {
		if (!this.link) this.ownOriginal = message;
		else if (message) this.link.replace(message);
		else this.link.remove();
	}

	/** Milliseconds from INTERACTION_CREATE to the callback, or undefined before it. */
	get firstResponseMs(): number | undefined {
		return this.callback ? this.callback.at - this.sentAt : undefined;
	}

	/** True once the token is dead: 15 minutes after creation, or after `expireToken()`. */
	get tokenExpired(): boolean {
		return this.revoked || Date.now() >= this.createdAt + INTERACTION_TOKEN_LIFETIME_MS;
	}

	/** From now on, every webhook request answers 401 `50027 Invalid Webhook Token`. */
	expireToken(): void {
		this.revoked = true;
	}

	/** A moderator deletes the reply: from now on, requests for `@original` answer 404 `10008 Unknown Message`. */
	deleteOriginal(): void {
		const current = this.original;
		if (current) this.deletedOriginal = current;
		this.original = undefined;
		this.changed();
	}

	get originalDeleted(): boolean {
		return this.deletedOriginal !== undefined || (this.link !== undefined && this.link.current() === undefined);
	}

	/** Webhook requests sent after `since` (a `performance.now()` time). */
	requestsSince(since: number): WebhookRequest[] {
		return this.requests.filter((request) => request.at >= since);
	}

	changed(): void {
		this.emit('change');
	}

	/** Resolves once `predicate` holds; rejects after `timeoutMs` with what was seen. */
	async waitFor(predicate: (handle: this) => boolean, timeoutMs = 15_000): Promise<this> {
		await waitUntil(this, () => predicate(this), timeoutMs, () => `interaction ${this.id}: condition not met in ${timeoutMs} ms; reply is ${JSON.stringify(this.original ?? this.callback ?? null).slice(0, 600)}`);
		return this;
	}

	/** Waits until the reply holds the final word: a file, a link, or a failure. */
	finished(timeoutMs?: number): Promise<this> {
		return this.waitFor((handle) => isFinal(handle.original), timeoutMs);
	}
}

/** A message's headline: its first embed's title, or in a Components V2 card the `### ` line of its first text display that has one. */
export function titleOf(message: SentMessage | undefined): string {
	if (!message) return '';
	const embedTitle = message.embeds[0]?.title;
	if (embedTitle !== undefined) return String(embedTitle);
	for (const text of textDisplays(message.components)) {
		const heading = /^### (.+)$/m.exec(text);
		if (heading) return heading[1]!;
	}
	return '';
}

/** Every button of a message, in rows at the top or inside a container. */
export function buttonsOf(message: SentMessage | undefined): Array<{ label?: string; custom_id?: string; style?: number; url?: string; disabled?: boolean; emoji?: { name?: string } }> {
	return allComponents(message?.components ?? []).filter((component) => component.type === 2) as never;
}

/** The files a Components V2 message shows in its media galleries, by `attachment://` name, and whether each is a spoiler. */
export function galleryOf(message: SentMessage | undefined): Array<{ url: string; description: string | null; spoiler: boolean }> {
	return allComponents(message?.components ?? [])
		.filter((component) => component.type === 12)
		.flatMap((gallery) =>
			(gallery.items as Array<{ media: { url: string }; description?: string | null; spoiler?: boolean }>).map((item) => ({ url: item.media.url, description: item.description ?? null, spoiler: item.spoiler ?? false })),
		);
}

/** True when a message holds a job's final word: its English headline, or in any language the Again button every final message carries. */
export function isFinal(message: SentMessage | undefined): boolean {
	return /Video ready|Video failed|Images ready|images ready|Images failed|Cancelled/.test(textOf(message)) || (message !== undefined && JSON.stringify(message.components).includes('"rd:again:'));
}

/** Resolves once `check` holds, re-checking on each `change` event of `emitter`. */
export async function waitUntil(emitter: EventEmitter, check: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
	const signal = AbortSignal.timeout(timeoutMs);
	while (!check()) {
		try {
			await once(emitter, 'change', { signal });
		} catch {
			throw new Error(describe());
		}
	}
}

/** Everything a user reads in a message, as plain text (content, embed titles, descriptions, fields). */
export function textOf(message: SentMessage | undefined): string {
	if (!message) return '';
	const parts = [message.content, ...textDisplays(message.components)];
	for (const embed of message.embeds) {
		parts.push(String(embed.title ?? ''), String(embed.description ?? ''));
		for (const field of (embed.fields as Array<{ name: string; value: string }> | undefined) ?? []) parts.push(`${field.name}: ${field.value}`);
	}
	return parts.filter(Boolean).join('\n');
}
