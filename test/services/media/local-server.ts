import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalServer {
	/** `http://host:port`. */
	origin: string;
	host: string;
	port: number;
	/** Every request path seen, in order (so "never fetched" is `hits.length === 0`). */
	hits: string[];
	/** Replaces the handler (to change behaviour between two downloads). */
	handle(handler: (req: IncomingMessage, res: ServerResponse) => void): void;
	close(): Promise<void>;
}

/** A real HTTP server on a loopback address (Linux accepts any 127.x.y.z), counting its requests. */
export async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void, host = '127.0.0.1', port = 0): Promise<LocalServer> {
	let current = handler;
	const hits: string[] = [];
	const server = createServer((req, res) => {
		hits.push(req.url ?? '/');
		current(req, res);
	});
	await new Promise<void>((resolve) => server.listen(port, host, resolve));
	const bound = (server.address() as AddressInfo).port;
	return {
		origin: `http://${host}:${bound}`,
		host,
		port: bound,
		hits,
		handle: (next) => void (current = next),
		close: async () => {
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}

/** Answers `body` with a type, and a Content-Length unless `chunked`. */
export function serveBytes(body: Buffer, type: string, options: { chunked?: boolean } = {}) {
	return (_req: IncomingMessage, res: ServerResponse) => {
		res.writeHead(200, { 'content-type': type, ...(!options.chunked && { 'content-length': body.length }) });
		res.end(body);
	};
}

export function redirectTo(location: string, status = 302) {
	return (_req: IncomingMessage, res: ServerResponse) => {
		res.writeHead(status, { location, 'content-length': 0 });
		res.end();
	};
}

export async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of stream) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}
