import { awaitingReview, type Job, type ReviewVerdict } from '../jobs/job.js';
import type { JobStore } from '../jobs/job-store.js';

/**
 * How long a moderator's press holds the decision while the bot carries it out (the result posted
 * in the member's reply, or the member told). A process that stops midway leaves the hold behind;
 * past this, another press may take it over, so a restart loses no decision.
 */
export const DECIDING_LEASE_MS = 2 * 60_000;

/** What a press on Approve or Reject finds. */
export type ReviewClaim = { outcome: 'claimed'; job: Job; at: number } | { outcome: 'decided' | 'busy' | 'gone' | 'not-ready'; job?: Job };

/**
 * The decision on a result held for review, kept on the job record and written only by
 * compare-and-set (`JobStore.change`): of two presses at once, on one process or two, one claims the
 * decision and the other is told it is taken. The claim (`deciding`) is written before the
 * decision's effects, the decision after them.
 */
export class ReviewDecisions {
	constructor(
		private readonly jobs: Pick<JobStore, 'change' | 'get'>,
		private readonly now: () => number = () => Date.now(),
	) {}

	/** Takes the decision for `by`, unless it is taken (or decided), or the result is not with the moderators (yet, or at all). */
	async claim(jobId: string, verdict: ReviewVerdict, by: string): Promise<ReviewClaim> {
		const at = this.now();
		let why = 'gone' as ReviewClaim['outcome'];
		const { job, changed } = await this.jobs.change(jobId, (stored) => {
			why = stateOf(stored, at);
			if (why !== 'claimed') return undefined;
			stored.review!.deciding = { verdict, by, at };
			return stored;
		});
		if (changed && job) return { outcome: 'claimed', job, at };
		return { outcome: why === 'claimed' ? 'busy' : why, ...(job && { job }) };
	}

	/**
	 * Writes the decision carried out under the claim made `at` by `by`, with what `apply` changes on
	 * the record (the result's new place); drops the interaction token, no longer needed. False when
	 * the claim was taken over meanwhile.
	 */
	async settle(jobId: string, claim: { by: string; at: number }, apply: (job: Job) => void = () => {}): Promise<boolean> {
		const { changed } = await this.jobs.change(jobId, (stored) => {
			const deciding = stored.review?.deciding;
			if (!deciding || deciding.by !== claim.by || deciding.at !== claim.at) return undefined;
			apply(stored);
			stored.review!.decision = { verdict: deciding.verdict, by: deciding.by, at: this.now() };
			delete stored.review!.deciding;
			delete stored.reply.credential;
			return stored;
		});
		return changed;
	}

	/** Gives the decision back (its effects failed): the next press may decide. */
	async release(jobId: string, claim: { by: string; at: number }): Promise<void> {
		await this.jobs.change(jobId, (stored) => {
			const deciding = stored.review?.deciding;
			if (!deciding || deciding.by !== claim.by || deciding.at !== claim.at) return undefined;
			delete stored.review!.deciding;
			return stored;
		});
	}
}

/** Where a record stands for a press at `now`: free to claim, decided, held by another press, not (yet) with the moderators. */
function stateOf(job: Job, now: number): ReviewClaim['outcome'] {
	if (!job.review) return 'gone';
	if (job.review.decision) return 'decided';
	if (!awaitingReview(job)) return 'not-ready';
	const deciding = job.review.deciding;
	if (deciding && now - deciding.at < DECIDING_LEASE_MS) return 'busy';
	return 'claimed';
}
