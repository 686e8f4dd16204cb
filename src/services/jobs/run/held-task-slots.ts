import type { FairLine } from '../fair-line.js';
import type { Job } from '../job.js';
import type { AcquireOptions } from '../wait-line.js';

/**
 * Each running job's place among the tasks in flight at RelayDance, once it has one. Held from
 * the submit until nothing runs at RelayDance for the job any more, and given back once.
 */
export class HeldTaskSlots {
	private readonly releases = new Map<string, () => void>();

	constructor(private readonly line: FairLine) {}

	holds(job: Job): boolean {
		return this.releases.has(job.id);
	}

	/** Waits for the job's turn in its server's line (`force`: at once, for a job already in flight). */
	async take(job: Job, options: AcquireOptions & { force?: boolean }): Promise<void> {
		this.releases.set(job.id, await this.line.acquire(groupOf(job), options));
	}

	/** Gives the job's place to the next in line (once; later calls do nothing). */
	release(job: Job): void {
		this.releases.get(job.id)?.();
		this.releases.delete(job.id);
	}
}

/** The line a job waits in for a task slot: its server's (DMs share one). */
function groupOf(job: Job): string {
	return job.requester.guildId ?? 'dm';
}
