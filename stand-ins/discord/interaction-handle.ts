import { EventEmitter, once } from 'node:events';

export interface SentFile {
	filename: string;
	size: number;
	contentType: string;
	/** The bytes, unless the stand-in was started with `keepFiles: false`. */
	data?: Buffer;
}

/** A message as a Discord user would see it. */
export interface SentMessage {
	id: string;
	content: string;
	embeds: Array<Record<string, unknown>>;
	files: SentFile[];
	ephemeral: boolean;
	/** True when Discord would have notified someone: @everyone/@here, a user or a role. */
	pinged: boolean;
	at: number;
}

export interface Rejection {
	status: number;
	code: number;
	route: string;
	message: string;
}

/**
 * One interaction the stand-in sent, and everything the bot did with it. Tests wait on it with
 * `waitFor`, which re-checks on every change: no sleeping.
 */
export class InteractionHandle extends EventEmitter {
	/** `performance.now()` when INTERACTION_CREATE was written to the gateway socket. */
	sentAt = 0;
	callback: { type: number; data?: Record<string, unknown>; at: number } | undefined;
	/** The reply as it stands now, and each state it went through. */
	original: SentMessage | undefined;
	readonly history: SentMessage[] = [];
	readonly followups: SentMessage[] = [];
	readonly rejections: Rejection[] = [];
	/** Uploads still to be answered with 429. */
	uploadRateLimits = 0;
	/** Largest upload the stand-in accepts for this interaction. */
	enforcedUploadLimit = Number.POSITIVE_INFINITY;
	/** Answer to an autocomplete interaction. */
	choices: Array<{ name: string; value: string | number }> | undefined;

	constructor(
		readonly id: string,
		readonly token: string,
		readonly userId: string,
		readonly attachmentSizeLimit: number,
	) {
		super();
		this.setMaxListeners(0);
	}

	/** Milliseconds from INTERACTION_CREATE to the callback, or undefined before it. */
	get firstResponseMs(): number | undefined {
		return this.callback ? this.callback.at - this.sentAt : undefined;
	}

	changed(): void {
		this.emit('change');
	}

	/** Resolves once `predicate` holds; rejects after `timeoutMs` with what was seen. */
	async waitFor(predicate: (handle: this) => boolean, timeoutMs = 15_000): Promise<this> {
		const signal = AbortSignal.timeout(timeoutMs);
		while (!predicate(this)) {
			try {
				await once(this, 'change', { signal });
			} catch {
				throw new Error(`interaction ${this.id}: condition not met in ${timeoutMs} ms; reply is ${JSON.stringify(this.original ?? this.callback ?? null).slice(0, 600)}`);
			}
		}
		return this;
	}

	/** Waits until the reply holds the final word: a file, a link, or a failure. */
	finished(timeoutMs?: number): Promise<this> {
		return this.waitFor((handle) => {
			const title = textOf(handle.original);
			return /Video ready|Video failed|Image ready|Image failed/.test(title);
		}, timeoutMs);
	}
}

/** Everything a user reads in a message, as plain text (content, embed titles, descriptions, fields). */
export function textOf(message: SentMessage | undefined): string {
	if (!message) return '';
	const parts = [message.content];
	for (const embed of message.embeds) {
		parts.push(String(embed.title ?? ''), String(embed.description ?? ''));
		for (const field of (embed.fields as Array<{ name: string; value: string }> | undefined) ?? []) parts.push(`${field.name}: ${field.value}`);
	}
	return parts.filter(Boolean).join('\n');
}
