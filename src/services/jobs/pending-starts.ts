import type { Redis } from 'ioredis';
import type { Keyv } from 'keyv';
import { LocalClaims } from '../store/local-claims.js';
import type { JobRequest } from './cost.js';

/**
 * A request waiting for its member's Start: everything needed to start it later, on any process,
 * after a restart too. Kept only while the prompt's buttons can work (the interaction's token life).
 */
export interface PendingStart {
	userId: string;
	request: JobRequest;
	/** The estimate the member was shown. */
	estimate: number;
	/** The interaction that asked (its reply holds the prompt): its app, token and creation time. */
	prompt: { applicationId: string; credential: string; createdAt: number };
	/** When the record stops being kept (ms since the epoch). */
	expiresAt: number;
}

/** A pending start taken by one press: `done(true)` once the job started (the record goes), `done(false)` to give it back. */
export interface ClaimedStart {
	pending: PendingStart;
	done: (used: boolean) => Promise<void>;
}

/**
 * Unconfirmed requests by the id of the interaction that asked (`pending-start:<id>`). A press takes
 * the record for itself: two presses of Start, in one process or two, start one job.
 */
export interface PendingStarts {
	put(id: string, pending: PendingStart): Promise<void>;
	/** Undefined when there is none (expired, cancelled, started) or another press has it now. */
	claim(id: string): Promise<ClaimedStart | undefined>;
	delete(id: string): Promise<void>;
}

const KEY_PREFIX = 'pending-start:';

function lifeOf(pending: PendingStart): number {
	return Math.max(1, pending.expiresAt - Date.now());
}

/** In the Keyv store, for the one process that runs on SQLite: a record claimed here is held in memory until `done`. */
export class StoredPendingStarts implements PendingStarts {
	private readonly claims = new LocalClaims();

	constructor(private readonly store: Keyv) {}

	async put(id: string, pending: PendingStart): Promise<void> {
		await this.store.set(`${KEY_PREFIX}${id}`, pending, lifeOf(pending));
	}

	async claim(id: string): Promise<ClaimedStart | undefined> {
		const read = async () => {
			const pending = await this.store.get<PendingStart>(`${KEY_PREFIX}${id}`);
			return pending && pending.expiresAt > Date.now() ? pending : undefined;
		};
		const claimed = await this.claims.claim(id, read, () => this.delete(id));
		return claimed && { pending: claimed.value, done: claimed.done };
	}

	async delete(id: string): Promise<void> {
		await this.store.delete(`${KEY_PREFIX}${id}`);
	}
}

const REDIS_PREFIX = 'rd:pending-start:';

/**
 * In Redis, shared by every process: a press takes the record with GETDEL (one step, so exactly one
 * press gets it), and gives it back with its remaining life when the job did not start.
 */
export class RedisPendingStarts implements PendingStarts {
	constructor(private readonly redis: Redis) {}

	async put(id: string, pending: PendingStart): Promise<void> {
		await this.redis.set(REDIS_PREFIX + id, JSON.stringify(pending), 'PX', lifeOf(pending));
	}

	async claim(id: string): Promise<ClaimedStart | undefined> {
		const raw = await this.redis.getdel(REDIS_PREFIX + id);
		if (!raw) return undefined;
		const pending = JSON.parse(raw) as PendingStart;
		if (pending.expiresAt <= Date.now()) return undefined;
		return { pending, done: async (used) => (used ? undefined : this.put(id, pending)) };
	}

	async delete(id: string): Promise<void> {
		await this.redis.del(REDIS_PREFIX + id);
	}
}
