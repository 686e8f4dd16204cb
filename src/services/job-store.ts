import type { Keyv } from 'keyv';
import type { Job } from './job.js';

const RETENTION_MS = 7 * 24 * 60 * 60_000;

/** Job records in Keyv under `job:<id>`, kept a week after their last move. */
export class JobStore {
	constructor(private readonly store: Keyv) {}

	async save(job: Job): Promise<void> {
		job.updatedAt = Date.now();
		await this.store.set(`job:${job.id}`, job, RETENTION_MS);
	}

	get(id: string): Promise<Job | undefined> {
		return this.store.get<Job>(`job:${id}`);
	}
}
