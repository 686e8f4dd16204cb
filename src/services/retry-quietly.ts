import { sleep } from './sleep.js';

/** Waits before each try after the first: a blip of a few seconds is ridden out. */
const BACKOFF_MS = [500, 2_000, 5_000, 15_000] as const;

/**
 * Runs an undo that must happen but that nobody waits for (giving back what a call without an
 * answer may have taken), trying again after a failure; gives up quietly after the last try.
 */
export async function retryQuietly(attempt: () => Promise<unknown>): Promise<boolean> {
	for (let index = 0; ; index++) {
		try {
			await attempt();
			return true;
		} catch {
			const wait = BACKOFF_MS[index];
			if (wait === undefined) return false;
			await sleep(wait);
		}
	}
}
