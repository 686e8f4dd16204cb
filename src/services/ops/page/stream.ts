import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../../logger.js';
import type { Snapshots } from './snapshot.js';

/** How often open pages get a fresh overview. */
const TICK_MS = 1_000;

interface Listener {
	response: ServerResponse;
	/** False once the session it opened with has expired: the stream ends and the page logs in again. */
	allowed: () => boolean;
}

/**
 * The overview as Server-Sent Events (`/api/stream`): one reading a second, sent to every open
 * page, and only while one is open. Chosen over polling because every tab shares the one reading,
 * the server decides the pace (an action's outcome is pushed at once), and `EventSource`
 * reconnects by itself after a restart of the bot.
 */
export class OverviewStream {
	private readonly listeners = new Set<Listener>();
	private timer: NodeJS.Timeout | undefined;
	private sending = false;

	constructor(
		private readonly snapshots: Snapshots,
		private readonly logger: Logger,
	) {}

	add(request: IncomingMessage, response: ServerResponse, allowed: () => boolean, headers: Record<string, string>): void {
		response.writeHead(200, {
			...headers,
			'content-type': 'text/event-stream; charset=utf-8',
			'cache-control': 'no-store',
			// A reverse proxy must pass each event on as it comes.
			'x-accel-buffering': 'no',
			connection: 'keep-alive',
		});
		response.write('retry: 2000\n\n');
		const listener = { response, allowed };
		this.listeners.add(listener);
		request.on('close', () => {
			this.listeners.delete(listener);
			if (this.listeners.size === 0) this.stop();
		});
		if (!this.timer) {
			this.timer = setInterval(() => this.push(), TICK_MS);
			this.timer.unref();
		}
		this.push();
	}

	/** Sends a fresh overview to every open page now. */
	push(): void {
		if (this.sending || this.listeners.size === 0) return;
		this.sending = true;
		this.snapshots
			.read()
			.then((overview) => {
				const event = `event: overview\ndata: ${JSON.stringify(overview)}\n\n`;
				for (const listener of this.listeners) {
					if (listener.allowed()) listener.response.write(event);
					else {
						this.listeners.delete(listener);
						listener.response.end('event: logout\ndata: {}\n\n');
					}
				}
			})
			.catch((error: unknown) => this.logger.warn({ err: error }, 'operator page: could not read the overview'))
			.finally(() => {
				this.sending = false;
				if (this.listeners.size === 0) this.stop();
			});
	}

	private stop(): void {
		clearInterval(this.timer);
		this.timer = undefined;
	}
}
