import type { Logger } from '../../logger.js';
import { APIError, NotFoundError, RelayDanceError } from '../relaydance/errors.js';
import type { Task } from '../relaydance/schemas.js';
import { sleep } from '../sleep.js';

export interface PollOptions {
	/**
	 * First delay; each later one is `backoff` times longer, up to `maxIntervalMs`. Long tasks are
	 * polled less often: gateways refresh a task from upstream only every ~15 s anyway. A read that
	 * fails waits the same way (or longer, when RelayDance sends `Retry-After`).
	 */
	intervalMs: number;
	maxIntervalMs: number;
	/**
	 * Overall deadline from the first poll: a stuck task is given up on, not watched forever. It is
	 * also the only limit on read errors: a known task is never given up on because RelayDance
	 * answered 5xx for a while, since it keeps rendering (and billing) all the same.
	 */
	timeoutMs: number;
	/** Wait before the first read (default `intervalMs`); a resumed job reads at once. */
	firstDelayMs?: number;
	/** When the deadline's clock started (default: now); a resumed job counts from its submission. Past it, one read is still made. */
	startedAt?: number;
	backoff: number;
	/** Where failed reads are reported, at `warn`: the first of a run, then at most once per `errorLogIntervalMs`. */
	log?: Pick<Logger, 'warn' | 'info'>;
	errorLogIntervalMs: number;
	/** Waits between polls; a webhook-driven wait resolves early when the callback arrives. */
	wait: (ms: number, signal?: AbortSignal) => Promise<void>;
	signal?: AbortSignal;
	now: () => number;
}

export const POLL_DEFAULTS = {
	backoff: 1.3,
	errorLogIntervalMs: 60_000,
	wait: sleep,
	now: () => Date.now(),
} as const satisfies Partial<PollOptions>;

export class PollTimeoutError extends Error {
	override name = 'PollTimeoutError';
	/** `cause`: the error of the last read, when that read failed (an outage that outlasted the deadline). */
	constructor(
		readonly timeoutMs: number,
		options?: { cause?: unknown },
	) {
		super(`task unfinished after ${timeoutMs} ms`, options);
	}
}

/** A gateway's answer for a task it does not know (400 `task_not_exist`), beside the contract's 404. */
const UNKNOWN_TASK = 'task_not_exist';

/**
 * Reads a task until it is `succeeded` or `failed`, calling `onTask` with every reading.
 * Intermediate states keep it waiting, and so does every failed read (5xx, 429, 401/403, resets,
 * time-outs, a body off the contract) until the overall deadline: only RelayDance's own `failed`
 * or an unknown task (404) ends a known task early. An error that is not RelayDance's (the wait
 * aborted, a bug in `onTask`) ends it at once.
 */
export async function waitForTask(
	read: (signal?: AbortSignal) => Promise<Task>,
	onTask: (task: Task) => void | Promise<void>,
	options: Pick<PollOptions, 'intervalMs' | 'maxIntervalMs' | 'timeoutMs'> & Partial<PollOptions>,
): Promise<Task> {
	const { intervalMs, maxIntervalMs, timeoutMs, firstDelayMs, startedAt, backoff, log, errorLogIntervalMs, wait, signal, now } = { ...POLL_DEFAULTS, ...options };
	const deadline = (startedAt ?? now()) + timeoutMs;
	const outage = new OutageLog(log, errorLogIntervalMs, now);
	let delay = intervalMs;
	let pause = firstDelayMs ?? intervalMs;
	let lastError: unknown;
	let reads = 0;
	for (;;) {
		const remaining = deadline - now();
		if (remaining <= 0 && reads > 0) throw new PollTimeoutError(timeoutMs, lastError === undefined ? undefined : { cause: lastError });
		if (pause > 0 && remaining > 0) await wait(Math.min(pause, remaining), signal);
		else signal?.throwIfAborted();
		reads += 1;
		let task: Task;
		try {
			task = await read(signal);
		} catch (error) {
			if (!mayPass(error) || signal?.aborted) throw error;
			lastError = error;
			outage.failed(error, deadline);
			delay = Math.min(delay * backoff, maxIntervalMs);
			pause = Math.max(delay, retryAfterMs(error));
			continue;
		}
		lastError = undefined;
		outage.recovered();
		await onTask(task);
		if (task.status === 'succeeded' || task.status === 'failed') return task;
		delay = Math.min(delay * backoff, maxIntervalMs);
		pause = delay;
	}
}

/** Every RelayDance error but an unknown task: the task is still rendering, however RelayDance answers today. */
function mayPass(error: unknown): boolean {
	if (!(error instanceof RelayDanceError) || error instanceof NotFoundError) return false;
	return !(error instanceof APIError && error.code === UNKNOWN_TASK);
}

function retryAfterMs(error: unknown): number {
	return error instanceof APIError ? (error.retryAfterMs ?? 0) : 0;
}

/** Says a run of failed reads began, that it goes on (rate-limited), and that it ended. */
class OutageLog {
	private since: number | undefined;
	private lastLogged = 0;
	private errors = 0;

	constructor(
		private readonly log: PollOptions['log'],
		private readonly everyMs: number,
		private readonly now: () => number,
	) {}

	failed(error: unknown, deadline: number): void {
		const at = this.now();
		this.errors += 1;
		this.since ??= at;
		if (this.errors > 1 && at - this.lastLogged < this.everyMs) return;
		this.lastLogged = at;
		const status = error instanceof APIError ? error.status : undefined;
		this.log?.warn({ err: error, status, errorsInRow: this.errors, failingForMs: at - this.since, leftMs: Math.max(0, deadline - at) }, 'task read failed; waiting until the poll deadline');
	}

	recovered(): void {
		if (this.since === undefined) return;
		this.log?.info({ errorsInRow: this.errors, failedForMs: this.now() - this.since }, 'task readable again');
		this.since = undefined;
		this.errors = 0;
	}
}
