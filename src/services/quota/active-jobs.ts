import { UserError } from '../user-error.js';

/** What a member is told when they already run as many jobs as they may. */
export function tooManyActiveJobs(count: number, maxPerUser: number): UserError {
	return new UserError('TooManyActiveJobs', 'refusal.tooManyActive', { count, max: maxPerUser });
}

/** Counts each user's unfinished jobs, so one member cannot fill the queue. Synchronous, so it is atomic. */
export class ActiveJobs {
	private readonly counts = new Map<string, number>();

	constructor(private readonly maxPerUser: number) {}

	/** How many slots `userId` holds now. */
	held(userId: string): number {
		return this.counts.get(userId) ?? 0;
	}

	/**
	 * Takes a slot or throws `TooManyActiveJobs`; call the returned function when the job ends.
	 * `force` counts a job that was already accepted (one resumed after a restart) whatever the limit.
	 */
	acquire(userId: string, _jobId?: string, options: { force?: boolean } = {}): () => void {
		const count = this.counts.get(userId) ?? 0;
		if (count >= this.maxPerUser && !options.force) throw tooManyActiveJobs(count, this.maxPerUser);
		this.counts.set(userId, count + 1);
		let released = false;
		return () => {
			if (released) return;
			released = true;
			const left = (this.counts.get(userId) ?? 1) - 1;
			if (left <= 0) this.counts.delete(userId);
			else this.counts.set(userId, left);
		};
	}
}
