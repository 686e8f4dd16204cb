import { APIConnectionError, APIError, InvalidResponseError } from '../relaydance/errors.js';
import type { Task } from '../relaydance/schemas.js';
import { sleep } from '../sleep.js';

export interface PollOptions {
	/**
	 * First delay; each later one is `backoff` times longer, up to `maxIntervalMs`. Long tasks are
	 * polled less often: gateways refresh a task from upstream only every ~15 s anyway.
	 */
	intervalMs: number;
	maxIntervalMs: number;
	/** Overall deadline from the first poll: a stuck task is given up on, not watched forever. */
	timeoutMs: number;
	/** Wait before the first read (default `intervalMs`); a resumed job reads at once. */
	firstDelayMs?: number;
	/** When the deadline's clock started (default: now); a resumed job counts from its submission. Past it, one read is still made. */
	startedAt?: number;
	backoff: number;
	/** Transient failures in a row (5xx, 429, connection, malformed body) tolerated before giving up. */
	maxConsecutiveErrors: number;
	/** Waits between polls; a webhook-driven wait resolves early when the callback arrives. */
	wait: (ms: number, signal?: AbortSignal) => Promise<void>;
	signal?: AbortSignal;
	now: () => number;
}

export const POLL_DEFAULTS = {
	backoff: 1.3,
	maxConsecutiveErrors: 6,
	wait: sleep,
	now: () => Date.now(),
} as const satisfies Partial<PollOptions>;

export class PollTimeoutError extends Error {
	override name = 'PollTimeoutError';
	constructor(readonly timeoutMs: number) {
		super(`task unfinished after ${timeoutMs} ms`);
	}
}

/**
 * Reads a task until it is `succeeded` or `failed`, calling `onTask` with every reading.
 * Intermediate states keep it waiting; transient errors are tolerated up to a limit;
 * anything else (401, 403, 404: the task is gone) ends the wait at once.
 */
export async function waitForTask(
	read: (signal?: AbortSignal) => Promise<Task>,
	onTask: (task: Task) => void | Promise<void>,
	options: Pick<PollOptions, 'intervalMs' | 'maxIntervalMs' | 'timeoutMs'> & Partial<PollOptions>,
): Promise<Task> {
	const { intervalMs, maxIntervalMs, timeoutMs, firstDelayMs, startedAt, backoff, maxConsecutiveErrors, wait, signal, now } = { ...POLL_DEFAULTS, ...options };
	const deadline = (startedAt ?? now()) + timeoutMs;
	let delay = intervalMs;
	let errors = 0;
	let reads = 0;
	for (;;) {
		const remaining = deadline - now();
		if (remaining <= 0 && reads > 0) throw new PollTimeoutError(timeoutMs);
		const pause = reads++ === 0 ? (firstDelayMs ?? delay) : delay;
		if (pause > 0 && remaining > 0) await wait(Math.min(pause, remaining), signal);
		else signal?.throwIfAborted();
		try {
			const task = await read(signal);
			errors = 0;
			await onTask(task);
			if (task.status === 'succeeded' || task.status === 'failed') return task;
		} catch (error) {
			if (!isTransient(error) || ++errors > maxConsecutiveErrors) throw error;
		}
		delay = Math.min(delay * backoff, maxIntervalMs);
	}
}

function isTransient(error: unknown): boolean {
	if (error instanceof APIConnectionError || error instanceof InvalidResponseError) return true;
	return error instanceof APIError && (error.status === 408 || error.status === 429 || error.status >= 500);
}
