import type { Keyv } from 'keyv';
import { recordSwap, scanStore, type RecordSwap } from '../store/store.js';
import { FINAL_STATES, keepsCredential, type Job } from './job.js';
import { readJobRecord } from './job-record.js';

export const JOB_KEY_PREFIX = 'job:';

/**
 * Where records go: `WriteBehind` on SQLite; on Redis the fenced writer, whose writes reject with
 * `JobMovedError` once another worker holds the job.
 */
export interface RecordWriter {
	write(key: string, value: () => unknown): Promise<void>;
	delete(key: string): Promise<void>;
	/** Sends what is queued now rather than after the batching delay. */
	writeNow(): Promise<void>;
	/** Writes the value only where the store holds nothing under `key` (on Redis, after it lost its data); true when written. */
	restore?(key: string, value: unknown): Promise<boolean>;
}
/** Tries of a conditional write whose record another writer keeps changing. */
const CHANGE_ATTEMPTS = 10;
/** How many of a member's jobs `/jobs` can list. */
const RECENT_PER_MEMBER = 10;

/**
 * Job records in Keyv under `job:<id>`: the truth about every job. The process keeps only an index
 * of each member's recent job ids (rebuilt from the store at start); `/jobs` reads the records
 * themselves. Records stay until `prune` removes final ones past their retention.
 */
export class JobStore {
	private readonly recentByMember = new Map<string, string[]>();
	private readonly swapper: RecordSwap;

	constructor(
		private readonly store: Keyv,
		private readonly writer: RecordWriter,
	) {
		this.swapper = recordSwap(store);
	}

	/** Every job in the store, oldest first; indexes them for `recent`. Call once, at start. */
	async load(): Promise<{ jobs: Job[]; unreadable: string[] }> {
		const scanned = await this.scan();
		for (const job of scanned.jobs) this.index(job);
		// Records of the older shape are written back in the new one (a final one without its token).
		await Promise.allSettled(scanned.upgraded.map((job) => this.save(job, { now: true })));
		return scanned;
	}

	/**
	 * Every job in the store, oldest first (records of an older shape upgraded), and the keys of
	 * records that are no job at all, which are left alone.
	 */
	async scan(): Promise<{ jobs: Job[]; unreadable: string[]; upgraded: Job[] }> {
		const jobs: Job[] = [];
		const unreadable: string[] = [];
		const upgraded: Job[] = [];
		for (const [id, raw] of await scanStore<{ origin?: unknown }>(this.store, JOB_KEY_PREFIX)) {
			const job = readJobRecord(raw);
			if (!job) unreadable.push(`${JOB_KEY_PREFIX}${id}`);
			else {
				jobs.push(job);
				if (raw.origin !== undefined) upgraded.push(job);
			}
		}
		return { jobs: jobs.sort((a, b) => a.createdAt - b.createdAt), unreadable, upgraded };
	}

	/**
	 * Queues the job's current state for the store. Resolves once it is written; with `now`, the
	 * batch goes out at once (before a step that must not happen unrecorded, such as a submit).
	 */
	save(job: Job, options: { now?: boolean } = {}): Promise<void> {
		job.updatedAt = Date.now();
		this.index(job);
		const written = this.writer.write(`${JOB_KEY_PREFIX}${job.id}`, () => snapshot(job));
		if (options.now) void this.writer.writeNow();
		return written;
	}

	/**
	 * Writes the job back where the store lost its record (Redis restarted empty or flushed), never
	 * over a record that is there: a process that holds the job may have written a fresher one.
	 * True when written.
	 */
	async restore(job: Job): Promise<boolean> {
		if (!this.writer.restore) return false;
		this.index(job);
		return this.writer.restore(`${JOB_KEY_PREFIX}${job.id}`, snapshot(job));
	}

	/** One job as stored, or undefined when there is none (or it is no job the bot can read). */
	async get(id: string): Promise<Job | undefined> {
		const raw = await this.store.get(`${JOB_KEY_PREFIX}${id}`);
		return raw === undefined ? undefined : readJobRecord(raw);
	}

	/**
	 * Adds `patch` to a final job's record as stored, outside the writer: on Redis the writer's fence
	 * belongs to whichever worker ran the job, and a final record is not written again by it.
	 */
	async annotate(id: string, patch: Partial<Pick<Job, 'removed'>>): Promise<void> {
		const key = `${JOB_KEY_PREFIX}${id}`;
		const raw = await this.store.get<Record<string, unknown>>(key);
		if (raw !== undefined) await this.store.set(key, { ...raw, ...patch });
	}

