/**
 * The benchmark's parts for running on Redis across processes (issue 9): `scale-quota`,
 * `scale-jobs`, `scale-first-response`. `bench.ts` registers them beside its own; each needs a
 * Redis (`BENCH_REDIS_URL`, default the local one) and uses only its databases 14 and 15,
 * emptying them before and after.
 */
import { scaleFirstResponse } from './scale-first-response.js';
import { scaleJobs } from './scale-jobs.js';
import { redisMissing } from './scale-processes.js';
import { scaleQuota } from './scale-quota.js';

/** How a part prints: `bench.ts`'s own lines and markdown tables, kept for bench/last-run.md. */
export interface Report {
	print(line?: string): void;
	table(header: string[], rows: Array<Array<string | number>>): void;
}

export function scaleParts(report: Report) {
	/** A part that says plainly why it did not run when there is no Redis, instead of failing the whole benchmark. */
	const needsRedis = (name: string, part: (report: Report) => Promise<void>) => async () => {
		const missing = await redisMissing();
		if (!missing) return part(report);
		report.print(`## ${name}: not run: ${missing}`);
		report.print();
	};
	return {
		'scale-quota': needsRedis('scale-quota', scaleQuota),
		'scale-jobs': needsRedis('scale-jobs', scaleJobs),
		'scale-first-response': needsRedis('scale-first-response', scaleFirstResponse),
	};
}
