import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';

/**
 * What the bot needs of its Redis, checked at start: nothing may be evicted (a job record or a
 * BullMQ key evicted under memory pressure is a job lost), and the data should survive a restart.
 * A policy that evicts refuses the start with one line; no persistence at all is a warning that
 * names the risk. A Redis that hides CONFIG (some managed services) is trusted, with a warning.
 */
export async function checkRedis(redis: Redis, logger: Logger): Promise<void> {
	let settings: Record<string, string>;
	try {
		settings = await readConfig(redis, ['maxmemory-policy', 'appendonly', 'save']);
	} catch (error) {
		logger.warn({ err: error }, 'could not read the Redis configuration (CONFIG GET): make sure maxmemory-policy is noeviction and persistence (AOF) is on');
		return;
	}
	const policy = settings['maxmemory-policy'];
	if (policy && policy !== 'noeviction') {
		throw new Error(`Redis maxmemory-policy is ${policy}: it may evict job records and queue keys; set maxmemory-policy noeviction`);
	}
	if (settings.appendonly !== 'yes' && !settings.save?.trim()) {
		logger.warn('Redis has no persistence (appendonly no, no save points): a Redis restart loses every job in the queue, every quota and every setting; run it with appendonly yes and appendfsync everysec');
	}
}

async function readConfig(redis: Redis, names: string[]): Promise<Record<string, string>> {
	const settings: Record<string, string> = {};
	for (const name of names) {
		const reply = (await redis.call('CONFIG', 'GET', name)) as string[];
		for (let index = 0; index + 1 < reply.length; index += 2) settings[reply[index]!] = reply[index + 1]!;
	}
	return settings;
}
