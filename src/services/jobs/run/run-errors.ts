import { ShutdownError } from '../shutdown-error.js';

/** On Redis: BullMQ handed the job to another worker while this one was not answering. */
export class JobMovedError extends Error {
	override name = 'JobMovedError';
	constructor() {
		super('the job is held by another worker now');
	}
}

/** The requester pressed Cancel. */
export class CancelledError extends Error {
	override name = 'CancelledError';
	constructor() {
		super('cancelled by the requester');
	}
}

/** The error is the bot stopping (an aborted wait, download or request), not something that happened to the job. */
export function isStopping(error: unknown, stopping: AbortSignal): boolean {
	if (!stopping.aborted) return false;
	return error instanceof ShutdownError || (error instanceof Error && error.name === 'AbortError');
}
