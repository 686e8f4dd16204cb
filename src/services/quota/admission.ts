import type { Job, JobKind } from '../jobs/job.js';
import type { ActiveJobs } from './active-jobs.js';
import type { Claim, QuotaService, Reservation } from './quota.js';

/** What a new job asks for before its interaction is deferred. */
export interface AdmissionRequest {
	userId: string;
	jobId: string;
	kind: JobKind;
	/** The budgets it must fit, the member's first (`claimsFor`). */
	claims: readonly Claim[];
	/** Seconds of video, or images. */
	amount: number;
	/**
	 * The job as it will be written, its reservation aside: kept with the admission where another
	 * process can find it (Redis), so a job whose process dies right after its deferral is still run.
	 * Asked only where it is kept (not in one process, where nothing outlives the process).
	 */
	admitted?: () => AdmittedJob;
}

/** What the reconciler needs to write the record of a job that was let in but never written (see `ADMITTED_KEY`). */
export interface AdmittedJob {
	job: Omit<Job, 'quota'>;
	/** The claims' subjects, the member's first, in the order of their window starts. */
	subjects: string[];
	/** What was reserved in each: seconds of video, or images. */
	amount: number;
}

/** A job let in: its reservation (refund or settle it through the kind's `QuotaBook`) and its member's slot (`release` gives it back, once). */
export interface Admitted {
	reservation: Reservation;
	release: () => void;
}

/**
 * Lets a job in or refuses it, in one step: one of the member's active-job slots and the quota it
 * needs, both or neither. A refusal (`TooManyActiveJobs`, `QuotaExceeded`, `BudgetExceeded`) takes
 * nothing. It is the only thing the accept path waits on before the deferral, so it is one
 * synchronous step in one process (`LocalAdmission`) and one round trip on Redis (`RedisAdmission`).
 */
export interface JobAdmission {
	admit(request: AdmissionRequest): Admitted | Promise<Admitted>;
}

/** In one process: the slot and the reservation taken synchronously, so no request between them sees a slot whose job is then refused. */
export class LocalAdmission implements JobAdmission {
	constructor(
		private readonly slots: ActiveJobs,
		private readonly quotas: Record<JobKind, QuotaService>,
	) {}

	admit({ userId, jobId, kind, claims, amount }: AdmissionRequest): Admitted {
		const release = this.slots.acquire(userId, jobId);
		try {
			return { reservation: this.quotas[kind].reserveAll(claims, amount, jobId), release };
		} catch (error) {
			release();
			throw error;
		}
	}
}
