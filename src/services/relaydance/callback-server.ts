import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../logger.js';
import type { CallbackSigner } from './callback-signer.js';

/**
 * The body is drained and discarded, never read: a task's JSON is a few hundred bytes, so anything
 * far larger is not RelayDance and the connection is dropped.
 */
const MAX_BODY_BYTES = 64 * 1024;

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
	/** Stops listening and cuts every open connection, so it resolves at once. */
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
		// A callback is only a hint (the safety poll covers a lost one): a request still open at
		// shutdown, such as a stalled body that could hold on for `requestTimeout`, is cut.
		close: () =>
			new Promise((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
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
