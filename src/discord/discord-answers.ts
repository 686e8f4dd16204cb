import { performance } from 'node:perf_hooks';
import { InteractionType, RESTEvents, type Interaction, type REST } from 'discord.js';
import type { BotMetrics } from '../services/ops/metrics.js';
import type { InvalidRequestWindow } from '../services/ops/invalid-requests.js';

/** Where an interaction's first response goes: `POST /interactions/{id}/{token}/callback`. */
const CALLBACK_PATH = /^\/interactions\/(\d+)\/[^/]+\/callback/;
/** An interaction whose first response was never seen is forgotten after Discord's 3 s deadline (and some). */
const FORGET_AFTER_MS = 10_000;

const TYPE_NAMES: Partial<Record<InteractionType, string>> = {
	[InteractionType.ApplicationCommand]: 'command',
	[InteractionType.ApplicationCommandAutocomplete]: 'autocomplete',
	[InteractionType.MessageComponent]: 'component',
	[InteractionType.ModalSubmit]: 'modal',
};

/**
 * Every answer Discord gives this process: counted by status in the metrics and, where it counts
 * toward Discord's invalid-request limit, in the window. Interactions received are timed to the
 * answer to their first response (the callback), which is the first-response time members feel.
 * REST clients are watched through discord.js's `response` event; uploads sent outside discord.js
 * report through `answered`.
 */
export class DiscordAnswers {
	private readonly received = new Map<string, { at: number; type: string }>();
	private sweeper: NodeJS.Timeout | undefined;

	constructor(
		private readonly window: InvalidRequestWindow,
		private readonly metrics?: BotMetrics,
	) {}

	/** One answer from Discord. */
	answered(status: number, scope?: string | null): void {
		this.metrics?.discordAnswered(status);
		this.window.record(status, scope);
	}

	watch(rest: REST): void {
		rest.on(RESTEvents.Response, (request, response) => {
			this.answered(response.status, response.headers.get('x-ratelimit-scope'));
			if (request.method.toUpperCase() !== 'POST' || response.status >= 400) return;
			const callback = CALLBACK_PATH.exec(request.path);
			const pending = callback && this.received.get(callback[1]!);
			if (!pending) return;
			this.received.delete(callback[1]!);
			this.metrics?.interactionAnswered(pending.type, (performance.now() - pending.at) / 1000);
		});
	}

	/** An interaction just arrived: its first response is timed from now. */
	receive(interaction: Pick<Interaction, 'id' | 'type'>): void {
		if (!this.metrics) return;
		this.received.set(interaction.id, { at: performance.now(), type: TYPE_NAMES[interaction.type] ?? 'other' });
		this.sweeper ??= setInterval(() => this.sweep(), FORGET_AFTER_MS).unref();
	}

	private sweep(): void {
		const before = performance.now() - FORGET_AFTER_MS;
		for (const [id, pending] of this.received) if (pending.at < before) this.received.delete(id);
		if (this.received.size === 0) {
			clearInterval(this.sweeper);
			this.sweeper = undefined;
		}
	}

	close(): void {
		clearInterval(this.sweeper);
	}
}
