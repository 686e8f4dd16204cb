import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../logger.js';
import type { BotMetrics } from './metrics.js';
import { readiness, type ReadinessCheck } from './readiness.js';

/** Answers a request the ops server does not (the operator page); resolves false when it is not its path either. */
export type OpsHandler = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean> | boolean;

export interface OpsServerOptions {
	port: number;
	host: string;
	metrics: BotMetrics;
	/** What `/readyz` asks: the store, Redis, the Discord gateway, as this process uses them. */
	checks: Record<string, ReadinessCheck>;
	/** The operator page and its API, when `OPS_TOKEN` is set. */
	page?: OpsHandler;
	logger: Logger;
}

export interface OpsServer {
	readonly url: string;
	close(): Promise<void>;
}

/**
 * The ops server: `GET /livez` (200 while the event loop turns), `GET /readyz` (200 only when every
 * check answers, else 503 naming what is down), `GET /metrics` (Prometheus text). None needs a
 * token: the port is meant to stay private. Everything else goes to the operator page, if on.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
	const server: Server = createServer((request, response) => {
		void handle(request, response).catch((error: unknown) => {
			options.logger.warn({ err: error, path: request.url?.split('?')[0] }, 'ops request failed');
			if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', 'internal error\n');
			else response.destroy();
		});
	});
	async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const url = new URL(request.url ?? '/', 'http://ops.invalid');
		const read = request.method === 'GET' || request.method === 'HEAD';
		if (read && url.pathname === '/livez') return send(response, 200, 'text/plain; charset=utf-8', 'ok\n');
		if (read && url.pathname === '/readyz') {
			const state = await readiness(options.checks);
			return send(response, state.ready ? 200 : 503, 'application/json', JSON.stringify({ status: state.ready ? 'ready' : 'not ready', checks: state.checks, down: Object.keys(state.checks).filter((name) => state.checks[name] === 'down') }));
		}
		if (read && url.pathname === '/metrics') return send(response, 200, options.metrics.contentType, await options.metrics.text());
		if (options.page && (await options.page(request, response, url))) return;
		send(response, 404, 'text/plain; charset=utf-8', 'not found\n');
	}
	server.keepAliveTimeout = 65_000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, options.host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const address = server.address() as AddressInfo;
	const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
	const url = `http://${host}:${address.port}`;
	options.logger.info({ url, page: Boolean(options.page) }, 'ops server listening');
	return {
		url,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

export function send(response: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
	response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
	response.end(body);
}
