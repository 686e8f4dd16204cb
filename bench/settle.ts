import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * The stand-ins that time first responses run in the benchmark's own process, so its garbage
 * collection is part of every reading. Whatever ran just before a burst (the plain bot's 100
 * uploads, parsed by its stand-in) left garbage that this process then collected during the next
 * burst, whichever variant's it was: 8–25 ms of GC here during each of the bot's bursts of 100 in
 * one run, 0–6 ms during the plain bot's (bench/RESULTS.md, issue 13's fifth session). `settle()`
 * runs a scavenge here before each burst, the same for the floor, the plain bot and the bot, and
 * never touches the processes being measured.
 *
 * A scavenge, not a full collection: with a full one before each burst, the floor's median at 500
 * went from 67 to 118 ms (one run each; why was not found), which would flatter every ratio to it.
 * BENCH_SETTLE=none or full picks the others, to compare.
 */
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as ((options?: { type: 'minor' | 'major' }) => void) | undefined;
const MODES = ['minor', 'full', 'none'];
const mode = process.env.BENCH_SETTLE ?? 'minor';
if (!MODES.includes(mode)) throw new Error(`BENCH_SETTLE=${mode}: one of ${MODES.join(', ')}`);
if (typeof collect !== 'function' && mode !== 'none') console.warn('settle: gc() is not exposed here; bursts start unsettled');

let gcMs = 0;
new PerformanceObserver((list) => {
	for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

/** Collects this process's young garbage, then lets a turn of the event loop pass; resolves with the GC clock from then (see `gcSince`). */
export async function settle(): Promise<number> {
	if (mode === 'full') collect?.();
	else if (mode === 'minor') collect?.({ type: 'minor' });
	await new Promise((resolve) => setTimeout(resolve, 20));
	return gcMs;
}

/** Milliseconds this process spent in GC since `from` (a value `settle()` gave): the stand-ins' own GC during a burst. */
export function gcSince(from: number): number {
	return gcMs - from;
}
