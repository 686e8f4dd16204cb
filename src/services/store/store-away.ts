/**
 * How long a record write or a claim check waits on the store before Redis counts as away for it:
 * then a worker asks its lease instead (see `FencedRecords.leaseHolds`), rather than wait.
 */
export const STORE_AWAY_MS = 2_000;

export const AWAY = Symbol('away');

/** The promise's value, or `AWAY` when it takes longer than `ms` (the promise goes on). */
export async function answerWithin<T>(promise: Promise<T>, ms = STORE_AWAY_MS): Promise<T | typeof AWAY> {
	let timer: NodeJS.Timeout | undefined;
	try {
		return await Promise.race([promise, new Promise<typeof AWAY>((resolve) => (timer = setTimeout(() => resolve(AWAY), ms)))]);
	} finally {
		clearTimeout(timer);
	}
}
