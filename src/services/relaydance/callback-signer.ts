import { createHmac, timingSafeEqual } from 'node:crypto';

/** `/relaydance/callback/<job id>/<expiry, epoch ms>/<HMAC of both>` */
const PATH = /^\/relaydance\/callback\/([\w-]{1,64})\/(\d{1,15})\/([a-f0-9]{64})$/;

export interface CallbackSignerOptions {
	/**
	 * How long a signed URL is honoured. It must outlast the wait for a task (the poll deadline,
	 * 30 min by default), and no more: a URL that leaked from an old task stops working.
	 * Default 24 h.
	 */
	ttlMs?: number;
	now?: () => number;
}

/**
 * Signs callback URLs so only URLs the bot handed out, and only until they expire, are acted on.
 * RelayDance documents no signature of its own, so a callback is a hint: the bot re-reads the task
 * before believing it, and never reads the callback's body.
 */
export class CallbackSigner {
	private readonly key: Buffer;
	private readonly ttlMs: number;
	private readonly now: () => number;

	constructor(
		secret: string,
		private readonly publicUrl: string,
		options: CallbackSignerOptions = {},
	) {
		this.key = createHmac('sha256', 'relaydance-bot callback').update(secret).digest();
		this.ttlMs = options.ttlMs ?? 24 * 60 * 60_000;
		this.now = options.now ?? Date.now;
	}

	urlFor(jobId: string): string {
		const expires = String(this.now() + this.ttlMs);
		return `${this.publicUrl.replace(/\/+$/, '')}/relaydance/callback/${jobId}/${expires}/${this.signature(jobId, expires)}`;
	}

	/** The job id a callback path is for, or undefined when it is malformed, altered or expired. */
	verify(path: string): string | undefined {
		const match = PATH.exec(path);
		if (!match) return undefined;
		const [, jobId, expires, signature] = match as unknown as [string, string, string, string];
		const expected = Buffer.from(this.signature(jobId, expires), 'hex');
		if (!timingSafeEqual(Buffer.from(signature, 'hex'), expected)) return undefined;
		return Number(expires) > this.now() ? jobId : undefined;
	}

	private signature(jobId: string, expires: string): string {
		return createHmac('sha256', this.key).update(`${jobId}\n${expires}`).digest('hex');
	}
}
