import { randomUUID } from 'node:crypto';
import type { ChatInputCommandInteraction, MessageComponentInteraction, ModalSubmitInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { replyAddressOf } from '../discord/reply-address.js';
import { deferReply } from '../discord/respond.js';
import { amountOf, estimateCost, needsConfirmation, type JobRequest } from '../services/jobs/cost.js';
import { firstResponses } from '../services/jobs/first-responses.js';
import type { Job } from '../services/jobs/job.js';
import { memberLimit } from '../services/guilds/member-limits.js';
import { brokenRule } from '../services/guilds/prompt-rules.js';
import { BOT_SUBJECT, memberSubject, SERVER_SUBJECT_PREFIX, type Claim } from '../services/quota/quota.js';
import { UserError } from '../services/user-error.js';
import { assertMayGenerate, botAbsent, botServerId, reviewChannelOf, roleIdsOf } from './access.js';
import { TOKEN_LIFETIME_MS } from '../discord/reply-address.js';
import { expectedMs } from '../services/jobs/task-timings.js';
import { askToStart } from './cost-prompt.js';

/** What a member asked for, planned and checked (see `JobRequest`). */
export type Request = JobRequest;

export interface AcceptOptions {
	/** The member pressed Start on the cost prompt: the request is not held for confirmation again. */
	confirmed?: boolean;
}

/** Every interaction that can start a job: a slash command, a button, a form. */
export type StartingInteraction = ChatInputCommandInteraction | ModalSubmitInteraction | MessageComponentInteraction;

/**
 * The one way a job starts, whatever asked for it: checks what needs only the interaction and the
 * settings in memory, takes one of the member's active-job slots and the quota (seconds of video,
 * or images) in one step (`JobAdmission`), defers the reply, and only then builds the job and hands
 * it on (to this process's runner, or to the shared queue). A refusal decides the first response
 * (an ephemeral reply), so every check that can refuse comes before the deferral, and nothing
 * else does. Throws (a refusal, shown ephemerally) before anything is spent; undoes the slot and
 * the reservation when Discord refuses the deferral.
 *
 * Where the server asks members to confirm a cost (`confirm_above`) and the estimate is above it,
 * nothing is taken: the request is kept and the member asked, ephemerally, to Start it
 * (`askToStart`); Start runs this again, `confirmed`, with every check made anew.
 */
export async function acceptJob(interaction: StartingInteraction, context: BotContext, request: Request, options: AcceptOptions = {}): Promise<void> {
	assertMayGenerate(interaction, context);
	assertPromptAllowed(interaction, context, request.plan.prompt);
	if (botAbsent(interaction)) await assertDeliverableInTime(context, request);
	const estimate = estimateCost(request, context.config.MODEL_PRICES);
	const confirmAbove = context.guilds.get(botServerId(interaction))?.defaults.confirmAbove;
	if (!options.confirmed && needsConfirmation(estimate, confirmAbove)) return askToStart(interaction, context, request, { estimate, confirmAbove: confirmAbove! });
	const jobId = randomUUID();
	const claims = claimsFor(interaction, context, request.kind);
	const amount = amountOf(request);
	let described: Omit<Job, 'quota'> | undefined;
	// The job as it will be written: built after the deferral in one process; on Redis before it,
	// kept with the admission, so a gateway that dies right after deferring still has its job run.
	const describe = () => (described ??= describeJob(interaction, context, request, jobId, estimate));
	// The admission and the deferral count as one first response in flight: job starts (record
	// writes, queue adds) wait for both, so they do not queue on Redis ahead of the next admission.
	const { reservation, release } = await firstResponses.send(async () => {
		// The only wait before the deferral: in one process none (one synchronous step), on Redis one script.
		const admitting = context.admission.admit({ userId: interaction.user.id, jobId, kind: request.kind, claims, amount, admitted: () => ({ job: describe(), subjects: claims.map((claim) => claim.subject), amount }) });
		const admitted = admitting instanceof Promise ? await admitting : admitting;
		try {
			await deferReply(interaction);
		} catch (error) {
			admitted.release();
			await context.quotas[request.kind].refund(admitted.reservation);
			throw error;
		}
		return admitted;
	});
	const job = { ...describe(), quota: reservation } as Job;
	await context.dispatch.launch(job, release);
}

/** A new job's record, its reservation aside: queued, from the interaction that asked for it. */
function describeJob(interaction: StartingInteraction, context: BotContext, request: Request, jobId: string, estimate: number | undefined): Omit<Job, 'quota'> {
	const now = Date.now();
	const reviewChannelId = reviewChannelOf(interaction, context);
	const common = {
		id: jobId,
		state: 'queued' as const,
		createdAt: now,
		updatedAt: now,
		requester: { userId: interaction.user.id, guildId: botServerId(interaction) },
		reply: replyAddressOf(interaction),
		...(estimate !== undefined && { estimate }),
		...(reviewChannelId && { review: { channelId: reviewChannelId } }),
	};
	return request.kind === 'image' ? { ...common, kind: 'image', settings: request.plan } : { ...common, kind: 'video', settings: request.plan };
}

/**
 * The budgets a request must fit, all taken in one step: the member's own (a grant, else the best
 * of their roles, else the server's default, else the bot's), the server's, and the bot's across
 * every server.
 */
export function claimsFor(interaction: StartingInteraction, context: BotContext, kind: Request['kind']): Claim[] {
	const { config } = context;
	const unit = kind === 'image' ? 'images' : 'videoSeconds';
	const guildId = botServerId(interaction);
	const settings = guildId ? context.guilds.get(guildId) : undefined;
	const envDefault = kind === 'image' ? config.QUOTA_IMAGES : config.QUOTA_VIDEO_SECONDS;
	// A member's roles are read only where the server sets limits by role: discord.js builds them per read.
	const roleIds = settings && Object.keys(settings.roles).length > 0 ? roleIdsOf(interaction) : [];
	const { limit } = memberLimit(settings, { userId: interaction.user.id, roleIds }, unit, envDefault);
	const claims: Claim[] = [{ subject: memberSubject(interaction.user.id, guildId), limit, scope: 'member' }];
	// The owner's cap per server (environment) bounds what the server's admins set.
	const ownerCap = kind === 'image' ? config.QUOTA_SERVER_IMAGES : config.QUOTA_SERVER_VIDEO_SECONDS;
	const adminBudget = settings?.budget[unit];
	const serverBudget = adminBudget === undefined ? ownerCap : ownerCap === undefined ? adminBudget : Math.min(adminBudget, ownerCap);
	if (guildId && serverBudget !== undefined) claims.push({ subject: `${SERVER_SUBJECT_PREFIX}${guildId}`, limit: serverBudget, scope: 'server' });
	const botBudget = kind === 'image' ? config.QUOTA_GLOBAL_IMAGES : config.QUOTA_GLOBAL_VIDEO_SECONDS;
	if (botBudget !== undefined) claims.push({ subject: BOT_SUBJECT, limit: botBudget, scope: 'bot' });
	return claims;
}

/** The server's blocklist: a prompt that breaks it is refused with a neutral message, and the audit channel told. */
function assertPromptAllowed(interaction: StartingInteraction, context: BotContext, prompt: string): void {
	const guildId = botServerId(interaction);
	const rules = (guildId && context.guilds.get(guildId)?.blocklist) || [];
	const broken = brokenRule(prompt, rules);
	if (broken === -1) return;
	context.audit.promptRefused(guildId!, interaction.user.id, prompt, rules[broken]!);
	throw new UserError('PromptRefused', 'refusal.promptRefused');
}

/**
 * Where the bot is not (a user install, a DM between users), a result can come back only in the
 * reply, while the interaction's token lives. A job expected to take longer, the line ahead
 * included, is refused before anything is spent rather than made and lost.
 */
async function assertDeliverableInTime(context: BotContext, request: Request): Promise<void> {
	const typical = context.timings.typicalMs(request.kind, request.plan.model);
	const expected = expectedMs(typical, await context.lineAhead(), context.config.MAX_CONCURRENT_TASKS);
	if (expected <= TOKEN_LIFETIME_MS) return;
	throw new UserError('TooSlowHere', 'refusal.tooSlowHere', { time: { duration: Math.ceil(expected / 60_000) * 60_000 } });
}
