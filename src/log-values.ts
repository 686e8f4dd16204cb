import { Stream } from 'node:stream';
import { formatBytes } from './services/text.js';

/**
 * How much of a value a log line may carry. A log call runs on the event loop, so what it walks
 * must not grow with the value: a discord.js REST error holds every file it tried to send, and
 * walking four 2 MB images byte by byte stalled the process for seconds and took a gigabyte.
 */
export const LOG_LIMITS = {
	/** Levels of nesting below the logged object; deeper values become `[Object]` or `[Array]`. */
	depth: 8,
	/** Keys kept per object; the rest are counted in a `…` key. */
	keys: 50,
	/** Items kept per array; the rest are counted in a last item. */
	items: 20,
	/** Characters kept per string (a stack trace fits). */
	chars: 4096,
	/** Characters kept over all strings of one log call; past it each string keeps a short head. */
	totalChars: 64 * 1024,
	/** Objects and arrays visited in one log call, whatever their shape. */
	nodes: 2000,
} as const satisfies Record<string, number>;

/** Keys whose values never reach a log line, at any depth: Discord's token, RelayDance's key, headers that carry them. */
const SECRET_KEY = /^(?:token|interactiontoken|bottoken|apikey|api_key|x-api-key|authorization|proxy-authorization|cookie|set-cookie|password|secret|client_secret|discord_token|relaydance_api_key)$/i;

