import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStoreUnavailable } from '../src/services/store/store-unavailable.js';
import { REDIS_URL, redisDb, warnIfSkipped } from './support/redis.js';

/**
 * A request that meets Redis going away is refused with "try again in a minute", not reported as a
 * bug, whatever ioredis calls the failure. The cluster's main connection is auto-pipelined, and a
 * batch cut off by a closed connection fails with an error of its own: produced here for real,
 * through a proxy that closes the connection once the batch's first reply has passed. Database 11,
 * this suite's own.
 */
warnIfSkipped('Store errors on Redis');

describe.skipIf(!REDIS_URL)('store errors on Redis', () => {
	let proxy: Server;
	let port: number;
	let cutAfterFirstReply = false;
	const sockets = new Set<Socket>();

	beforeAll(async () => {
		const target = new URL(redisDb(11));
		proxy = createServer((client) => {
			const server = connect(Number(target.port || 6379), target.hostname);
			for (const socket of [client, server]) {
				sockets.add(socket);
				socket.on('error', () => {});
				socket.on('close', () => sockets.delete(socket));
			}
			client.pipe(server);
			server.on('data', (chunk: Buffer) => {
				client.write(chunk);
				if (!cutAfterFirstReply) return;
				client.destroy();
				server.destroy();
			});
		});
		await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
		port = (proxy.address() as { port: number }).port;
	});

	afterAll(async () => {
		for (const socket of sockets) socket.destroy();
		await new Promise((resolve) => proxy.close(resolve));
	});

	it('counts an auto-pipelined batch cut off by a closed connection as Redis being away', async () => {
		const redis = new Redis({ host: '127.0.0.1', port, db: 11, enableAutoPipelining: true, maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
		redis.on('error', () => {});
		try {
			await redis.connect();
			cutAfterFirstReply = true;
			const key = `store-unavailable:${randomUUID()}`;
			// One batch: the SET is answered at once, the BLPOP waits a second, and the connection closes in between.
			const [set, blocked] = await Promise.allSettled([redis.set(key, '1', 'PX', 10_000), redis.blpop(`${key}:empty`, 1)]);
			expect(set.status).toBe('fulfilled');
			expect(blocked.status).toBe('rejected');
			const error = (blocked as PromiseRejectedResult).reason as Error;
			expect(error.name).toBe('AbortError');
			expect(isStoreUnavailable(error)).toBe(true);
		} finally {
			redis.disconnect();
		}
	});

	it('does not count an error of the bot’s own making as Redis being away', () => {
		expect(isStoreUnavailable(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
		expect(isStoreUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
	});
});
