/**
 * Preloaded by `bench/first-response-ab.ts` (BENCH_SPLIT=1) into a bot process, its own code untouched:
 * for each INTERACTION_CREATE, when its gateway message reached the socket handler, when discord.js
 * emitted the interaction, when the callback was handed to @discordjs/rest, and when undici created
 * and wrote that request (ms since the epoch, sub-millisecond: comparable across processes).
 * Answers over IPC: `{ trace: 'take' }` (the stamps since the last take), `mark` / `window` (CPU
 * time, GC pauses and synchronous handler time over a burst), `profile-start` / `profile-stop` (a CPU
 * profile, or with BENCH_ALLOC=1 a sampled allocation profile counting garbage too: `.heapprofile`).
 */
import diagnostics from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createRequire } from 'node:module';
import { performance, PerformanceObserver } from 'node:perf_hooks';

const require = createRequire(`${process.cwd()}/`);
const now = () => performance.timeOrigin + performance.now();
let stamps = new Map();
const stampsOf = (id) => {
	let entry = stamps.get(id);
	if (!entry) stamps.set(id, (entry = {}));
	return entry;
};
/** Time spent synchronously: in interactionCreate's listeners (the handler up to its first await), in each gateway message's. */
const sync = { handler: 0, handlers: 0, message: 0, messages: 0 };

const WebSocket = require('ws');
const wsEmit = WebSocket.prototype.emit;
WebSocket.prototype.emit = function (event, data, ...rest) {
	if (event !== 'message') return wsEmit.call(this, event, data, ...rest);
	const at = now();
	const head = typeof data === 'string' ? data.slice(0, 200) : Buffer.isBuffer(data) ? data.latin1Slice(0, Math.min(200, data.length)) : '';
	if (head.includes('"INTERACTION_CREATE"')) {
		const id = /"d":\{.*?"id":"(\d+)"/.exec(String(data))?.[1];
		if (id) stampsOf(id).recv = at;
	}
	try {
		return wsEmit.call(this, event, data, ...rest);
	} finally {
		sync.message += now() - at;
		sync.messages++;
	}
};

const emit = EventEmitter.prototype.emit;
EventEmitter.prototype.emit = function (event, ...args) {
	if (event !== 'interactionCreate' || !args[0]?.id) return emit.call(this, event, ...args);
	const at = now();
	stampsOf(args[0].id).built = at;
	try {
		return emit.call(this, event, ...args);
	} finally {
		sync.handler += now() - at;
		sync.handlers++;
	}
};

const CALLBACK = /\/interactions\/(\d+)\/[^/]+\/callback/;
const { REST } = require('@discordjs/rest');
const post = REST.prototype.post;
REST.prototype.post = function (route, ...args) {
	const id = CALLBACK.exec(route)?.[1];
	if (id) stampsOf(id).posted = now();
	return post.call(this, route, ...args);
};
diagnostics.subscribe('undici:request:create', ({ request }) => {
	const id = CALLBACK.exec(request.path)?.[1];
	if (id) stampsOf(id).create = now();
});
diagnostics.subscribe('undici:client:sendHeaders', ({ request }) => {
	const id = CALLBACK.exec(request.path)?.[1];
	if (id) stampsOf(id).sent = now();
});

let gcMs = 0;
let gcCount = 0;
new PerformanceObserver((list) => {
	for (const entry of list.getEntries()) {
		gcMs += entry.duration;
		gcCount++;
	}
}).observe({ entryTypes: ['gc'] });
let mark = { cpu: process.cpuUsage(), gcMs, gcCount, sync: { ...sync } };
let session;

process.on('message', (message) => {
	switch (message?.trace) {
		case 'take':
			process.send?.({ trace: Object.fromEntries(stamps) });
			stamps = new Map();
			break;
		case 'mark':
			mark = { cpu: process.cpuUsage(), gcMs, gcCount, sync: { ...sync } };
			process.send?.({ trace: 'marked' });
			break;
		case 'window': {
			const cpu = process.cpuUsage(mark.cpu);
			// GC entries arrive a little after their pause: answer a turn later.
			setTimeout(() => {
				const per = (total, count) => (1000 * total) / Math.max(1, count);
				process.send?.({
					trace: 'window',
					window: {
						cpuMs: (cpu.user + cpu.system) / 1000,
						gcMs: gcMs - mark.gcMs,
						gcCount: gcCount - mark.gcCount,
						handlerUs: per(sync.handler - mark.sync.handler, sync.handlers - mark.sync.handlers),
						messageUs: per(sync.message - mark.sync.message, sync.messages - mark.sync.messages),
					},
				});
			}, 0);
			break;
		}
		case 'profile-start':
			if (!session) {
				session = new Session();
				session.connect();
			}
			if (process.env.BENCH_ALLOC === '1')
				session.post('HeapProfiler.enable', () =>
					session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }, () => process.send?.({ trace: 'profiling' })),
				);
			else
				session.post('Profiler.enable', () =>
					session.post('Profiler.setSamplingInterval', { interval: 200 }, () => session.post('Profiler.start', () => process.send?.({ trace: 'profiling' }))),
				);
			break;
		case 'profile-stop':
			session.post(process.env.BENCH_ALLOC === '1' ? 'HeapProfiler.stopSampling' : 'Profiler.stop', (_error, { profile }) => {
				writeFileSync(message.file, JSON.stringify(profile));
				process.send?.({ trace: 'profiled' });
			});
			break;
	}
});
