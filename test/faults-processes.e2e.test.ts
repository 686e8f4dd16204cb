import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IMAGES, memberSubject, VIDEO_SECONDS } from '../src/services/quota/quota.js';
import { quotaHashPrefix } from '../src/services/quota/redis-quota.js';
import { textOf } from '../stand-ins/discord/stand-in.js';
import { snowflake } from '../stand-ins/discord/payloads.js';
import type { TrackedRequest } from './support/delivery-ledger.js';
import { startFaultCluster, type BotProcess, type FaultCluster } from './support/fault-cluster.js';

/**
 * Faults of the processes themselves, on real gateways and workers sharing a Redis the suite
 * started (AOF, its own port): a worker stopped past its lock, a gateway killed between a record
 * and its queue entry, RelayDance failing polls for minutes, the balance running out under one
 * worker. Each test counts what the member saw, what RelayDance made and what was charged; the
 * target is zero lost, zero doubled, zero mis-charged, and the counts are printed.
 */
const LOCK_MS = 3_000;
const RECONCILE_MS = 1_000;
const CREDIT_RETRY_MS = 3_000;

let cluster: FaultCluster;

beforeAll(async () => {
	cluster = await startFaultCluster({
		gateways: 2,
		workers: 2,
		env: { WORKER_LOCK_MS: String(LOCK_MS), RECONCILE_INTERVAL_MS: String(RECONCILE_MS), CREDIT_RETRY_MS: String(CREDIT_RETRY_MS), MAX_CONCURRENT_TASKS: '20' },
	});
}, 90_000);
afterEach(() => expect(cluster.discord.violations).toEqual([]));
afterAll(() => cluster?.close());

/** The ledger's counts for `requests`, printed, with every count at zero expected by the caller. */
async function ledgerOf(...requests: TrackedRequest[]) {
	await cluster.ledger.settled(requests);
	const tally = await cluster.ledger.tally(requests);
	console.log(tally.summary);
	return tally;
}

/** Resolves once `worker`'s newest run logs that it let `userId`'s job go, or that it ended it itself (the fault: a second ending). */
function endedBy(worker: BotProcess, userId: string) {
	return cluster.waitForLog(
		(line) => line.userId === userId && (line.msg.includes('another worker holds this job') || /delivered|job failed/.test(line.msg)),
		20_000,
		[worker],
	);
}

/**
 * Waits for the reply's final word. On a time-out the error carries what every process logged from
 * `since` on about the member's job, the reconciler's sweeps and any warning, so a rare miss can be
 * read from the CI log (the kill-before-record test missed once on Node 24 and could not be made to
 * miss again, under load or alone).
 */
async function finishedOrExplain(tracked: TrackedRequest, since: number, timeoutMs: number): Promise<void> {
	try {
		await tracked.handle.finished(timeoutMs);
	} catch (error) {
		const lines = cluster.logsMatching((line) => Number(line.time ?? 0) >= since && (line.userId === tracked.handle.userId || /reconcil|sweep|re-queued|never wrote/.test(line.msg) || line.level >= 40));
		throw new Error(`${error instanceof Error ? error.message : String(error)}\nLogged since the kill:\n${lines.map((line) => JSON.stringify(line)).join('\n') || '(nothing: no sweep wrote or re-queued it, and no process warned)'}`);
	}
}

/** Waits until the reconciler has had two sweeps to find anything left behind (there is no log line for an empty sweep). */
const twoSweeps = () => new Promise((resolve) => setTimeout(resolve, 2 * RECONCILE_MS + 500));

