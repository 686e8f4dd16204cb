/**
 * One process of `scale-quota`: `node --import tsx bench/scale-quota-child.ts`, spawned with IPC.
 * Answers `{ ready }` once connected, then on `{ go: QuotaLoad }` makes its share of reservations
 * against `RedisQuota`, `inFlight` at a time, and answers `{ result: QuotaResult }`.
 */
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { BudgetExceededError, QuotaExceededError, VIDEO_SECONDS } from '../src/services/quota/quota.js';
import { RedisQuota } from '../src/services/quota/redis-quota.js';
import { claimsOf, QUOTA_AMOUNT, QUOTA_WINDOW_MS, type QuotaLoad, type QuotaResult } from './scale-quota-load.js';

const redis = new Redis(process.env.BENCH_QUOTA_REDIS!);
await redis.ping();
const quota = new RedisQuota(redis, 0, QUOTA_WINDOW_MS, VIDEO_SECONDS);

async function run(load: QuotaLoad): Promise<QuotaResult> {
	// Load the script and open the connection's path before the clock starts (its own subjects: no budget is touched).
	await Promise.all(Array.from({ length: 64 }, (_, index) => quota.reserveAll([{ subject: `warm-${load.process}-${index}`, limit: 1e9, scope: 'member' }], 1, `warm-${index}`)));
	const latencies = new Float64Array(load.count);
	let granted = 0;
	let refused = 0;
	let next = 0;
	const lane = async () => {
		while (next < load.count) {
			const index = next++;
			const global = load.first + index;
			const started = performance.now();
			try {
				await quota.reserveAll(claimsOf(global, load), QUOTA_AMOUNT, `job-${global}`);
				granted += QUOTA_AMOUNT;
			} catch (error) {
				if (!(error instanceof QuotaExceededError || error instanceof BudgetExceededError)) throw error;
				refused++;
			}
			latencies[index] = performance.now() - started;
		}
	};
	const start = performance.timeOrigin + performance.now();
	await Promise.all(Array.from({ length: load.inFlight }, lane));
	const end = performance.timeOrigin + performance.now();
	return { start, end, granted, refused, latencies: [...latencies] };
}

process.on('message', (message: { go?: QuotaLoad }) => {
	if (!message?.go) return;
	void run(message.go).then(
		(result) => process.send!({ result }, () => void redis.quit().then(() => process.exit(0))),
		(error: unknown) => {
			console.error(error);
			process.exit(1);
		},
	);
});
process.send!({ ready: true });
