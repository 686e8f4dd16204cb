/**
 * The Redis the Redis suites talk to: `REDIS_URL` (`.ci/run` sets it and fails when no Redis
 * answers). Each suite takes its own database, so suites running at once never share a key or a queue.
 */
export const REDIS_URL = process.env.REDIS_URL;

/** `REDIS_URL` with database `db`. */
export function redisDb(db: number): string {
	const url = new URL(REDIS_URL!);
	url.pathname = `/${db}`;
	return url.toString();
}

/** Says once, plainly, why a Redis suite did not run. */
export function warnIfSkipped(suite: string): void {
	if (!REDIS_URL) console.warn(`${suite} skipped: REDIS_URL is not set (e.g. REDIS_URL=redis://127.0.0.1:6379/9 npm test; CI sets it).`);
}