describe('a worker stopped (SIGSTOP) past its lock', () => {
	it('delivers a video once, charged once: the other worker delivers, the stopped one writes and posts nothing when it wakes, and a restart of every process posts nothing more', async () => {
		const userId = snowflake();
		const video = await cluster.video('a lighthouse at dusk sim:duration=7000', { userId, seconds: 5 });
		await video.handle.waitFor((h) => /Generating your video/.test(textOf(h.original)), 20_000);
		const stopped = await cluster.workerOf(userId);
		const logsBefore = stopped.run.logs().length;
		await stopped.signal('SIGSTOP');
		try {
			// Only the other worker can deliver while this one is stopped: it takes the job once the lock lapses.
			await video.handle.finished(30_000);
			expect(textOf(video.handle.original)).toContain('Video ready');
		} finally {
			await stopped.signal('SIGCONT');
		}
		await endedBy(stopped, userId).catch(() => undefined);
		expect.soft(stopped.run.logs().slice(logsBefore).filter((line) => line.userId === userId && line.msg === 'video delivered')).toHaveLength(0);
		// Its record stays delivered: the woken worker's stale `running` is refused, not written over it.
		expect.soft((await cluster.ledger.recordOf(video.tag))?.state).toBe('delivered');

		await cluster.restartAll();
		await twoSweeps();
		// What the member sees at the end is the result: no late edit of the stopped worker's took it back.
		expect(textOf(video.handle.original)).toContain('Video ready');
		expect(video.handle.original?.files).toHaveLength(1);
		const tally = await ledgerOf(video);
		expect(tally.lines[0]).toMatchObject({ state: 'delivered', fileDeliveries: 1, replyResent: 0, readyShown: 1, tasks: 1, charged: 5, expectedCharge: 5 });
		expect([tally.lost, tally.deliveredTwice, tally.chargedWrong, tally.taskTwice]).toEqual([0, 0, 0, 0]);
	}, 90_000);

	it('delivers an image job once, charged once: the stopped worker was fetching its images, the other fetches and posts them, the woken one posts nothing, and a restart posts nothing more', async () => {
		const release = cluster.relaydance.holdImageOutputs();
		let released = false;
		try {
			const userId = snowflake();
			const image = await cluster.image('a paper crane', { userId, count: 1 });
			const generation = await cluster.relaydance.waitForRequest((request) => request.imageIds !== undefined && JSON.stringify(request.body).includes(image.tag), 20_000);
			const imageId = generation.imageIds![0]!;
			const ofThisImage = (path: string) => path.includes(imageId);
			// The worker that generated them is now downloading them, held by the simulator.
			await cluster.relaydance.waitForOutputFetches(ofThisImage, 1, 20_000);
			const stopped = await cluster.workerOf(userId);
			const logsBefore = stopped.run.logs().length;
			await stopped.signal('SIGSTOP');
			try {
				// The other worker takes the job up from `delivering` and fetches the images again.
				await cluster.relaydance.waitForOutputFetches(ofThisImage, 2, 30_000);
				release();
				released = true;
				await image.handle.finished(30_000);
				expect(textOf(image.handle.original)).toMatch(/images? ready/i);
			} finally {
				await stopped.signal('SIGCONT');
			}
			await endedBy(stopped, userId).catch(() => undefined);
			expect.soft(stopped.run.logs().slice(logsBefore).filter((line) => line.userId === userId && line.msg === 'images delivered')).toHaveLength(0);
			expect.soft((await cluster.ledger.recordOf(image.tag))?.state).toBe('delivered');

			await cluster.restartAll();
			await twoSweeps();
			// What the member sees at the end is the result: no late edit of the stopped worker's took it back.
			expect(textOf(image.handle.original)).toMatch(/images? ready/i);
			expect(image.handle.original?.files).toHaveLength(1);
			const tally = await ledgerOf(image);
			expect(tally.lines[0]).toMatchObject({ state: 'delivered', fileDeliveries: 1, replyResent: 0, tasks: 1, charged: 1, expectedCharge: 1 });
			expect(await cluster.store().hget(quotaHashPrefix(IMAGES) + memberSubject(userId, image.guildId), tally.lines[0]!.jobId!)).toBe('1');
			expect([tally.lost, tally.deliveredTwice, tally.chargedWrong, tally.taskTwice]).toEqual([0, 0, 0, 0]);
		} finally {
			if (!released) release();
		}
	}, 90_000);
});

