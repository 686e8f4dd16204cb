import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadDotEnv } from './config.js';
import { QUEUE_NAME, QUEUE_PREFIX } from './services/cluster/names.js';
import { readStatus, renderStatus } from './services/cluster/status-report.js';
import { isRedisUrl } from './services/store/store.js';

/**
 * `npm run status [-- --json]`: the queue, the live workers and quota use of a bot running as
 * several processes on one Redis. Reads only; needs nothing but STORE_URL.
 */
loadDotEnv();
const url = process.env.STORE_URL || undefined;
if (!url || !isRedisUrl(url)) {
	console.error(`npm run status reads a Redis store (STORE_URL=redis://host:port/db), and STORE_URL is ${url ? `${url.split(':')[0]}://…` : 'unset (SQLite, the default)'}.`);
	console.error('With SQLite the bot runs everything in one process: there is no queue or worker to report; /relaydance-admin usage shows quota use.');
	process.exit(1);
}

const redis = new Redis(url, { lazyConnect: true, connectTimeout: 10_000, maxRetriesPerRequest: 1, retryStrategy: () => null });
// ioredis rejects connect() with "Connection is closed"; the reason (ECONNREFUSED, a DNS miss) comes as an event.
let reason: Error | undefined;
redis.on('error', (error: Error) => (reason ??= error));
try {
	await redis.connect();
} catch (error) {
	console.error(`status could not reach the Redis at STORE_URL (${redis.options.host}:${redis.options.port}): ${(reason ?? (error as Error)).message}`);
	process.exit(1);
}
const queue = new Queue(QUEUE_NAME, { connection: redis, prefix: QUEUE_PREFIX });
queue.on('error', () => {});
try {
	const status = await readStatus(redis, queue);
	console.log(process.argv.includes('--json') ? JSON.stringify(status, null, 2) : renderStatus(status));
} catch (error) {
	console.error(`status could not read the Redis at STORE_URL: ${(error as Error).message}`);
	process.exitCode = 1;
} finally {
	await queue.close();
	await redis.quit();
}
