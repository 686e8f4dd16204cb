/**
 * The floor for first-response latency: a bare gateway client that does nothing but answer each
 * INTERACTION_CREATE with a deferred callback. Its own process, plain JavaScript, like the built bot.
 * Usage: node bench/floor-client.mjs <api base, e.g. http://127.0.0.1:1234/api>
 */
import { Agent, request } from 'undici';
import WebSocket from 'ws';

const api = `${process.argv[2]}/v10`;
const dispatcher = new Agent({ keepAliveTimeout: 30_000 });
const gateway = await (await request(`${api}/gateway/bot`, { dispatcher })).body.json();
const socket = new WebSocket(`${gateway.url}?v=10&encoding=json`);
socket.on('message', (raw) => {
	const packet = JSON.parse(String(raw));
	if (packet.op === 10) socket.send(JSON.stringify({ op: 2, d: { token: 'floor', intents: 1, properties: { os: 'linux', browser: 'floor', device: 'floor' } } }));
	if (packet.t !== 'INTERACTION_CREATE') return;
	const { id, token } = packet.d;
	void request(`${api}/interactions/${id}/${token}/callback`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ type: 5 }),
		dispatcher,
	}).then((response) => response.body.resume());
});
