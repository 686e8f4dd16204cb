import type { Reservation } from '../quota/quota.js';
import type { ReferenceInput, VideoOptions } from './video-request.js';

/**
 * A job moves `queued → submitting → submitted → running → delivering → delivered`, or to
 * `failed` from any state before `delivered`. It is saved at every move, so a restarted process
 * can find what was in flight.
 */
export type JobState = 'queued' | 'submitting' | 'submitted' | 'running' | 'delivering' | 'delivered' | 'failed';
export const FINAL_STATES: ReadonlySet<JobState> = new Set(['delivered', 'failed']);

/** What was asked for, as shown to the user; references without their short-lived URLs. */
export type JobSettings = Omit<VideoOptions, 'references'> & {
	references: Array<Pick<ReferenceInput, 'kind' | 'slot' | 'name' | 'size'>>;
};

/** Where the job's reply lives. Opaque to the services; the Discord layer reads it. */
export interface JobOrigin {
	applicationId: string;
	interactionId: string;
	interactionToken: string;
	/** When Discord created the interaction: its token dies 15 minutes later. */
	interactionCreatedAt: number;
	userId: string;
	guildId: string | null;
	channelId: string | null;
	/** Largest upload the interaction allows, in bytes. */
	attachmentSizeLimit: number;
}

export interface JobFailure {
	/** Stable id for logs and tests, e.g. `TaskFailed`, `RateLimited`, `Timeout`. */
	kind: string;
	/** Plain words for the user. */
	message: string;
	code?: string;
}

export interface JobResult {
	fileName: string;
	bytes: number;
	url: string;
	delivery: 'attachment' | 'link';
}

export interface Job {
	id: string;
	state: JobState;
	createdAt: number;
	updatedAt: number;
	/** When RelayDance accepted the task. */
	submittedAt?: number;
	origin: JobOrigin;
	settings: JobSettings;
	quota: Reservation;
	taskId?: string;
	progress?: number;
	result?: JobResult;
	failure?: JobFailure;
	/** True once the quota went back to the user. */
	refunded?: boolean;
}