describe('a gateway killed (SIGKILL) between writing a job\'s record and queueing it', () => {
	it('delivers the job within two reconciler sweeps (plus its render), charged once', async () => {
		const gateway = cluster.gateways[1]!;
		await gateway.restart({ env: { FAULT_INJECT: 'kill-before-queue' } });
		try {
			const video = await cluster.video('an orphaned kite', { shard: 1, seconds: 4 });
			const exited = await Promise.race([gateway.run.exit.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 15_000))]);
			expect(exited, 'the gateway should have killed itself after writing the record (FAULT_INJECT=kill-before-queue)').toBe(true);
			expect(gateway.run.child.signalCode).toBe('SIGKILL');
			const record = await cluster.ledger.recordOf(video.tag);
			expect(record, 'the record was written before the kill').toBeDefined();
			const orphanedAt = Date.now();
			// Two sweeps find it (one to see it untouched for an interval, one more at worst), then its 300 ms render; 5 s for a busy machine.
			await finishedOrExplain(video, orphanedAt - 5_000, 2 * RECONCILE_MS + 300 + 5_000 + 5_000);
			expect(textOf(video.handle.original)).toContain('Video ready');
			expect(Date.now() - orphanedAt).toBeLessThan(2 * RECONCILE_MS + 300 + 5_000);
			expect(cluster.logsMatching((line) => line.jobId === record!.id && line.msg.includes('re-queued a job found in no queue'))).not.toHaveLength(0);
			const tally = await ledgerOf(video);
			expect([tally.lost, tally.deliveredTwice, tally.chargedWrong, tally.taskTwice]).toEqual([0, 0, 0, 0]);
		} finally {
			await gateway.restart({ env: { FAULT_INJECT: '' } });
		}
	}, 60_000);
});

describe('a gateway killed (SIGKILL) between deferring a job and writing its record', () => {
	it('writes the job from what its admission kept and delivers it within two reconciler sweeps (plus its render), charged once', async () => {
		const gateway = cluster.gateways[1]!;
		await gateway.restart({ env: { FAULT_INJECT: 'kill-before-record' } });
		try {
			const video = await cluster.video('a kite lost at the deferral', { shard: 1, seconds: 4 });
			const exited = await Promise.race([gateway.run.exit.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 15_000))]);
			expect(exited, 'the gateway should have killed itself after deferring (FAULT_INJECT=kill-before-record)').toBe(true);
			expect(gateway.run.child.signalCode).toBe('SIGKILL');
			expect(video.handle.callback, 'the member saw the deferral').toBeDefined();
			expect(await cluster.ledger.recordOf(video.tag), 'no record was written before the kill').toBeUndefined();
			const orphanedAt = Date.now();
			await finishedOrExplain(video, orphanedAt - 5_000, 2 * RECONCILE_MS + 300 + 5_000 + 5_000);
			expect(textOf(video.handle.original)).toContain('Video ready');
			expect(Date.now() - orphanedAt).toBeLessThan(2 * RECONCILE_MS + 300 + 5_000);
			expect(cluster.logsMatching((line) => line.userId === video.handle.userId && line.msg.includes('deferred but never wrote'))).not.toHaveLength(0);
			const tally = await ledgerOf(video);
			expect(tally.lines[0]).toMatchObject({ state: 'delivered', fileDeliveries: 1, tasks: 1, charged: 4, expectedCharge: 4 });
			expect([tally.lost, tally.deliveredTwice, tally.chargedWrong, tally.taskTwice]).toEqual([0, 0, 0, 0]);
		} finally {
			await gateway.restart({ env: { FAULT_INJECT: '' } });
		}
	}, 90_000);
});

