/**
 * Preloaded into the bot process by the benchmark (`node --import tsx --import ./bench/probe.ts`):
 * samples RSS and event-loop delay, and answers over IPC. The bot's own code knows nothing of it.
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

export interface ProbeStats {
	rssNow: number;
	rssPeak: number;
	heapUsed: number;
	delayP50Ms: number;
	delayP99Ms: number;
	delayMaxMs: number;
}

/** `stats` reads; `reset` reads, then starts a new measuring window; `gc` collects, then reads. */
process.on('message', (message: { probe?: 'stats' | 'reset' | 'gc' | 'snapshot' }) => {
	if (!message?.probe) return;
	if (message.probe === 'gc') (globalThis as { gc?: () => void }).gc?.();
	if (message.probe === 'snapshot') writeHeapSnapshot('/tmp/bot.heapsnapshot');
	const stats: ProbeStats = {
		rssNow: process.memoryUsage.rss(),
		rssPeak,
		heapUsed: process.memoryUsage().heapUsed,
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
