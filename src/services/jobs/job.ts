import type { Reservation } from '../quota/quota.js';
import type { ImagePlan } from './image-request.js';
import type { VideoPlan } from './video-request.js';
import type { Text } from '../../i18n/index.js';

/**
 * A job moves `queued → uploading → submitting → submitted → running → delivering → delivered`, or
 * to `failed` from any state before `delivered`. It is saved at every move, and every step with an
 * effect outside the bot is preceded by a saved state that says it is about to happen, so a process
 * that starts cold can tell "never sent" (`queued`, `uploading`) from "sent, outcome unknown"
 * (`submitting`) from "RelayDance has it" (a `taskId`).
 */
export type JobState = 'queued' | 'uploading' | 'submitting' | 'submitted' | 'running' | 'delivering' | 'delivered' | 'failed';
export const FINAL_STATES: ReadonlySet<JobState> = new Set(['delivered', 'failed']);

/** Who asked, as far as the services care: quotas are per member, `/jobs` lists a member's jobs per server. */
export interface Requester {
	userId: string;
	guildId: string | null;
}

/**
 * Where the job's messages go. Written and read by the Discord layer (`src/discord/reply-address.ts`);
 * the services store it as it is, and drop `credential` (a bearer token) once the job is final.
 */
export interface ReplyAddress {
	credential?: string;
	[key: string]: unknown;
}

/** What a job makes: a video (`/video`, Again, Animate, Make a video) or a set of images (`/image`). */
export type JobKind = 'video' | 'image';

/** Places in line shown exactly; past them the place is rounded up (see `shownPlace`). */
export const EXACT_PLACES = 10;

/**
 * The place in line a waiting job shows: exact up to `EXACT_PLACES`, then rounded up to a power
 * of ten ("among the first 100"), so a job far back shows a new place (and costs a message edit)
 * a few times at most, however long the line: 5,000 waiting jobs each re-rendering every second
 * kept the benchmark's Discord stand-in too busy to take new commands in time.
 */
export function shownPlace(position: number): number {
	if (position <= EXACT_PLACES) return position;
	return 10 ** Math.ceil(Math.log10(position));
}

export interface JobFailure {
	/** Stable id for logs and tests, e.g. `TaskFailed`, `RateLimited`, `Timeout`. */
	kind: string;
	/** Plain words for the user, in the source locale (logs, records written before `text`). */
	message: string;
	/** The same words as a dictionary key and values: shown in the reader's language. */
	text?: Text;
	code?: string;
}

export interface JobResult {
	fileName: string;
	bytes: number;
	/** RelayDance's link to the video; it lives about a day from `madeAt`. */
	url: string;
	madeAt: number;
	/** `none`: the video was made, but no message could carry it (see `/jobs`). */
	delivery: 'attachment' | 'link' | 'none';
	/** Link to the message that holds it, when Discord told us. */
	messageUrl?: string;
}

/** One image of an `/image` job as RelayDance answered it: its temporary link, unless it came inline. */
export interface ImageItem {
	fileName: string;
	/** RelayDance's temporary link; absent for an item that came as `b64_json`. */
	url?: string;
	/** The prompt as the model rewrote it, when it did. */
	revisedPrompt?: string;
	/** Size in bytes once downloaded. */
	bytes?: number;
}

interface JobCommon {
	id: string;
	state: JobState;
	createdAt: number;
	updatedAt: number;
	/** When RelayDance accepted the task. */
	submittedAt?: number;
	requester: Requester;
	reply: ReplyAddress;
	quota: Reservation;
	/** Place in line while the job waits for room to submit (1: next), as `shownPlace` rounds it. Shown, never saved. */
	queuePosition?: number;
	/** Waiting because RelayDance's balance is spent (bot-wide pause). Shown, never saved. */
	paused?: boolean;
	failure?: JobFailure;
	/** True once the quota went back to the user. */
	refunded?: boolean;
	/** Set once the result's message was deleted (Delete): `/jobs` says so. The charge stays. */
	removed?: JobRemoval;
	/** What the job would cost if all of it is made (`MODEL_PRICES`), as shown on its message; absent when its model has no price. */
	estimate?: number;
	/** Made in a channel under review: the result goes to the moderators first (see `JobReview`). */
	review?: JobReview;
}

/** What moderators decide about a result held for review. The charge stays either way (it was made). */
export type ReviewVerdict = 'approve' | 'reject';

/**
 * A result held for review (`/relaydance-admin review on`): set when the job is accepted, so every
 * process that runs or resumes it knows. The result goes to `channelId` first; once `messageId` is
 * saved with a `delivered` record, the job waits for a moderator. `deciding` is written (compare-and-set
 * on the record) before a decision's effects, `decision` after them: a press finds the job pending,
 * being decided, or decided, whichever process takes it and after any restart.
 */
export interface JobReview {
	/** The moderators' channel. */
	channelId: string;
	/** The review message there, once posted. */
	messageId?: string;
	/** A moderator's press being carried out; one older than the lease was cut off (a restart) and may be taken over. */
	deciding?: { verdict: ReviewVerdict; by: string; at: number };
	/** What was decided, once carried out. */
	decision?: { verdict: ReviewVerdict; by: string; at: number };
}

/**
 * A final job keeps its interaction token in its record only while its result waits for a decision:
 * Approve puts the result in the member's reply while the token lives.
 */
export function keepsCredential(job: Job): boolean {
	return awaitingReview(job);
}

/** A delivered job whose result is with the moderators and not yet decided. */
export function awaitingReview(job: Job): boolean {
	return job.state === 'delivered' && job.review?.messageId !== undefined && job.review.decision === undefined;
}

/** Who deleted a job's result, and when. */
export interface JobRemoval {
	by: string;
	at: number;
	/** Deleted by a member with Manage Messages other than the requester. */
	byModerator: boolean;
}

export interface VideoJob extends JobCommon {
	kind: 'video';
	/** What was asked for, with everything needed to start it again (reference URLs included). */
	settings: VideoPlan;
	taskId?: string;
	progress?: number;
	result?: JobResult;
}

export interface ImageJob extends JobCommon {
	kind: 'image';
	settings: ImagePlan;
	/** What RelayDance answered, saved before delivery: a restart re-fetches the items that have a link. */
	images?: ImageItem[];
	result?: Pick<JobResult, 'madeAt' | 'delivery' | 'messageUrl'>;
}

/**
 * A durable job: the record in the store is the truth about it. Buttons under its messages carry
 * its id, so Again and Animate read their settings from here, after a restart too.
 */
export type Job = VideoJob | ImageJob;

/** Jobs that can still be cancelled: nothing has been sent to RelayDance for them. */
export const CANCELLABLE_STATES: ReadonlySet<JobState> = new Set(['queued', 'uploading']);
