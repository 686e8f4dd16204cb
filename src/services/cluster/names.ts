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
