/**
 * Preloaded into gateway processes by scale 3 (`BENCH_GATEWAY_IMPORT=./bench/trace-gateway.mjs`), or
 * into the plain bot (`BENCH_PLAIN_IMPORT`), their own code untouched: where a burst's first
 * responses spend their time, leg by leg. For each burst it appends one line to
 * `/tmp/trace-gateway.jsonl`: per leg, how many and when (min / p50 / p99 / max, ms from the
 * burst's first gateway message in that process):
 *
 * - `ws`: a gateway message reached the socket handler;
 * - `admission`: the admission script went to Redis; `redisRead`: a read of the Redis socket (of
 *   any reply) while admissions were unanswered; `admitted`: an admission's answer was handed back;
 * - `defer`: `deferReply` was called; `dispatch`: the callback was handed to undici's Agent;
 *   `create`: undici made the request (after any wait for a pooled socket); `write`: it was written;
 * - the process's GC pauses over the burst.
 *
 * A burst ends when nothing was stamped for 1.5 s; one with no `deferReply` (the gateway's own
 * start: READY, GUILD_CREATE) is not written. In scale 3 the first burst written is the warm-up.
 * Plain JavaScript, as the built bot runs.
 */
import { subscribe } from 'node:diagnostics_channel';
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance, PerformanceObserver } from 'node:perf_hooks';

const require = createRequire(`${process.cwd()}/package.json`);
const file = '/tmp/trace-gateway.jsonl';
const LEGS = ['ws', 'admission', 'redisRead', 'admitted', 'defer', 'dispatch', 'create', 'write'];
const fresh = () => ({ ...Object.fromEntries(LEGS.map((leg) => [leg, []])), gc: [] });
let legs = fresh();
let first = 0;
let burst = 0;
let timer;

function stamp(leg) {
	const at = performance.now();
	first ||= at;
	legs[leg].push(at - first);
	clearTimeout(timer);
	timer = setTimeout(write, 1_500);
}

function percentile(values, p) {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))];
}

function write() {
	if (legs.defer.length === 0) {
		legs = fresh();
		first = 0;
		return;
	}
	const line = { pid: process.pid, burst: burst++ };
	for (const leg of LEGS) {
		const values = legs[leg];
		line[leg] = values.length === 0 ? 'none' : `n ${values.length}, ${[0, 50, 99, 100].map((p) => percentile(values, p).toFixed(0)).join(' / ')}`;
	}
	line.gc = `${legs.gc.length} pauses, ${legs.gc.reduce((sum, ms) => sum + ms, 0).toFixed(1)} ms`;
	appendFileSync(file, `${JSON.stringify(line)}\n`);
	legs = fresh();
	first = 0;
}

new PerformanceObserver((list) => {
	if (first) for (const entry of list.getEntries()) legs.gc.push(entry.duration);
}).observe({ entryTypes: ['gc'] });

const WebSocket = require('ws');
const wsEmit = WebSocket.prototype.emit;
WebSocket.prototype.emit = function (event, data, ...rest) {
	// Heartbeat acks are a few bytes; an INTERACTION_CREATE is over a kilobyte.
	if (event === 'message' && (data?.length ?? data?.byteLength ?? 0) > 400) stamp('ws');
	return wsEmit.call(this, event, data, ...rest);
};

try {
	const { Redis } = require('ioredis');
	const sendCommand = Redis.prototype.sendCommand;
	Redis.prototype.sendCommand = function (command, ...rest) {
		// The admission is the one script whose keys name the admitted-jobs hash.
		if (first && command?.name === 'evalsha' && command.args?.includes?.('rd:admitted')) {
			stamp('admission');
			if (this.stream && !this.stream.traced) {
				this.stream.traced = true;
				this.stream.prependListener('data', () => first && legs.admitted.length < legs.admission.length && stamp('redisRead'));
			}
			command.promise?.then(() => first && stamp('admitted'), () => {});
		}
		return sendCommand.call(this, command, ...rest);
	};
} catch {
	// The plain bot has no Redis.
}

const { ChatInputCommandInteraction } = require('discord.js');
const deferReply = ChatInputCommandInteraction.prototype.deferReply;
ChatInputCommandInteraction.prototype.deferReply = function (...args) {
	stamp('defer');
	return deferReply.apply(this, args);
};
// @discordjs/rest runs on an undici of its own: its Agent is the one that queues callbacks for a socket.
for (const undici of new Set([createRequire(require.resolve('@discordjs/rest'))('undici'), require('undici')])) {
	const dispatch = undici.Agent.prototype.dispatch;
	undici.Agent.prototype.dispatch = function (options, handler) {
		if (String(options.path).includes('/callback')) stamp('dispatch');
		return dispatch.call(this, options, handler);
	};
}
const callbacks = new WeakSet();
subscribe('undici:request:create', ({ request }) => {
	if (!request.path.includes('/callback')) return;
	callbacks.add(request);
	stamp('create');
});
subscribe('undici:client:sendHeaders', ({ request }) => callbacks.has(request) && stamp('write'));
