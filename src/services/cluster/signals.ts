import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import type { CancelledBy } from '../jobs/failure.js';
import type { CancelOutcome } from '../jobs/job-dispatch.js';
import { SIGNALS_CHANNEL } from './names.js';

/** How long Cancel waits for the process running the job to answer: the button must be answered within 3 s. */
const ANSWER_MS = 1_500;

type Signal =
	| { type: 'cancel'; jobId: string; replyTo: string; by?: CancelledBy }
	| { type: 'intake'; paused: boolean }
	| { type: 'wake'; jobId: string }
	| { type: 'settings'; key: string }
	| { type: 'credit'; pausedUntil: number };

/** What this process does when asked about a job it may be running. */
export interface SignalHandlers {
	/** Answers `not-running` when the job is not running here: then this process stays silent. */
	cancel(jobId: string, by: CancelledBy): CancelOutcome;
	/** A RelayDance callback for the job came in, maybe to another process. */
	wake(jobId: string): void;
	/** A process changed the settings record under `key` (a server's, or the bot-wide access). */
	settings(key: string): void;
	/** A process saw RelayDance's balance spent: every process pauses until then. */
	creditPaused(pausedUntil: number): void;
	/** The operator paused or resumed intake (the store holds it; this tells every process at once). */
	intake?(paused: boolean): void;
}

/**
 * What processes on one Redis tell each other, over pub/sub: Cancel for whichever process runs a
 * job (it answers on a reply channel of the asker's), webhook wake-ups (a callback reaches one
 * process; the job may wait in another), and settings an admin changed (every process reads them
 * again). Nothing here is durable: a signal no one hears changes nothing, and the store stays the truth.
 */
export class ClusterSignals {
	private readonly replies = new Map<string, (outcome: CancelOutcome) => void>();
	private readonly replyChannel = `${SIGNALS_CHANNEL}:reply:${randomUUID()}`;

	constructor(
		private readonly publisher: Redis,
		/** A connection of its own: a subscribed ioredis connection takes no other command. */
		private readonly subscriber: Redis,
		private readonly handlers: SignalHandlers,
		private readonly logger: Logger,
	) {}

	async start(): Promise<void> {
		this.subscriber.on('message', (channel: string, message: string) => {
			if (channel === this.replyChannel) return this.onReply(message);
			if (channel === SIGNALS_CHANNEL) this.onSignal(message);
		});
		await this.subscriber.subscribe(SIGNALS_CHANNEL, this.replyChannel);
	}

	/** Asks every process to cancel the job; answers what the one running it did, or `not-running` when none answered. */
	async askCancel(jobId: string, by: CancelledBy = 'requester'): Promise<CancelOutcome> {
		const id = randomUUID();
		const answered = new Promise<CancelOutcome>((resolve) => {
			const timer = setTimeout(() => finish('not-running'), ANSWER_MS);
			const finish = (outcome: CancelOutcome) => {
				clearTimeout(timer);
				this.replies.delete(id);
				resolve(outcome);
			};
			this.replies.set(id, finish);
		});
		await this.publish({ type: 'cancel', jobId, by, replyTo: `${this.replyChannel}|${id}` });
		return answered;
	}

	/** Tells every process (this one too) to read the settings under `key` again. */
	async settingsChanged(key: string): Promise<void> {
		await this.publish({ type: 'settings', key });
	}

	/** Tells every process (this one too) that submissions pause until `pausedUntil`. */
	async creditPaused(pausedUntil: number): Promise<void> {
		await this.publish({ type: 'credit', pausedUntil });
	}

	/** Tells every process (this one too) that the operator paused or resumed intake. */
	async intakeChanged(paused: boolean): Promise<void> {
		await this.publish({ type: 'intake', paused });
	}

	/** Tells every process a callback came for the job. */
	async wake(jobId: string): Promise<void> {
		await this.publish({ type: 'wake', jobId });
	}

	private async publish(signal: Signal): Promise<void> {
		await this.publisher.publish(SIGNALS_CHANNEL, JSON.stringify(signal));
	}

	/** A signal that is not understood (another version of the bot, during a rolling deploy) is ignored, never thrown. */
	private onSignal(message: string): void {
		try {
			const signal = JSON.parse(message) as Signal;
			if (signal.type === 'wake') return this.handlers.wake(signal.jobId);
			if (signal.type === 'settings') return this.handlers.settings(signal.key);
			if (signal.type === 'credit') return typeof signal.pausedUntil === 'number' ? this.handlers.creditPaused(signal.pausedUntil) : undefined;
			if (signal.type === 'intake') return typeof signal.paused === 'boolean' ? this.handlers.intake?.(signal.paused) : undefined;
			if (signal.type !== 'cancel' || typeof signal.replyTo !== 'string') return;
			const outcome = this.handlers.cancel(signal.jobId, signal.by === 'operator' ? 'operator' : 'requester');
			if (outcome === 'not-running') return;
			const [channel, id] = signal.replyTo.split('|');
			void this.publisher.publish(channel!, JSON.stringify({ id, outcome })).catch((error: unknown) => this.logger.warn({ err: error }, 'could not answer a Cancel'));
		} catch (error) {
			this.logger.warn({ err: error }, 'ignored a signal it could not read');
		}
	}

	private onReply(message: string): void {
		try {
			const { id, outcome } = JSON.parse(message) as { id: string; outcome: CancelOutcome };
			this.replies.get(id)?.(outcome);
		} catch {
			// not ours
		}
	}
}
