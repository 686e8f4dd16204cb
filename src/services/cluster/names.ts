/**
 * Where the processes sharing one Redis meet. Every name here is read by more than one process
 * (and by `npm run status`): change one and every process must change with it.
 */

/** The BullMQ queue every accepted job goes into. */
export const QUEUE_NAME = 'jobs';
/** BullMQ's key prefix: its keys are `rd:bull:jobs:…`. */
export const QUEUE_PREFIX = 'rd:bull';
/** Pub/sub channel on which processes tell each other what changed or must happen (Cancel, a webhook's wake-up, settings changed). */
export const SIGNALS_CHANNEL = 'rd:signals';
/** Each member's unfinished jobs, bot-wide (`MAX_ACTIVE_JOBS_PER_USER`): a set of job ids. */
export const ACTIVE_JOBS_PREFIX = 'rd:active:';
/** Held by the one worker that shows waiting jobs their place in line. */
export const PLACES_LEADER_KEY = 'rd:places-leader';
/** Each worker's heartbeat (`rd:worker:<id>`), for `npm run status`. */
export const WORKER_HEARTBEAT_PREFIX = 'rd:worker:';
/** Each job's owner fence (`rd:jobmeta:<id>`): `fence` grows by one each time a worker takes the job; `qid` is its BullMQ id now. */
export const JOB_META_PREFIX = 'rd:jobmeta:';
/** Ids of every job whose record is not final: the reconciler's list to check, kept by the record writes themselves. */
export const OPEN_JOBS_KEY = 'rd:open-jobs';
/** Held by the one process that sweeps for orphaned jobs, reservations and slots. */
export const RECONCILER_LEASE_KEY = 'rd:reconciler';
/**
 * Jobs let in (slot and quota taken) whose record may not be written yet: job id → `<window
 * starts>|<the job as admitted, JSON>`, set by the admission script itself and removed once the
 * record is written. A gateway that dies between its deferral and the record leaves one here, and
 * the reconciler writes the record from it and queues the job.
 */
export const ADMITTED_KEY = 'rd:admitted';
/** Written once by the first process on a Redis; gone means Redis lost its data. */
export const EPOCH_KEY = 'rd:epoch';
/** The last data loss seen (JSON: when, the epoch it ended), for `npm run status`. */
export const DATA_LOSS_KEY = 'rd:data-loss';
/** Set once per lost epoch, so one process tells the audit channels. */
export const LOSS_ANNOUNCED_PREFIX = 'rd:loss-announced:';
/** Each worker's jobs in hand (`rd:worker-jobs:<id>`), refreshed with its heartbeat: the reconciler leaves them alone. */
export const WORKER_JOBS_PREFIX = 'rd:worker-jobs:';

/** The job id of a BullMQ id: the job's own, or `<job id>-r<n>` for the nth time the reconciler queued it again. */
export function jobIdOfQueueId(queueId: string): string {
	return queueId.replace(/-r\d+$/, '');
}
