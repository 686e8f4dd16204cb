import type { Logger } from '../logger.js';
import type { FencedRecords } from '../services/cluster/fenced-records.js';
import type { Job } from '../services/jobs/job.js';
import type { JobView, JobViews } from '../services/jobs/job-view.js';
import { InteractionReplyView, type DiscordRest } from './interaction-view.js';
import { asInteractionAddress } from './reply-address.js';
import { ReviewedJobView } from './review-view.js';

/** Opens each job's view from the reply address in its record, so a resumed job talks to Discord like a new one. */
export class InteractionViews implements JobViews {
	constructor(
		private readonly rest: DiscordRest,
		private readonly editIntervalMs: number,
		private readonly logger: Logger,
		/**
		 * On Redis: checks that this process still holds the job, asked before a progress edit (a
		 * round trip to Redis) and as its bytes go out (its lease): progress edits go out only from its holder.
		 */
		private readonly fences?: Pick<FencedRecords, 'claimCheck' | 'writeGuard'>,
	) {}

	/** A job made in a channel under review, not yet taken up by a moderator, shows its result to the moderators first. */
	open(job: Job): JobView {
		const view = this.viewOf(job);
		return job.review && !job.review.deciding && !job.review.decision ? new ReviewedJobView(view, this.logger.child({ jobId: job.id })) : view;
	}

	/**
	 * The member's own view of a job, whatever its review says: a moderator's Approve or Reject speaks
	 * through it, each message and upload try only while `holds` (the decision is still that press's).
	 */
	member(job: Job, holds?: () => Promise<boolean>): InteractionReplyView {
		return new InteractionReplyView(this.rest, asInteractionAddress(job.reply), this.editIntervalMs, this.logger.child({ jobId: job.id }), undefined, holds && { holdsJob: holds });
	}

	async showWaiting(job: Job): Promise<void> {
		await this.viewOf(job).showWaiting(job);
	}

	private viewOf(job: Job): InteractionReplyView {
		const holdsJob = this.fences?.claimCheck(job.id);
		const mayWrite = this.fences?.writeGuard(job.id);
		return new InteractionReplyView(this.rest, asInteractionAddress(job.reply), this.editIntervalMs, this.logger.child({ jobId: job.id }), undefined, holdsJob && { holdsJob, mayWrite });
	}
}
