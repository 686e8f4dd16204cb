import type { Logger } from '../../logger.js';
import { FINAL_STATES, type Job } from '../jobs/job.js';
import type { JobStore } from '../jobs/job-store.js';

/** How many records one refresh reads per round trip. */
const CHUNK = 200;

/**
 * The jobs this process accepted and queued, each kept as its record last read, until that record
 * says the job ended. Only Redis holds a waiting job (no worker has it yet), so when Redis loses its
 * data these copies are written back, where no record is (a worker that took the job writes a
 * fresher one), and the reconciler queues them again: the member's job goes on from where its
 * record was, rather than vanishing while its message shows a place in line.
 */
export class LaunchedJobs {
	private readonly copies = new Map<string, Job>();
	private timer: NodeJS.Timeout | undefined;
	private refreshing: Promise<void> = Promise.resolve();

	constructor(
		private readonly jobs: JobStore,
		private readonly logger: Logger,
	) {}

	/** A job whose record this process has just written and queued. */
	add(job: Job): void {
		this.copies.set(job.id, structuredClone(job));
	}

	get size(): number {
		return this.copies.size;
	}

	/** Reads the records again every `intervalMs`. */
	start(intervalMs: number): void {
		this.timer = setInterval(() => void this.refresh(), intervalMs);
		this.timer.unref();
	}

	stop(): void {
		clearInterval(this.timer);
	}

	/**
	 * Each copy takes its record's latest state; ended jobs are forgotten. A record that is missing
	 * is kept as it was (a write-back may need it); Redis away is waited out at the next interval.
	 */
	refresh(): Promise<void> {
		this.refreshing = this.refreshing.then(() => this.refreshOnce()).catch((error: unknown) => this.logger.warn({ err: error }, 'could not read the launched jobs; reading them again at the next interval'));
		return this.refreshing;
	}

	/** Writes back every copy whose record Redis no longer has; returns those that went back. */
	async writeBack(): Promise<Job[]> {
		await this.refreshing;
		const restored: Job[] = [];
		for (const job of [...this.copies.values()]) {
			if (await this.jobs.restore(job)) restored.push(job);
		}
		return restored;
	}

	private async refreshOnce(): Promise<void> {
		const ids = [...this.copies.keys()];
		for (let start = 0; start < ids.length; start += CHUNK) {
			const chunk = ids.slice(start, start + CHUNK);
			const records = await this.jobs.getMany(chunk);
			for (const [index, id] of chunk.entries()) {
				const record = records[index];
				if (!record) continue;
				if (FINAL_STATES.has(record.state)) this.copies.delete(id);
				else this.copies.set(id, record);
			}
		}
	}
}