/** Tokens that appear inside URLs and error messages: interaction webhooks, bearer keys, signed CDN links. */
const SECRET_PATTERNS: Array<[RegExp, string]> = [
	[/(\/(?:webhooks|interactions)\/\d+\/)[\w.-]+/g, '$1[redacted]'],
	[/(Bearer\s+)[\w.-]+/gi, '$1[redacted]'],
	[/([?&](?:ex|is|hm)=)[^&\s"]+/g, '$1[redacted]'],
	[/\b[\w-]{23,28}\.[\w-]{6,7}\.[\w-]{27,40}\b/g, '[redacted]'],
];

export function scrubSecrets(text: string): string {
	return SECRET_PATTERNS.reduce((result, [pattern, replacement]) => result.replace(pattern, replacement), text);
}

/**
 * `value` as something safe and cheap to write as JSON: strings capped and scrubbed of tokens,
 * secret keys blanked at any depth, errors as their name, message, stack, cause and own fields
 * (a `DiscordAPIError`'s `code`, `status`, `method`, `url`, `rawError`, `requestBody`), and every
 * binary or streamed body (Buffer, typed arrays, ArrayBuffer, DataView, Blob and File, Node and web
 * streams, FormData file parts) as a short summary such as `<Buffer 2.0 MB>`, never read. Cycles
 * become `[Circular]`; the walk stops at {@link LOG_LIMITS}.
 */
export function toLogValue(value: unknown): unknown {
	return new Walk().value(value, 0);
}

class Walk {
	private nodes = 0;
	private chars: number = LOG_LIMITS.totalChars;
	private readonly ancestors = new Set<object>();

	value(value: unknown, depth: number): unknown {
		switch (typeof value) {
			case 'string':
				return this.string(value);
			case 'bigint':
			case 'symbol':
				return value.toString();
			case 'function':
				return undefined;
			case 'object':
				break;
			default:
				return value;
		}
		if (value === null) return null;
		const summary = summarise(value);
		if (summary !== undefined) return summary;
		if (this.ancestors.has(value)) return '[Circular]';
		if (depth >= LOG_LIMITS.depth || ++this.nodes > LOG_LIMITS.nodes) return Array.isArray(value) ? '[Array]' : '[Object]';
		this.ancestors.add(value);
		try {
			if (Array.isArray(value)) return this.array(value, depth);
			if (value instanceof Error) return this.error(value, depth);
			if (value instanceof Map) return this.entries(value.entries(), value.size, depth);
			if (value instanceof Headers) return this.entries(value.entries(), undefined, depth);
			if (value instanceof FormData) return this.formData(value, depth);
			return this.object(value, depth);
		} finally {
			this.ancestors.delete(value);
		}
	}

	private string(text: string): string {
		const kept = capString(text, Math.max(SHORT_STRING, Math.min(LOG_LIMITS.chars, this.chars)));
		this.chars -= Math.min(text.length, kept.length);
		return scrubSecrets(kept);
	}

	private array(items: readonly unknown[], depth: number): unknown[] {
		const kept = items.slice(0, LOG_LIMITS.items).map((item) => this.value(item, depth + 1));
		if (items.length > kept.length) kept.push(`… ${items.length - kept.length} more`);
		return kept;
	}

	private error(error: Error, depth: number): Record<string, unknown> {
		const out: Record<string, unknown> = { type: error.constructor?.name ?? 'Error' };
		if (error.name !== out.type) out.name = this.value(error.name, depth + 1);
		out.message = this.value(error.message, depth + 1);
		out.stack = this.value(error.stack, depth + 1);
		Object.assign(out, this.object(error, depth));
		if (error.cause !== undefined) out.cause = this.value(error.cause, depth + 1);
		if (error instanceof AggregateError) out.errors = this.value(error.errors, depth + 1);
		return out;
	}

	private object(value: object, depth: number): Record<string, unknown> {
		const out: Record<string, unknown> = {};
		let count = 0;
		let skipped = 0;
		for (const key in value) {
			if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
			if (count++ >= LOG_LIMITS.keys) {
				skipped++;
				continue;
			}
			out[this.key(key)] = this.field(key, () => (value as Record<string, unknown>)[key], depth);
		}
		if (skipped > 0) out['…'] = `${skipped} more keys`;
		return out;
	}

	private entries(entries: Iterable<[unknown, unknown]>, size: number | undefined, depth: number): Record<string, unknown> {
		const out: Record<string, unknown> = {};
		let count = 0;
		for (const [key, item] of entries) {
			if (count++ >= LOG_LIMITS.keys) {
				if (size !== undefined) out['…'] = `${size - LOG_LIMITS.keys} more entries`;
				break;
			}
			out[this.key(String(key))] = this.field(String(key), () => item, depth);
		}
		return out;
	}

	private formData(form: FormData, depth: number): Record<string, unknown> {
		return { type: 'FormData', parts: this.entries(form.entries(), undefined, depth) };
	}

	private key(key: string): string {
		return scrubSecrets(capString(key, SHORT_STRING));
	}

	private field(key: string, read: () => unknown, depth: number): unknown {
		if (SECRET_KEY.test(key)) return '[redacted]';
		try {
			return this.value(read(), depth + 1);
		} catch {
			return '[unreadable]';
		}
	}
}

/** A short stand-in for a value that must not be walked, or undefined for one that may be. */
function summarise(value: object): string | undefined {
	if (Buffer.isBuffer(value)) return `<Buffer ${formatBytes(value.length)}>`;
	if (ArrayBuffer.isView(value)) return `<${value.constructor.name} ${formatBytes(value.byteLength)}>`;
	if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return `<${value.constructor.name} ${formatBytes(value.byteLength)}>`;
	if (value instanceof Blob) return `<${value.constructor.name}${'name' in value ? ` ${scrubSecrets(capString(String(value.name), SHORT_STRING))}` : ''} ${formatBytes(value.size)}${value.type ? ` ${value.type}` : ''}>`;
	if (value instanceof Stream || value instanceof ReadableStream || value instanceof WritableStream) return `<${value.constructor.name}>`;
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
	if (value instanceof URL) return scrubSecrets(value.href);
	if (value instanceof RegExp) return String(value);
	if (value instanceof WeakMap || value instanceof WeakSet || value instanceof Promise) return `<${value.constructor.name}>`;
	if (value instanceof Set) return `<${value.constructor.name} ${value.size}>`;
	return undefined;
}

/** What a key, a file name or a string past the call's budget keeps. */
const SHORT_STRING = 200;

function capString(text: string, max: number = LOG_LIMITS.chars): string {
	return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}
