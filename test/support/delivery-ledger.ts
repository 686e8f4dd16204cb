import type { Redis } from 'ioredis';
import { IMAGES, memberSubject, VIDEO_SECONDS } from '../../src/services/quota/quota.js';
import { quotaHashPrefix } from '../../src/services/quota/redis-quota.js';
import type { Job } from '../../src/services/jobs/job.js';
import type { DiscordStandIn, InteractionHandle, SentMessage } from '../../stand-ins/discord/stand-in.js';
import { textOf } from '../../stand-ins/discord/stand-in.js';
import type { RelayDanceSimulator } from '../../stand-ins/relaydance/simulator.js';

/** Where Keyv keeps a job's record in Redis: `{"value":{…job…},"expires":null}` under this prefix and the job id. */
export const JOB_RECORD_PREFIX = 'relaydance-bot::relaydance-bot:job:';

/** One request a test made and tracks: its interaction, the marker in its prompt, and what it should cost. */
export interface TrackedRequest {
	handle: InteractionHandle;
	/** Unique to this request, in its prompt: finds its record, its task and its messages. */
	tag: string;
	kind: 'video' | 'image';
	/** Seconds of video, or images asked for: the charge a delivered job keeps. */
	units: number;
	guildId: string;
}

/** What happened to one tracked request, counted at the boundaries: Discord, RelayDance, Redis. */
export interface LedgerLine {
	tag: string;
	userId: string;
	jobId?: string;
	/** The record's state in Redis (undefined: no record). */
	state?: string;
	/** Messages (the reply, each follow-up, channel posts) that carried files for it, answered 2xx; the reply counts once however often its files were sent again. */
	fileDeliveries: number;
	/** Times its files were sent into the reply again after the first (one message still: each replaced what it showed). */
	replyResent: number;
	/** Times the reply turned to "ready" from something else (a link delivery shows here too). */
	readyShown: number;
	/** Tasks RelayDance created (and bills) for it: video tasks, or image generations that passed their checks. */
	tasks: number;
	/** What the member's quota hash holds for the job now. */
	charged: number;
	/** What it should hold: `units` when delivered, 0 otherwise. */
	expectedCharge: number;
	lost: boolean;
	deliveredTwice: boolean;
	chargedWrong: boolean;
	taskTwice: boolean;
}

export interface LedgerTally {
	lines: LedgerLine[];
	lost: number;
	deliveredTwice: number;
	chargedWrong: number;
	taskTwice: number;
	/** One line for the test's output: the counts the issue asks to print. */
	summary: string;
}

/**
 * Counts, per job, what the member saw, what RelayDance made and what the quota charged, read
 * from the stand-ins and from Redis itself (never from the bot's logs): lost, delivered twice and
 * charged wrong must each be 0 after any fault.
 */
export class DeliveryLedger {
	readonly tracked: TrackedRequest[] = [];

	constructor(
		private readonly discord: DiscordStandIn,
		private readonly relaydance: RelayDanceSimulator,
		/** A client of the bot's Redis (its STORE_URL database); re-read on each `tally`. */
		private readonly redis: () => Redis,
	) {}

	track(request: TrackedRequest): InteractionHandle {
		this.tracked.push(request);
		return request.handle;
	}

	/** Every job record in the store, by job id. */
	async records(): Promise<Map<string, Job>> {
		const redis = this.redis();
		const keys: string[] = [];
		let cursor = '0';
		do {
			const [next, batch] = await redis.scan(cursor, 'MATCH', `${JOB_RECORD_PREFIX}*`, 'COUNT', 1000);
			cursor = next;
			keys.push(...batch);
		} while (cursor !== '0');
		const found = new Map<string, Job>();
		for (let start = 0; start < keys.length; start += 500) {
			const slice = keys.slice(start, start + 500);
			const values = await redis.mget(...slice);
			values.forEach((raw, index) => {
				if (!raw) return;
				const parsed = JSON.parse(raw) as { value: Job | string };
				const job = typeof parsed.value === 'string' ? (JSON.parse(parsed.value) as Job) : parsed.value;
				found.set(slice[index]!.slice(JOB_RECORD_PREFIX.length), job);
			});
		}
		return found;
	}

	/** The record of the tracked request whose prompt holds `tag`. */
	async recordOf(tag: string): Promise<Job | undefined> {
		const request = this.tracked.find((entry) => entry.tag === tag);
		for (const job of (await this.records()).values()) {
			if (job.settings.prompt.includes(tag) && (!request || job.requester.userId === request.handle.userId)) return job;
		}
		return undefined;
	}

