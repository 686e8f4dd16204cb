import { createRequire } from 'node:module';
import type { RESTOptions } from 'discord.js';

/** The Agent of the undici that @discordjs/rest itself runs on (a major behind ours: mixing them breaks multipart bodies). */
const require = createRequire(import.meta.url);
const { Agent } = createRequire(require.resolve('@discordjs/rest'))('undici') as { Agent: new (options: object) => NonNullable<RESTOptions['agent']> };

/**
 * Connections to Discord for one REST instance. Left to its default, @discordjs/rest opens a
 * socket per concurrent request and keeps each for as long as the server allows: a burst of 2,000
 * commands left 900 idle sockets holding memory. A bounded pool that lets idle sockets go is enough
 * for loopback and for discord.com alike.
 */
export function discordAgent(): RESTOptions['agent'] {
	return new Agent({ connections: 128, keepAliveTimeout: 10_000, keepAliveMaxTimeout: 30_000 });
}
