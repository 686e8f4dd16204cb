import type { Job } from './job.js';
import type { WriteBehind } from '../store/write-behind.js';

const RETENTION_MS = 7 * 24 * 60 * 60_000;

/** Job records in Keyv under `job:<id>`, kept a week after their last move. */
export class JobStore {
	constructor(private readonly writer: WriteBehind) {}

	/** Resolves once the job, as it is when its batch goes out, is in the store. */
	save(job: Job): Promise<void> {
		job.updatedAt = Date.now();
		return this.writer.write(`job:${job.id}`, () => job, RETENTION_MS);
	}
}
