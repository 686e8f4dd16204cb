import type { Redis } from 'ioredis';

/** Every key matching `pattern`, by SCAN (never KEYS: a sweep or status must not stall a Redis serving the bot). */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
	const keys = new Set<string>();
	for await (const batch of redis.scanStream({ match: pattern, count: 1_000 }) as AsyncIterable<string[]>) for (const key of batch) keys.add(key);
	return [...keys];
}