describe('RelayDance answering 502 to polls for minutes', () => {
	/**
	 * Three minutes of RelayDance's clock, shrunk: at POLL_MAX_INTERVAL_MS=150 the worker reads the
	 * task about a hundred times in 15 s, all answered 502 — more failed reads in a row than three
	 * minutes at production's 15 s interval (twelve). Only a give-up measured in wall-clock time
	 * between 15 s and 3 min would pass here and fail in production; POLL_TIMEOUT_MS (30 min) is the
	 * only deadline the contract allows.
	 */
	const FAILING_MS = 15_000;

	it('delivers the video once the polls answer again, charged once, with one task', async () => {
		const failPolls = (cluster.relaydance as unknown as { failPolls?: (options: { status: number; forMs: number; retryAfter?: number }) => void }).failPolls;
		expect(failPolls, 'the simulator needs failPolls({ status, forMs, retryAfter }) (branch `poll`, not on main yet)').toBeTypeOf('function');
		const userId = snowflake();
		const video = await cluster.video('a storm over the bay sim:duration=1000', { userId, seconds: 4 });
		await cluster.relaydance.waitForRequest((request) => request.taskId !== undefined && JSON.stringify(request.body).includes(video.tag), 20_000);
		failPolls!.call(cluster.relaydance, { status: 502, forMs: FAILING_MS, retryAfter: 0 });
		await video.handle.finished(FAILING_MS + 20_000);
		expect(textOf(video.handle.original)).toContain('Video ready');
		expect(cluster.relaydance.pollsFor(video.tag).length).toBeGreaterThan(20);
		const tally = await ledgerOf(video);
		expect(tally.lines[0]).toMatchObject({ state: 'delivered', fileDeliveries: 1, tasks: 1, charged: 4 });
		expect([tally.lost, tally.deliveredTwice, tally.chargedWrong, tally.taskTwice]).toEqual([0, 0, 0, 0]);
	}, 60_000);
});

describe('the balance running out under one worker', () => {
	it('refuses the next /video on every gateway at once (ephemeral, nothing reserved), and the waiting job is delivered once the balance is back', async () => {
		cluster.relaydance.setBalance('402');
		let topped = false;
		try {
			const first = await cluster.video('a quiet harbour', { shard: 0, seconds: 4 });
			// A worker meets the 402 and pauses: the job waits, queued.
			await cluster.waitForLog((line) => line.userId === first.handle.userId && line.msg.includes('balance is spent'), 20_000, cluster.workers);
			await first.handle.waitFor((h) => /credit has run out|balance/i.test(textOf(h.original)), 10_000);
			for (const shard of [0, 1]) {
				const userId = snowflake();
				const refused = await cluster.video('refused while paused', { shard, userId, seconds: 4, track: false });
				await refused.handle.waitFor((h) => h.callback !== undefined && h.original !== undefined, 10_000);
				expect(refused.handle.callback!.type, `gateway ${shard} should refuse at once (type 4), not accept`).toBe(4);
				expect(refused.handle.original!.ephemeral).toBe(true);
				expect(textOf(refused.handle.original)).toMatch(/balance|credit has run out/i);
				expect(await cluster.ledger.recordOf(refused.tag)).toBeUndefined();
				const held = await cluster.store().hgetall(quotaHashPrefix(VIDEO_SECONDS) + memberSubject(userId, refused.guildId));
				expect(Object.keys(held).filter((field) => !field.startsWith('@'))).toEqual([]);
			}
			expect(cluster.relaydance.requestsFor('refused while paused').filter((request) => request.path === '/v1/video/generations')).toHaveLength(0);
			cluster.relaydance.setBalance(false);
			topped = true;
			await first.handle.finished(CREDIT_RETRY_MS + 20_000);
			expect(textOf(first.handle.original)).toContain('Video ready');
			const tally = await ledgerOf(first);
			expect([tally.lost, tally.deliveredTwice, tally.chargedWrong, tally.taskTwice]).toEqual([0, 0, 0, 0]);
		} finally {
			if (!topped) cluster.relaydance.setBalance(false);
		}
	}, 60_000);
});
