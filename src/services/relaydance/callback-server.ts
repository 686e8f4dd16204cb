import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../logger.js';
import { MB } from '../text.js';

const PATH = /^\/relaydance\/callback\/([\w-]{1,64})\/([a-f0-9]{64})$/;
const MAX_BODY_BYTES = MB;

/**
 * Signs callback URLs so only URLs the bot handed out are acted on. RelayDance documents no
 * signature of its own, so a callback is a hint: the bot re-reads the task before believing it.
 */
export class CallbackSigner {
	private readonly key: Buffer;

	constructor(
		secret: string,
		private readonly publicUrl: string,
	) {
		this.key = createHmac('sha256', 'relaydance-bot callback').update(secret).digest();
	}

	urlFor(jobId: string): string {
		return `${this.publicUrl.replace(/\/+$/, '')}/relaydance/callback/${jobId}/${this.signature(jobId)}`;
	}

	/** The job id a callback path is for, or undefined when the signature does not match. */
	verify(path: string): string | undefined {
		const match = PATH.exec(path);
		if (!match) return undefined;
		const expected = Buffer.from(this.signature(match[1]!), 'hex');
		const given = Buffer.from(match[2]!, 'hex');
		return given.length === expected.length && timingSafeEqual(given, expected) ? match[1] : undefined;
	}

	private signature(jobId: string): string {
		return createHmac('sha256', this.key).update(jobId).digest('hex');
	}
}

/** Receives RelayDance's task callbacks and passes the job id on; answers 204 to any signed URL. */
export async function startCallbackServer(options: { port: number; host?: string; signer: CallbackSigner; onCallback: (jobId: string) => void; logger: Logger }): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
	const server = createServer((req, res) => {
		const jobId = req.method === 'POST' ? options.signer.verify(new URL(req.url ?? '/', 'http://x').pathname) : undefined;
		if (!jobId) {
			req.resume();
			res.writeHead(404).end();
			return;
		}
		let bytes = 0;
		req.on('data', (chunk: Buffer) => {
			bytes += chunk.length;
			if (bytes > MAX_BODY_BYTES) req.destroy();
		});
		req.on('end', () => {
			options.onCallback(jobId);
			res.writeHead(204).end();
		});
		req.on('error', () => res.destroy());
	});
	await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '0.0.0.0', resolve));
	const { port } = server.address() as AddressInfo;
	options.logger.info({ port }, 'listening for RelayDance callbacks');
	return {
		server,
		port,
		close: () => new Promise((resolve) => server.close(() => resolve())),
	};
}
