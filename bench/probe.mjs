/**
 * Preloaded into the bot process by the benchmark (`node --import ./bench/probe.mjs dist/index.js`):
 * samples RSS and event-loop delay, and answers over IPC. The bot's own code knows nothing of it.
 * Plain JavaScript, so the measured process runs no TypeScript loader.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';

const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
let rssPeak = process.memoryUsage.rss();
const sampler = setInterval(() => {
	rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
}, 10);
sampler.unref();

/** `stats` reads; `reset` reads, then starts a new window; `gc` collects, then reads; `snapshot` writes a heap snapshot. */
process.on('message', (message) => {
	if (!message?.probe) return;
	if (message.probe === 'gc') globalThis.gc?.();
	if (message.probe === 'snapshot') writeHeapSnapshot('/tmp/bot.heapsnapshot');
	const { heapUsed, heapTotal, external } = process.memoryUsage();
	const stats = {
		rssNow: process.memoryUsage.rss(),
		rssPeak,
		heapUsed,
		heapTotal,
		external,
		delayP50Ms: delay.percentile(50) / 1e6,
		delayP99Ms: delay.percentile(99) / 1e6,
		delayMaxMs: delay.max / 1e6,
	};
	if (message.probe === 'reset') {
		delay.reset();
		rssPeak = process.memoryUsage.rss();
	}
	process.send?.({ probe: message.probe, stats });
});
