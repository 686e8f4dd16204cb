import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import { FINAL_STATES, type Job } from '../jobs/job.js';
import type { JobStore } from '../jobs/job-store.js';
import { IMAGES, VIDEO_SECONDS } from '../quota/quota.js';
import { quotaHashPrefix } from '../quota/redis-quota.js';
import { admittedRecord } from './admitted-jobs.js';
import { ACTIVE_JOBS_PREFIX, ADMITTED_KEY, JOB_META_PREFIX, OPEN_JOBS_KEY, RECONCILER_LEASE_KEY, WORKER_JOBS_PREFIX } from './names.js';
import { RUN_JOB } from './queue-dispatch.js';
import { scanKeys } from './scan-keys.js';

/** BullMQ states in which some worker will run the job (or runs it now). */
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'paused']);
/** Records read per round trip. */
const CHUNK = 500;

/** Takes or keeps the lease. KEYS: lease. ARGV: holder, life (ms). Answers 1 when held by ARGV[1]. */
const LEASE = `
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0
`;

/** Takes a job's charge out of a quota hash. KEYS: the hash. ARGV: job id. */
const FORGET = `
local held = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
if held == nil then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HINCRBY', KEYS[1], '@used', -held)
return held
`;

type LeaseRedis = Redis & {
	reconcilerLease(key: string, holder: string, lifeMs: number): Promise<number>;
	forgetCharge(key: string, jobId: string): Promise<number>;
};

export interface ReconcilerOptions {
	/** Between sweeps; a record must have been still this long before it counts as orphaned. */
	intervalMs: number;
	/** Prefixes of the quota hashes (`rd:quota:video:`…): their per-job fields are reservations. */
	quotaPrefixes: string[];
	/** This process, as the lease names it. */
	holder: string;
}

/** What one sweep did. */
export interface SweepReport {
	requeued: number;
	refunded: number;
	released: number;
}

/**
 * One process at a time (a Redis lease) sweeps every `intervalMs` for what no process will ever
 * finish: an unfinished record in no BullMQ state (its gateway died between writing and queueing
 * it, or Redis lost the queue) is queued again under a fresh BullMQ id (the failed set never blocks
 * it) and resumed from its state by the runner's rules; a reservation or an active-job slot whose
 * job is final or gone is given back. Anything changed less than one interval ago, or found missing
 * only now, is left for a later sweep: it may be a job on its way into the queue.
 */
export class Reconciler {
	private readonly redis: LeaseRedis;
	private timer: NodeJS.Timeout | undefined;
	private sweeping: Promise<unknown> = Promise.resolve();
	/**
	 * Reservations and slots whose job was missing, with when a sweep first found them so: given back
	 * when a sweep at least half an interval later still finds them so (the next one, on time). Time,
	 * not a count of sweeps: sweeps queued behind a slow one run back to back, and a gateway still
	 * writing its record must not lose it, or its charge, to two sweeps a millisecond apart.
	 */
	private suspects = new Map<string, number>();
	/** Admitted jobs without a record, with when a sweep first found them so: written and queued as `suspects` are given back. */
	private unwritten = new Map<string, number>();

	constructor(
		redis: Redis,
		private readonly queue: Queue,
		private readonly jobs: JobStore,
		private readonly options: ReconcilerOptions,
		private readonly logger: Logger,
	) {
		if (!('reconcilerLease' in redis)) {
			redis.defineCommand('reconcilerLease', { numberOfKeys: 1, lua: LEASE });
			redis.defineCommand('forgetCharge', { numberOfKeys: 1, lua: FORGET });
		}
		this.redis = redis as LeaseRedis;
	}

	start(): void {
		this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
		this.timer.unref();
		void this.tick();
	}

