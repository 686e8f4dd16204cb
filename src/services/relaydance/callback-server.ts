import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../logger.js';

/** `/relaydance/callback/<job id>/<expiry, epoch ms>/<HMAC of both>` */
const PATH = /^\/relaydance\/callback\/([\w-]{1,64})\/(\d{1,15})\/([a-f0-9]{64})$/;
/**
 * The body is drained and discarded, never read: a task's JSON is a few hundred bytes, so anything
 * far larger is not RelayDance and the connection is dropped.
 */
const MAX_BODY_BYTES = 64 * 1024;

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

export interface CallbackServerOptions {
	port: number;
	/** Loopback unless told otherwise: the bot belongs behind a reverse proxy. */
	host?: string;
	signer: CallbackSigner;
	/**
	 * Called with the job id of a verified callback, never with its body. Returns whether that job
	 * is waiting for it (answered 204); a callback for an unknown or finished job is answered 404,
	 * so it costs no request to RelayDance.
	 */
	onCallback: (jobId: string) => boolean;
	logger: Logger;
}

export interface CallbackServer {
	server: Server;
	port: number;
	close: () => Promise<void>;
}

/**
 * Receives RelayDance's task callbacks and passes the job id on. Resolves once listening; rejects
 * with a message naming the host, port and cause when it cannot listen.
 */
export async function startCallbackServer(options: CallbackServerOptions): Promise<CallbackServer> {
	const host = options.host ?? '127.0.0.1';
	const log = options.logger;
	const server = createServer((req, res) => {
		const jobId = req.method === 'POST' ? options.signer.verify(pathOf(req)) : undefined;
		if (!jobId) return refuse(res, 404);
		if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return refuse(res, 413);
		void drain(req, MAX_BODY_BYTES)
			.then((complete) => {
				if (!complete) return refuse(res, 413);
				const waiting = options.onCallback(jobId);
				log.debug({ jobId, waiting }, 'RelayDance callback');
				res.writeHead(waiting ? 204 : 404).end();
			})
			.catch((error: unknown) => {
				log.warn({ err: error, jobId }, 'RelayDance callback not handled');
				res.destroy();
			});
	});
	server.headersTimeout = 10_000;
	server.requestTimeout = 15_000;
	await listen(server, options.port, host);
	const { port } = server.address() as AddressInfo;
	log.info({ host, port }, 'listening for RelayDance callbacks');
	return {
		server,
		port,
		close: () =>
			new Promise((resolve) => {
				server.close(() => resolve());
				server.closeIdleConnections();
			}),
	};
}

function pathOf(req: IncomingMessage): string {
	try {
		return new URL(req.url ?? '/', 'http://x').pathname;
	} catch {
		return '';
	}
}

/** Answers and drops the connection, so an unread body is not drained for keep-alive. */
function refuse(res: ServerResponse, status: number): void {
	res.writeHead(status, { connection: 'close' }).end();
}

/** Reads the body to its end, discarding it; false (and the body left unread) past `maxBytes`. */
function drain(req: IncomingMessage, maxBytes: number): Promise<boolean> {
	return new Promise((resolve, reject) => {
		let bytes = 0;
		const onData = (chunk: Buffer) => {
			bytes += chunk.length;
			if (bytes <= maxBytes) return;
			req.off('data', onData).pause();
			resolve(false);
		};
		req.on('data', onData);
		req.once('end', () => resolve(true));
		req.once('error', reject);
	});
}

function listen(server: Server, port: number, host: string): Promise<void> {
	return new Promise((resolve, reject) => {
		const onError = (error: NodeJS.ErrnoException) => {
			server.off('listening', onListening);
			reject(new Error(`WEBHOOK_PORT ${port} on ${host} ${listenProblem(error)}`, { cause: error }));
		};
		const onListening = () => {
			server.off('error', onError);
			resolve();
		};
		server.once('error', onError);
		server.once('listening', onListening);
		server.listen(port, host);
	});
}

function listenProblem(error: NodeJS.ErrnoException): string {
	switch (error.code) {
		case 'EADDRINUSE':
			return 'is already in use (EADDRINUSE): set WEBHOOK_PORT to a free port';
		case 'EACCES':
			return 'is not allowed for this user (EACCES): ports below 1024 need privileges; use a higher WEBHOOK_PORT behind your reverse proxy';
		case 'EADDRNOTAVAIL':
			return 'cannot be bound: the host is not an address of this machine (EADDRNOTAVAIL): set WEBHOOK_HOST to 127.0.0.1, 0.0.0.0 or a local address';
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return `cannot be bound: the host name does not resolve (${error.code}): set WEBHOOK_HOST to an address`;
		default:
			return `cannot be listened on (${error.code ?? 'error'}: ${error.message})`;
	}
}