	/**
	 * Changes a final job's record as stored, outside the writer, only if it is still as read when
	 * written (compare-and-set in the store: see `RecordSwap`): `step` gets the record and answers the
	 * new one, or undefined to leave it. A record changed in between is read again and `step` asked
	 * again. Answers the record as it now is and whether `step`'s change was written.
	 */
	async change(id: string, step: (job: Job) => Job | undefined): Promise<{ job: Job | undefined; changed: boolean }> {
		const key = `${JOB_KEY_PREFIX}${id}`;
		for (let attempt = 1; ; attempt++) {
			const raw = await this.swapper.read(key);
			const stored = raw === undefined ? undefined : ((await this.store.deserialize!(raw)) as { value?: unknown } | undefined);
			const job = stored?.value === undefined ? undefined : readJobRecord(stored.value);
			if (!job || raw === undefined) return { job, changed: false };
			const next = step(structuredClone(job));
			if (!next) return { job, changed: false };
			next.updatedAt = Date.now();
			if (await this.swapper.swap(key, raw, String(await this.store.serialize!({ ...stored, value: next })))) return { job: next, changed: true };
			if (attempt >= CHANGE_ATTEMPTS) throw new Error(`job record ${id} kept changing under a conditional write`);
		}
	}

	/** Each job as stored (undefined where there is none), in the order asked. */
	async getMany(ids: string[]): Promise<Array<Job | undefined>> {
		if (ids.length === 0) return [];
		const raws = await this.store.getMany<unknown>(ids.map((id) => `${JOB_KEY_PREFIX}${id}`));
		return raws.map((raw) => (raw === undefined ? undefined : readJobRecord(raw)));
	}

	/**
	 * The member's latest jobs in one server (or in DMs, `guildId` null), newest first: as `live`
	 * holds them when it does (a job still running here, fresher than its record, and there even
	 * before its first write), else as stored.
	 */
	async recent(userId: string, guildId: string | null, live: (jobId: string) => Job | undefined = () => undefined): Promise<Job[]> {
		const ids = this.recentByMember.get(memberKey(userId, guildId)) ?? [];
		const stored = await this.store.getMany<Job>(ids.map((id) => `${JOB_KEY_PREFIX}${id}`));
		return ids
			.map((id, index) => live(id) ?? stored[index])
			.filter((job): job is Job => job !== undefined)
			.reverse();
	}

	/** Removes final jobs last changed before `cutoff`; returns how many went. */
	async prune(jobs: Iterable<Job>, cutoff: number): Promise<number> {
		const deleted: Array<Promise<void>> = [];
		for (const job of jobs) {
			if (!FINAL_STATES.has(job.state) || job.updatedAt >= cutoff) continue;
			const key = memberKey(job.requester.userId, job.requester.guildId);
			const ids = this.recentByMember.get(key)?.filter((id) => id !== job.id);
			if (ids?.length) this.recentByMember.set(key, ids);
			else this.recentByMember.delete(key);
			deleted.push(this.writer.delete(`${JOB_KEY_PREFIX}${job.id}`));
		}
		void this.writer.writeNow();
		await Promise.allSettled(deleted);
		return deleted.length;
	}

	private index(job: Job): void {
		const key = memberKey(job.requester.userId, job.requester.guildId);
		const ids = this.recentByMember.get(key) ?? [];
		if (ids.includes(job.id)) return;
		ids.push(job.id);
		if (ids.length > RECENT_PER_MEMBER) ids.shift();
		this.recentByMember.set(key, ids);
	}
}

function memberKey(userId: string, guildId: string | null): string {
	return `${guildId ?? 'dm'}:${userId}`;
}

/**
 * The record as stored: what is only shown (the place in line) stays out, and so does the
 * credential of a job that is final, whatever the process does next.
 */
function snapshot(job: Job): Omit<Job, 'queuePosition' | 'paused'> {
	const { queuePosition: _shown, paused: _pausedShown, ...stored } = job;
	if (!FINAL_STATES.has(job.state) || keepsCredential(job)) return stored;
	const { credential: _dropped, ...reply } = job.reply;
	return { ...stored, reply };
}