	async stop(): Promise<void> {
		clearInterval(this.timer);
		await this.sweeping;
		await this.redis.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`, 1, RECONCILER_LEASE_KEY, this.options.holder).catch(() => {});
	}

	private tick(): Promise<unknown> {
		this.sweeping = this.sweeping.then(async () => {
			try {
				if ((await this.redis.reconcilerLease(RECONCILER_LEASE_KEY, this.options.holder, 2 * this.options.intervalMs)) !== 1) return;
				await this.sweep();
			} catch (error) {
				this.logger.warn({ err: error }, 'the reconciler could not sweep; it tries again at the next interval');
			}
		});
		return this.sweeping;
	}

	/** One sweep; the lease holder's, or a test's. */
	async sweep(now = Date.now()): Promise<SweepReport> {
		const held = await this.heldByLiveWorkers();
		const requeued = (await this.writeAdmittedOrphans(now)) + (await this.requeueOrphans(held, now));
		const suspects = new Map<string, number>();
		const refunded = await this.refundOrphanReservations(held, suspects, now);
		const released = await this.releaseOrphanSlots(held, suspects, now);
		this.suspects = suspects;
		return { requeued, refunded, released };
	}

	private async requeueOrphans(held: Set<string>, now: number): Promise<number> {
		const open = await this.redis.smembers(OPEN_JOBS_KEY);
		let requeued = 0;
		for (let start = 0; start < open.length; start += CHUNK) {
			const ids = open.slice(start, start + CHUNK);
			const records = await this.jobs.getMany(ids);
			for (const [index, id] of ids.entries()) {
				const job = records[index];
				if (!job || FINAL_STATES.has(job.state)) {
					await this.redis.srem(OPEN_JOBS_KEY, id);
					continue;
				}
				if (held.has(id) || now - job.updatedAt < this.options.intervalMs) continue;
				if (await this.isQueued(id)) continue;
				await this.requeue(job);
				requeued++;
			}
		}
		return requeued;
	}

	/**
	 * A job let in (slot and quota taken) whose gateway died after deferring it and before writing
	 * its record: the admission kept it (`ADMITTED_KEY`), so it is written from there and queued, as
	 * its gateway would have done, once two sweeps (at least half an interval apart) have found no
	 * record. An entry whose record exists is dropped; so is one whose reservation is gone (Discord
	 * refused the deferral: nothing to run).
	 */
	private async writeAdmittedOrphans(now: number): Promise<number> {
		const entries = await this.redis.hgetall(ADMITTED_KEY);
		const ids = Object.keys(entries);
		const unwritten = new Map<string, number>();
		let written = 0;
		for (let start = 0; start < ids.length; start += CHUNK) {
			const chunk = ids.slice(start, start + CHUNK);
			const records = await this.jobs.getMany(chunk);
			for (const [index, id] of chunk.entries()) {
				if (records[index]) {
					await this.redis.hdel(ADMITTED_KEY, id);
					continue;
				}
				if (this.stillRecent(this.unwritten, unwritten, id, now)) continue;
				const job = admittedRecord(entries[id]!);
				const quotaKey = job && quotaHashPrefix(job.kind === 'image' ? IMAGES : VIDEO_SECONDS) + job.quota.userId;
				if (job && quotaKey && (await this.redis.hexists(quotaKey, id)) === 1) {
					const record = { ...job, updatedAt: now };
					await this.jobs.save(record, { now: true });
					await this.requeue(record);
					written++;
					this.logger.warn({ jobId: id, userId: job.requester.userId }, 'wrote and queued a job its gateway deferred but never wrote (the gateway stopped in between)');
				}
				await this.redis.hdel(ADMITTED_KEY, id);
			}
		}
		this.unwritten = unwritten;
		return written;
	}

	/** Whether BullMQ will run the job: under its own id, or under the id the last re-queue gave it. */
	private async isQueued(jobId: string): Promise<boolean> {
		const again = await this.redis.hget(JOB_META_PREFIX + jobId, 'qid');
		for (const id of again ? [jobId, again] : [jobId]) {
			if (LIVE_STATES.has(await this.queue.getJobState(id))) return true;
		}
		return false;
	}

	private async requeue(job: Job): Promise<void> {
		const attempt = await this.redis.hincrby(JOB_META_PREFIX + job.id, 'attempts', 1);
		const queuedAs = `${job.id}-r${attempt}`;
		await this.redis.hset(JOB_META_PREFIX + job.id, 'qid', queuedAs);
		await this.queue.add(RUN_JOB, { jobId: job.id }, { jobId: queuedAs });
		this.logger.info({ jobId: job.id, state: job.state, queuedAs }, 're-queued a job found in no queue');
	}

	/** A reservation whose job is gone (at two sweeps, half an interval apart or more) or failed is refunded. */
	private async refundOrphanReservations(held: Set<string>, suspects: Map<string, number>, now: number): Promise<number> {
		let refunded = 0;
		for (const prefix of this.options.quotaPrefixes) {
			for (const key of await scanKeys(this.redis, `${prefix}*`)) {
				const ids = (await this.redis.hkeys(key)).filter((field) => !field.startsWith('@') && !held.has(field));
				const records = await this.jobs.getMany(ids);
				for (const [index, id] of ids.entries()) {
					const job = records[index];
					if (job && job.state !== 'failed') continue;
					if (!job && this.stillRecent(this.suspects, suspects, `${key}|${id}`, now)) continue;
					if ((await this.redis.forgetCharge(key, id)) > 0) {
						refunded++;
						this.logger.info({ jobId: id, key }, 'refunded a reservation whose job is gone');
					}
				}
			}
		}
		return refunded;
	}

	/** A member's active-job slot held by a job that is final or gone (at two sweeps, half an interval apart or more) is released. */
	private async releaseOrphanSlots(held: Set<string>, suspects: Map<string, number>, now: number): Promise<number> {
		let released = 0;
		for (const key of await scanKeys(this.redis, `${ACTIVE_JOBS_PREFIX}*`)) {
			const ids = (await this.redis.zrange(key, '0', '-1')).filter((id) => !held.has(id));
			const records = await this.jobs.getMany(ids);
			for (const [index, id] of ids.entries()) {
				const job = records[index];
				if (job && !FINAL_STATES.has(job.state)) continue;
				if (!job && this.stillRecent(this.suspects, suspects, `${key}|${id}`, now)) continue;
				released += await this.redis.zrem(key, id);
			}
		}
		return released;
	}

	/**
	 * Whether `name`, missing something at this sweep (which began at `now`), was first found so less
	 * than half an interval ago, or only now: then it is carried into `next` with that first time, and
	 * left for a later sweep. A first sighting is stamped when it is made, not when its sweep began,
	 * so a sweep that ran long and the one queued right behind it do not count as two looks. Half an
	 * interval, so that the next sweep on time acts (unless the first sighting came late in a long sweep).
	 */
	private stillRecent(last: Map<string, number>, next: Map<string, number>, name: string, now: number): boolean {
		const since = last.get(name) ?? Math.max(now, Date.now());
		if (now - since >= this.options.intervalMs / 2) return false;
		next.set(name, since);
		return true;
	}

	/** Jobs some live worker holds now (its heartbeat's list): left alone whatever BullMQ says. */
	private async heldByLiveWorkers(): Promise<Set<string>> {
		const held = new Set<string>();
		for (const key of await scanKeys(this.redis, `${WORKER_JOBS_PREFIX}*`)) for (const id of await this.redis.smembers(key)) held.add(id);
		return held;
	}
}
