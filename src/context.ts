import type { REST } from 'discord.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { JobDispatch } from './services/jobs/job-dispatch.js';
import type { JobStore } from './services/jobs/job-store.js';
import type { DraftStore } from './services/jobs/drafts.js';
import type { PendingStarts } from './services/jobs/pending-starts.js';
import type { AuditLog } from './discord/audit-log.js';
import type { ReportBook } from './services/moderation/reports.js';
import type { ReviewDesk } from './discord/review-desk.js';
import type { GuildSettingsStore } from './services/guilds/guild-settings.js';
import type { UsageBook } from './services/guilds/usage.js';
import type { CreditGate } from './services/relaydance/credit-gate.js';
import type { JobKind } from './services/jobs/job.js';
import type { ModelCatalog } from './services/relaydance/model-catalog.js';
import type { JobAdmission } from './services/quota/admission.js';
import type { QuotaBook } from './services/quota/quota.js';
import type { TaskTimings } from './services/jobs/task-timings.js';

/** What a command may use. Built once in `src/bot.ts`. */
export interface BotContext {
	config: Config;
	logger: Logger;
	/** Bot-token REST (channel messages, registration). */
	rest: REST;
	/** REST for interaction webhooks: token-authenticated, outside Discord's global rate limit. */
	interactionRest: REST;
	applicationId: string;
	/** Seconds of video and images, each per member per window. */
	quotas: Record<JobKind, QuotaBook>;
	/** Video models (`/video` autocomplete and checks). */
	catalog: ModelCatalog;
	/** Image models (`/image`). */
	imageCatalog: ModelCatalog;
	/** Make a video's attachments while its form is open. */
	drafts: DraftStore;
	/** Requests waiting for their member's Start on the cost prompt (`confirm_above`). */
	pendingStarts: PendingStarts;
	/** Each server's admin settings, and the bot-wide access settings. */
	guilds: GuildSettingsStore;
	/** All-time usage per member per server. */
	usage: UsageBook;
	/** Each server's audit channel. */
	audit: AuditLog;
	/** Members' reports on results and moderators' decisions (Delete, Report). */
	reports: ReportBook;
	/** Moderators' Approve and Reject on results held for review. */
	reviews: ReviewDesk;
	/** Closed while RelayDance's balance is spent. */
	credit: CreditGate;
	/** Closed while the bot's operator has paused new requests (the operator page). */
	intake: { readonly paused: boolean };
	jobs: JobStore;
	/** Starts, finds and cancels jobs, wherever they run. */
	dispatch: JobDispatch;
	/** Lets a new job in (the member's slot and the quota together) or refuses it. */
	admission: JobAdmission;
	/** Each model's typical task time, learned from the jobs this process ends. */
	timings: TaskTimings;
	/** Jobs waiting for a task slot ahead of a new one (this process's line; on Redis, the shared queue's waiting jobs). */
	lineAhead: () => number | Promise<number>;
}
