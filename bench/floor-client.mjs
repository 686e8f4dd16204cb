/**
 * The floor for first-response latency: a bare gateway client that does nothing but answer each
 * INTERACTION_CREATE with a deferred callback. Its own process, plain JavaScript, like the built bot.
 *
 * Given a Redis URL it is the floor of a Redis gateway instead: before each callback it runs one
 * script (the member's count up, the job written, in one round trip, auto-pipelined as the bot's
 * admissions are), and nothing else. A Redis gateway that admits before it defers, as the bot does,
 * cannot answer sooner than that.
 * Usage: node bench/floor-client.mjs <api base, e.g. http://127.0.0.1:1234/api> [redis URL]
 */
import { Agent, request } from 'undici';
import WebSocket from 'ws';

const api = `${process.argv[2]}/v10`;
// Loaded only when asked for, so the floor without Redis is the same process it always was.
const redis = process.argv[3] ? new (await import('ioredis')).Redis(process.argv[3], { enableAutoPipelining: true }) : undefined;
redis?.defineCommand('admit', { numberOfKeys: 2, lua: "redis.call('HINCRBY', KEYS[1], ARGV[1], 1) return redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])" });
const dispatcher = new Agent({ keepAliveTimeout: 30_000 });
const gateway = await (await request(`${api}/gateway/bot`, { dispatcher })).body.json();
const socket = new WebSocket(`${gateway.url}?v=10&encoding=json`);
socket.on('message', async (raw) => {
	const packet = JSON.parse(String(raw));
	if (packet.op === 10) socket.send(JSON.stringify({ op: 2, d: { token: 'floor', intents: 1, properties: { os: 'linux', browser: 'floor', device: 'floor' } } }));
	if (packet.t !== 'INTERACTION_CREATE') return;
	const { id, token } = packet.d;
	if (redis) await redis.admit('floor:counts', 'floor:jobs', (packet.d.member?.user ?? packet.d.user).id, id, JSON.stringify(packet.d.data));
	void request(`${api}/interactions/${id}/${token}/callback`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ type: 5 }),
		dispatcher,
	}).then((response) => response.body.resume());
});