	/**
	 * Resolves once every request's record is final (`delivered`, `failed`), or after `timeoutMs`
	 * whatever they are: the record's last write may come a moment after the message the member sees.
	 */
	async settled(requests: TrackedRequest[] = this.tracked, timeoutMs = 5_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			const records = [...(await this.records()).values()];
			const final = requests.every((request) => {
				const job = records.find((record) => record.requester.userId === request.handle.userId && record.settings.prompt.includes(request.tag));
				return job !== undefined && (job.state === 'delivered' || job.state === 'failed');
			});
			if (final) return;
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	}

	async tally(requests: TrackedRequest[] = this.tracked): Promise<LedgerTally> {
		const records = [...(await this.records()).values()];
		const redis = this.redis();
		const lines: LedgerLine[] = [];
		for (const request of requests) {
			const { handle, tag } = request;
			const job = records.find((record) => record.requester.userId === handle.userId && record.settings.prompt.includes(tag));
			const unit = request.kind === 'video' ? VIDEO_SECONDS : IMAGES;
			const charge = job ? await redis.hget(quotaHashPrefix(unit) + memberSubject(handle.userId, request.guildId), job.id) : null;
			const fileDeliveries = this.fileDeliveries(request);
			const replyResent = Math.max(0, handle.requests.filter((entry) => entry.target !== 'followup' && entry.files > 0 && entry.status >= 200 && entry.status < 300).length - 1);
			const readyShown = readyTransitions(handle);
			const tasks = this.relaydance
				.requestsFor(tag)
				.filter((entry) => (request.kind === 'video' ? entry.path === '/v1/video/generations' && entry.taskId : entry.path === '/v1/images/generations' && entry.imageIds)).length;
			const delivered = job?.state === 'delivered';
			const expectedCharge = delivered ? (request.kind === 'image' ? imagesShown(handle) : request.units) : 0;
			const charged = Number(charge ?? 0);
			lines.push({
				tag,
				userId: handle.userId,
				jobId: job?.id,
				state: job?.state,
				fileDeliveries,
				replyResent,
				readyShown,
				tasks,
				charged,
				expectedCharge,
				lost: !delivered || fileDeliveries + readyShown === 0,
				deliveredTwice: fileDeliveries > 1 || readyShown > 1,
				chargedWrong: charged !== expectedCharge,
				taskTwice: tasks > 1,
			});
		}
		const count = (key: 'lost' | 'deliveredTwice' | 'chargedWrong' | 'taskTwice') => lines.filter((line) => line[key]).length;
		const tally = { lines, lost: count('lost'), deliveredTwice: count('deliveredTwice'), chargedWrong: count('chargedWrong'), taskTwice: count('taskTwice') };
		const bad = lines.filter((line) => line.lost || line.deliveredTwice || line.chargedWrong || line.taskTwice);
		const summary =
			`fault ledger: ${lines.length} jobs · lost ${tally.lost} · delivered twice ${tally.deliveredTwice} · charged wrong ${tally.chargedWrong} · task twice ${tally.taskTwice}` +
			bad
				.slice(0, 10)
				.map((line) => `\n  ${line.tag} job ${line.jobId ?? '(no record)'} state ${line.state ?? '-'}: files ${line.fileDeliveries}, ready ${line.readyShown}, tasks ${line.tasks}, charged ${line.charged}/${line.expectedCharge}`)
				.join('');
		return { ...tally, summary };
	}

	/** Successful webhook requests carrying files for this interaction, and bot posts with files that name its member or its prompt. */
	private fileDeliveries(request: TrackedRequest): number {
		const { handle, tag } = request;
		// Messages, not requests: files sent into the same message again (the reply's `@original`, a
		// worker frozen inside its upload sending it when it wakes) replace what it showed, one message still.
		const withFiles = handle.requests.filter((entry) => entry.files > 0 && entry.status >= 200 && entry.status < 300);
		const viaWebhook = new Set(withFiles.map((entry, index) => (entry.target === 'followup' ? `followup ${index}` : entry.target))).size;
		const channelId = handle.channelId;
		let posts: SentMessage[] = [];
		try {
			posts = channelId ? this.discord.messagesIn(channelId) : [];
		} catch {
			posts = [];
		}
		const dms = this.discord.dms.get(handle.userId) ?? [];
		const viaPosts = [...posts, ...dms].filter((message) => message.files.length > 0 && (textOf(message).includes(tag) || textOf(message).includes(`<@${handle.userId}>`))).length;
		return viaWebhook + viaPosts;
	}
}

const READY = /Video ready|Images ready|images ready/;

function readyTransitions(handle: InteractionHandle): number {
	let count = 0;
	let before = false;
	for (const state of handle.history) {
		const ready = READY.test(textOf(state));
		if (ready && !before) count++;
		before = ready;
	}
	return count;
}

/** Images the member was shown in the final reply: attached files, or links when none. */
function imagesShown(handle: InteractionHandle): number {
	return handle.original?.files.length ?? 0;
}
