/** A guarded body's guard refused at the moment its bytes would have gone out: nothing was sent. */
export class WriteRefusedError extends Error {
	override name = 'WriteRefusedError';
	constructor() {
		super('this process no longer surely holds the job, so the message was not sent');
	}
}

/**
 * A JSON request body whose bytes go out only if `mayWrite()` holds at the moment undici pulls them,
 * for @discordjs/rest's `passThroughBody`. undici writes a request's headers together with its first
 * body chunk, so a refusal sends nothing at all (the request rejects with `WriteRefusedError`, which
 * the REST client does not retry), and between a `true` and the bytes reaching the socket there is
 * no wait for anything: a process frozen (a long GC, a VM stall, SIGSTOP) after its last check of
 * the job wakes with the guard asked again. Each send, a retry included, asks again.
 */
export function guardedJson(value: unknown, mayWrite: () => boolean): { body: AsyncIterable<Uint8Array>; headers: Record<string, string> } {
	const bytes = Buffer.from(JSON.stringify(value));
	return {
		body: {
			async *[Symbol.asyncIterator]() {
				if (!mayWrite()) throw new WriteRefusedError();
				yield bytes;
			},
		},
		// A known length: the request is whole the moment its one chunk is written.
		headers: { 'Content-Type': 'application/json', 'Content-Length': String(bytes.length) },
	};
}
