import { createHash } from 'node:crypto';
import { DiscordAPIError, HTTPError, Routes, type REST } from 'discord.js';
import type { Logger } from '../logger.js';
import { FINAL_STATES, type ImageJob, type Job, type VideoJob } from '../services/jobs/job.js';
import type { FinishedVideo } from '../services/media/finished-video.js';
import type { GeneratedImage, ImageSource } from '../services/media/generated-images.js';
import type { Delivered, JobView } from '../services/jobs/job-view.js';
import { isRateLimited, isRetryableUpload, uploadMessage, UploadRejectedError, withUploadRetries, type PostedMessage } from './multipart-upload.js';
import { DEFAULT_UPLOAD_LIMIT, jobLocale, messageLink, TOKEN_LIFETIME_MS, tokenAlive, type InteractionAddress } from './reply-address.js';
import { renderDelivered, renderElsewhere, renderFailed, renderImages, renderProgress, type LinkReason, type Rendered } from './render.js';
import { renderForReview } from './render-review.js';
import { NO_MENTIONS } from './respond.js';
import { toCardBody } from './job-card.js';
import { ThrottledEditor } from './throttled-editor.js';
import { guardedJson, WriteRefusedError } from './guarded-body.js';
import { JobMovedError } from '../services/jobs/run/run-errors.js';

/** Discord's answers that mean the reply can no longer be edited: token expired, webhook or message gone. */
const REPLY_GONE_CODES = new Set([50027, 10015, 10008]);
const REQUEST_ENTITY_TOO_LARGE = 40005;
/** Longest a place-in-line edit may take: a later one shows the place anyway. */
const WAITING_EDIT_MS = 5_000;

/** The REST clients a view talks through: the interaction webhook (no auth) and the bot's own. */
export interface DiscordRest {
	interactions: REST;
	bot: REST;
	api: string;
	botToken: string;
	/** Each answer of Discord's to an upload (sent outside discord.js), counted with the rest. */
	onAnswer?: (status: number, scope?: string | null) => void;
	/** False while Discord's invalid-request count is high: progress edits wait, final messages still go. */
	progressAllowed?: () => boolean;
}

/** Where a final message can go, in the order tried; `review` is the moderators' channel a result under review goes to first. */
type Place = { kind: 'reply' } | { kind: 'channel'; channelId: string } | { kind: 'dm' } | { kind: 'review'; channelId: string };

/**
 * What a new message is for, which names its nonce: every try of one message sends the same nonce,
 * while a different message of the job (the link after the upload kept failing) has its own.
 */
type Purpose = 'final' | 'link' | 'failed' | 'review' | 'review-link' | 'notice';

export interface InteractionReplyViewOptions {
	/** Waits between upload tries (see `UPLOAD_RETRY.backoffMs`). */
	uploadBackoffMs?: readonly number[];
	/** How long one upload try may take before it counts as a broken connection (see `UPLOAD_RETRY.attemptTimeoutMs`). */
	uploadAttemptTimeoutMs?: number;
	/**
	 * On Redis: whether this process still holds the job, asked right before each progress edit goes
	 * out: a worker that stopped answering and lost the job sends no stale progress over what the
	 * new holder shows (a delivered video, say).
	 */
	holdsJob?: () => Promise<boolean>;
	/**
	 * On Redis: whether this process surely holds the job right now, asked without waiting (its
	 * lease on BullMQ's lock), at the moment a progress edit's bytes would go out (`guardedJson`).
	 * `holdsJob` answers for when it was asked; this one closes the gap after it, so a worker frozen
	 * between the two sends nothing over what the job's new holder shows.
	 */
	mayWrite?: () => boolean;
}

/**
 * Shows a job in the deferred reply of its interaction, through the interaction webhook (the token
 * is all it needs, so it works for a job resumed after a restart). When the reply can no longer be
 * edited (token past its life, or Discord answers 50027, 10015, 10008 or any 401), progress stops
 * for good and the final word goes to the channel with the bot token, as a reply to the original
 * message, pinging only the requester; if the channel refuses, to the requester's DMs. A made video
 * is never an error: when no message can carry it, `deliver` answers `none`.
 */
export class InteractionReplyView implements JobView {
	private readonly editor: ThrottledEditor<Rendered>;
	private replyGone = false;
	/** Set once the final word is shown (or could not be): the view does nothing more. */
	private settled: Delivered | undefined;
	private dmChannelId: string | undefined;
	/** What the member typed, named in a final message posted outside the reply. */
	private command = '/video';

	constructor(
		private readonly rest: DiscordRest,
		/** Part of the job record: `messageId` is written into it once Discord tells us. */
		private readonly origin: InteractionAddress,
		editIntervalMs: number,
		private readonly logger: Logger,
		private readonly now: () => number = () => Date.now(),
		private readonly options: InteractionReplyViewOptions = {},
	) {
		this.editor = new ThrottledEditor((rendered, signal) => this.editProgress(rendered, signal), editIntervalMs, (error) =>
			this.logger.warn({ err: error, interactionId: origin.interactionId }, 'progress edit failed'),
		);
	}

	/** Shows the job waiting (its place in line, with Cancel) now, not at the editor's pace; the caller paces these. */
	async showWaiting(job: Job, signal: AbortSignal = AbortSignal.timeout(WAITING_EDIT_MS)): Promise<void> {
		if (this.settled || job.state !== 'queued') return;
		await this.editProgress(renderProgress(job), signal);
	}

	update(job: Job): void {
		// 'delivering' lasts about as long as one edit would take: the final message follows at once,
		// and an earlier edit still waiting for its turn is dropped with it.
		if (job.state === 'delivering') this.editor.drop();
		if (this.settled || FINAL_STATES.has(job.state) || job.state === 'delivering' || !this.replyUsable()) return;
		this.editor.push(renderProgress(job));
	}

	async deliverImages(job: ImageJob, images: GeneratedImage[], linked: ImageSource[], signal?: AbortSignal): Promise<Delivered & { shown: number }> {
		if (this.settled) return { ...this.settled, shown: 0 };
		this.command = '/image';
		const delivered = await this.editor.final(() => this.showFinal((place) => this.sendImages(place, job, images, linked, signal), signal), signal);
		this.settled = delivered ?? { delivery: 'none' };
		if (!delivered) this.logger.error({ userId: this.origin.userId, images: images.length }, 'images made, but no message could carry them (reply, channel and DM all refused)');
		return delivered ?? { delivery: 'none', shown: 0 };
	}

	async deliver(job: VideoJob, video: FinishedVideo, signal?: AbortSignal): Promise<Delivered> {
		if (this.settled) return this.settled;
		const delivered = await this.editor.final(() => this.showFinal((place) => this.sendVideo(place, job, video, signal), signal), signal);
		this.settled = delivered ?? { delivery: 'none' };
		if (!delivered) this.logger.error({ userId: this.origin.userId, fileName: video.fileName }, 'video made, but no message could carry it (reply, channel and DM all refused)');
		return this.settled;
	}

	async fail(job: Job, signal?: AbortSignal): Promise<void> {
		if (this.settled) return;
		if (job.kind === 'image') this.command = '/image';
		const shown = await this.editor.final(() => this.showFinal((place) => this.post(place, renderFailed(job), nonceFor(job, 'failed'), signal), signal), signal);
		this.settled = { delivery: 'none' };
		if (!shown) this.logger.error({ userId: this.origin.userId }, 'could not tell the member their job failed (reply, channel and DM all refused)');
	}

	/**
	 * Posts the finished video to the moderators' review channel (`job.review`) instead of showing it
	 * to the member: as a file where it fits, else as a link, with Approve and Reject. Answers how it
	 * went there (`messageUrl` stays unset: nothing is shown to the member) and writes the review
	 * message's id into `job.review`, saved with the job. Rejects when the channel refuses the post.
	 */
	async postForReview(job: VideoJob, video: FinishedVideo, signal?: AbortSignal): Promise<Delivered> {
		const place = { kind: 'review', channelId: job.review!.channelId } as const;
		await this.assertHeld();
		const { delivery, messageUrl } = await this.sendVideo(place, job, video, signal);
		job.review!.messageId = messageUrl?.split('/').pop();
		return { delivery };
	}

	/** An `/image` job's images to the review channel, as `postForReview` does a video's; answers how many went there. */
	async postImagesForReview(job: ImageJob, images: GeneratedImage[], linked: ImageSource[], signal?: AbortSignal): Promise<Delivered & { shown: number }> {
		const place = { kind: 'review', channelId: job.review!.channelId } as const;
		await this.assertHeld();
		const { delivery, messageUrl, shown } = await this.sendImages(place, job, images, linked, signal);
		job.review!.messageId = messageUrl?.split('/').pop();
		return { delivery, shown };
	}

	/**
	 * Shows the member a final word that is no result (the result waits for a moderator, or was
	 * rejected): in the reply while it can be edited, else in the channel, else in DMs. Answers false
	 * when no place took it.
	 */
	async tell(job: Job, rendered: Rendered, signal?: AbortSignal): Promise<boolean> {
		if (this.settled) return false;
		if (job.kind === 'image') this.command = '/image';
		const shown = await this.editor.final(() => this.showFinal((place) => this.post(place, rendered, nonceFor(job, 'notice', rendered), signal), signal), signal);
		this.settled = { delivery: 'none' };
		if (!shown) this.logger.error({ userId: this.origin.userId }, 'could not tell the member about their result (reply, channel and DM all refused)');
		return shown !== undefined;
	}

	/** Throws `JobMovedError` once another worker holds the job (on Redis; always held in one process). */
	private async assertHeld(): Promise<void> {
		if (this.options.holdsJob && !(await this.options.holdsJob())) throw new JobMovedError();
	}

	private async showFinal<T>(send: (place: Place) => Promise<T>, signal?: AbortSignal): Promise<T | undefined> {
		const places: Place[] = [
			...(this.replyUsable() ? [{ kind: 'reply' } as const] : []),
			// Where the bot is not (a user install), its token would only earn a 50001: the reply, then DMs.
			...(this.origin.channelId && !this.origin.botAbsent ? [{ kind: 'channel', channelId: this.origin.channelId } as const] : []),
			{ kind: 'dm' },
		];
		for (const place of places) {
			try {
				await this.assertHeld();
				return await send(place);
			} catch (error) {
				signal?.throwIfAborted();
				if (error instanceof JobMovedError) throw error;
				// A 429 that came out of the upload was one the token would not outlive: the reply is out of reach all the same.
				if (place.kind === 'reply' && (isReplyGone(error) || isRateLimited(error))) this.abandonReply(error);
				else this.logger.warn({ err: error, place: place.kind }, 'could not post the result there; trying the next place');
			}
		}
		return undefined;
	}

	/** The video as a file where it fits; else, or when Discord keeps failing the upload, as a link. */
	private async sendVideo(place: Place, job: VideoJob, video: FinishedVideo, signal?: AbortSignal): Promise<Delivered> {
		// A member's Nitro can raise the interaction's limit, but not what the bot may send them in a DM.
		const limit = place.kind === 'dm' ? Math.min(DEFAULT_UPLOAD_LIMIT, this.origin.attachmentSizeLimit) : this.origin.attachmentSizeLimit;
		let reason: LinkReason = video.fetched ? 'too-large' : 'not-downloaded';
		if (video.fetched && video.bytes <= limit) {
			try {
				const rendered = place.kind === 'review' ? renderForReview(job) : renderDelivered(job, video, 'attachment', limit);
				const posted = await this.upload(place, rendered, nonceFor(job, place.kind === 'review' ? 'review' : 'final'), video, signal);
				return { delivery: 'attachment', messageUrl: this.linkTo(place, posted) };
			} catch (error) {
				signal?.throwIfAborted();
				if (error instanceof JobMovedError) throw error;
				if (isTooLarge(error)) {
					this.logger.warn({ bytes: video.bytes, limit, place: place.kind }, 'upload refused as too large; sending a link');
				} else if (isRateLimited(error)) {
					throw error; // no time left here to wait it out: the file goes to the next place
				} else if (isRetryableUpload(error) || !isDiscordAnswer(error)) {
					reason = 'upload-failed';
					this.logger.warn({ err: error, bytes: video.bytes, place: place.kind }, 'upload kept failing; sending a link');
				} else throw error;
			}
		}
		const rendered = place.kind === 'review' ? renderForReview(job, [{ fileName: video.fileName, url: video.url }]) : renderDelivered(job, video, 'link', limit, reason);
		const posted = await this.post(place, rendered, nonceFor(job, place.kind === 'review' ? 'review-link' : 'link'), signal);
		return { delivery: 'link', messageUrl: this.linkTo(place, posted) };
	}

	/**
	 * Every image that fits the place's upload limit as a file of one message (Discord's REST client
	 * sends them as one multipart body and retries 429s and 5xx), the rest as links; when Discord
	 * will not take the files (too large, failing), every image that has a link goes as a link.
	 * Answers how many images the member was shown.
	 */
	private async sendImages(place: Place, job: ImageJob, images: GeneratedImage[], linked: ImageSource[], signal?: AbortSignal): Promise<Delivered & { shown: number }> {
		const limit = place.kind === 'dm' ? Math.min(DEFAULT_UPLOAD_LIMIT, this.origin.attachmentSizeLimit) : this.origin.attachmentSizeLimit;
		const fit = images.filter((image) => image.data.length <= limit);
		let links: ImageSource[] = [...linked, ...images.filter((image) => image.data.length > limit && image.url).map(({ fileName, url }) => ({ fileName, url }))];
		if (fit.length > 0) {
			try {
				const rendered = place.kind === 'review' ? renderForReview(job, links.filter((link) => link.url).map((link) => ({ fileName: link.fileName, url: link.url! }))) : renderImages(job, fit, links);
				const posted = await this.postImages(place, rendered, fit, nonceFor(job, place.kind === 'review' ? 'review' : 'final'), signal);
				return { delivery: 'attachment', messageUrl: this.linkTo(place, posted), shown: fit.length + links.length };
			} catch (error) {
				signal?.throwIfAborted();
				if (!isUploadRefused(error)) throw error;
				this.logger.warn({ err: error, images: fit.length, place: place.kind }, 'Discord would not take the images; sending their links');
				links = [...links, ...fit.filter((image) => image.url).map(({ fileName, url }) => ({ fileName, url }))];
			}
		}
		if (links.length === 0) throw new Error('none of the images could be attached or linked here');
		const rendered = place.kind === 'review' ? renderForReview(job, links.filter((link) => link.url).map((link) => ({ fileName: link.fileName, url: link.url! }))) : renderImages(job, [], links);
		const posted = await this.post(place, rendered, nonceFor(job, place.kind === 'review' ? 'review-link' : 'link'), signal);
		return { delivery: 'link', messageUrl: this.linkTo(place, posted), shown: links.length };
	}

	private async postImages(place: Place, rendered: Rendered, images: GeneratedImage[], nonce: string, signal?: AbortSignal): Promise<PostedMessage> {
		const body = { ...this.bodyFor(place, rendered, nonce), attachments: images.map((image, index) => ({ id: String(index), filename: image.fileName })) };
		const files = images.map((image) => ({ name: image.fileName, data: image.data, contentType: image.contentType }));
		if (place.kind !== 'reply') return (await this.rest.bot.post(Routes.channelMessages(await this.channelOf(place, signal)), { body, files, signal })) as PostedMessage;
		const posted = (await this.rest.interactions.patch(this.replyRoute(), { body, files, auth: false, signal })) as PostedMessage;
		this.remember(posted);
		return posted;
	}

	/**
	 * Streams the video into a message at `place`, retrying 5xx and broken or stalled connections,
	 * and waiting out 429s (in the reply, while its token lives).
	 */
	private async upload(place: Place, rendered: Rendered, nonce: string, video: FinishedVideo, signal?: AbortSignal): Promise<PostedMessage> {
		const payload = { ...this.bodyFor(place, rendered, nonce), attachments: [{ id: '0', filename: video.fileName }] };
		const target =
			place.kind === 'reply'
				? { route: this.replyRoute(), method: 'PATCH' as const, authorization: undefined }
				: { route: Routes.channelMessages(await this.channelOf(place, signal)), method: 'POST' as const, authorization: `Bot ${this.rest.botToken}` };
		const posted = await withUploadRetries(
			async () => {
				// Each try, the first and every retry, goes out only while this process holds the job:
				// a worker frozen mid-upload that lost it sends nothing more once it wakes.
				await this.assertHeld();
				const stream = await video.open();
				try {
					return await uploadMessage({
						url: `${this.rest.api}/v10${target.route}`,
						method: target.method,
						authorization: target.authorization,
						payload,
						signal,
						timeoutMs: this.options.uploadAttemptTimeoutMs,
						onAnswer: this.rest.onAnswer,
						file: { name: video.fileName, contentType: 'video/mp4', bytes: video.bytes, stream },
					});
				} catch (error) {
					stream.on('error', () => {});
					stream.destroy();
					throw error;
				}
			},
			{
				signal,
				backoffMs: this.options.uploadBackoffMs,
				deadline: place.kind === 'reply' ? this.origin.interactionCreatedAt + TOKEN_LIFETIME_MS : undefined,
				now: this.now,
				onRetry: (error, attempt, waitMs) => {
					if (isRateLimited(error)) this.logger.info({ waitMs, place: place.kind }, 'upload rate-limited; waiting as Discord asked');
					else this.logger.warn({ err: error, attempt, waitMs, place: place.kind }, 'upload failed; trying again');
				},
			},
		);
		if (place.kind === 'reply') this.remember(posted);
		return posted;
	}

	/** A JSON message at `place`: an edit of the reply, or a new message with the bot token. */
	private async post(place: Place, rendered: Rendered, nonce: string, signal?: AbortSignal): Promise<PostedMessage> {
		const body = this.bodyFor(place, rendered, nonce);
		if (place.kind === 'reply') return this.patchReply(body, signal);
		return (await this.rest.bot.post(Routes.channelMessages(await this.channelOf(place, signal)), { body, signal })) as PostedMessage;
	}

	/**
	 * The body for `place`. Nothing pings in the reply or a DM; a channel post mentions the requester,
	 * lets only that mention through, and answers the original reply when its id is known. A new
	 * message (channel or DM) carries an enforced `nonce`: a post retried after a reset or a 5xx that
	 * Discord had in fact stored answers the first message instead of creating a second one.
	 */
	private bodyFor(place: Place, rendered: Rendered, nonce: string): object {
		const to = { userId: this.origin.userId, channelId: this.origin.channelId, command: this.command };
		if (place.kind === 'reply') return toCardBody(rendered);
		const once = { nonce, enforce_nonce: true };
		// The moderators' post: plain text, its files shown as Discord shows attachments, and the review buttons.
		if (place.kind === 'review') return { content: rendered.content, components: rendered.components ?? [], allowed_mentions: NO_MENTIONS, ...once };
		if (place.kind === 'dm') return { ...toCardBody(renderElsewhere(rendered, 'dm', to, jobLocale(this.origin))), ...once };
		const { messageId } = this.origin;
		return {
			...toCardBody(renderElsewhere(rendered, 'channel', to, jobLocale(this.origin))),
			...once,
			allowed_mentions: { parse: [], users: [this.origin.userId] },
			...(messageId && { message_reference: { message_id: messageId, fail_if_not_exists: false } }),
		};
	}

	private async editProgress(rendered: Rendered, signal: AbortSignal): Promise<boolean | void> {
		// Near Discord's invalid-request limit, progress is what waits: the final message still goes.
		if (!this.replyUsable() || this.rest.progressAllowed?.() === false) return;
		if (this.options.holdsJob && !(await this.options.holdsJob())) {
			this.editor.stop();
			return;
		}
		const { mayWrite } = this.options;
		try {
			if (!mayWrite) {
				this.remember((await this.rest.interactions.patch(this.replyRoute(), { body: toCardBody(rendered), auth: false, signal })) as PostedMessage);
				return;
			}
			const { body, headers } = guardedJson(toCardBody(rendered), mayWrite);
			this.remember((await this.rest.interactions.patch(this.replyRoute(), { body, headers, passThroughBody: true, auth: false, signal })) as PostedMessage);
		} catch (error) {
			// Not sent: the lease lapsed (a late renewal, or the job moved). The editor tries again at its next turn, after `holdsJob` asks Redis anew.
			if (error instanceof WriteRefusedError) return false;
			if (!isReplyGone(error)) throw error;
			this.abandonReply(error);
		}
	}

	/**
	 * Replaces the reply with a final message that carries no files: `attachments: []` removes any
	 * the reply holds (a video Discord stored from an upload it then failed to answer, followed by its
	 * link). Progress edits leave `attachments` out: one that arrives late keeps the result's files.
	 */
	private async patchReply(body: object, signal?: AbortSignal): Promise<PostedMessage> {
		const posted = (await this.rest.interactions.patch(this.replyRoute(), { body: { ...body, attachments: [] }, auth: false, signal })) as PostedMessage;
		this.remember(posted);
		return posted;
	}

	private replyRoute(): `/${string}` {
		return Routes.webhookMessage(this.origin.applicationId, this.origin.credential!, '@original');
	}

	/** The first edit's answer tells the reply's message id: kept in the address, so it is saved with the job. */
	private remember(posted: PostedMessage | undefined): void {
		if (!this.origin.messageId && posted?.id) this.origin.messageId = posted.id;
	}

	private replyUsable(): boolean {
		if (this.replyGone) return false;
		if (tokenAlive(this.origin, this.now())) return true;
		this.abandonReply('interaction token expired');
		return false;
	}

	/** Stops progress edits for good: the final word goes elsewhere. */
	private abandonReply(why: unknown): void {
		if (this.replyGone) return;
		this.replyGone = true;
		this.editor.stop();
		const answer = discordAnswerOf(why);
		this.logger.info({ interactionId: this.origin.interactionId, ...(answer ?? { reason: String(why) }) }, 'reply can no longer be edited; the final message goes to the channel');
	}

	private async channelOf(place: Exclude<Place, { kind: 'reply' }>, signal?: AbortSignal): Promise<string> {
		if (place.kind === 'channel' || place.kind === 'review') return place.channelId;
		if (!this.dmChannelId) {
			const channel = (await this.rest.bot.post(Routes.userChannels(), { body: { recipient_id: this.origin.userId }, signal })) as { id: string };
			this.dmChannelId = channel.id;
		}
		return this.dmChannelId;
	}

	private linkTo(place: Place, posted: PostedMessage): string | undefined {
		const channelId = posted.channel_id ?? (place.kind === 'dm' ? this.dmChannelId : place.kind === 'review' ? place.channelId : this.origin.channelId);
		const messageId = posted.id ?? (place.kind === 'reply' ? this.origin.messageId : undefined);
		if (!channelId || !messageId) return undefined;
		return messageLink(place.kind === 'dm' ? null : this.origin.guildId, channelId, messageId);
	}
}

/** At most 25 characters, as Discord takes them; the same for a job's message after a restart, too. A notice is told apart by its title. */
function nonceFor(job: Pick<Job, 'id'>, purpose: Purpose, rendered?: Rendered): string {
	const which = purpose === 'notice' ? `:${rendered?.embeds?.[0]?.title ?? ''}` : '';
	return createHash('sha256').update(`${job.id}:${purpose}${which}`).digest('hex').slice(0, 25);
}

/** Status and JSON code of an answer from Discord, from @discordjs/rest or the streamed upload. */
function discordAnswerOf(error: unknown): { status: number; code?: number } | undefined {
	if (error instanceof DiscordAPIError) return { status: error.status, code: typeof error.code === 'number' ? error.code : undefined };
	if (error instanceof UploadRejectedError) return { status: error.status, code: error.code };
	if (error instanceof HTTPError) return { status: error.status };
	return undefined;
}

function isDiscordAnswer(error: unknown): boolean {
	return discordAnswerOf(error) !== undefined;
}

/** 401 (any), or 50027 / 10015 / 10008: the reply is out of reach for good. */
function isReplyGone(error: unknown): boolean {
	const answer = discordAnswerOf(error);
	return answer !== undefined && (answer.status === 401 || REPLY_GONE_CODES.has(answer.code ?? 0));
}

/** Discord would not take the files: too large (413, 40005), or failing (5xx or a broken connection after the REST client's own retries). */
function isUploadRefused(error: unknown): boolean {
	const answer = discordAnswerOf(error);
	if (!answer) return !(error instanceof Error && error.name === 'AbortError');
	return answer.status === 413 || answer.code === REQUEST_ENTITY_TOO_LARGE || answer.status >= 500;
}

/** Only the streamed upload carries a file, so only it can be refused as too large. */
function isTooLarge(error: unknown): boolean {
	return error instanceof UploadRejectedError && (error.status === 413 || error.code === REQUEST_ENTITY_TOO_LARGE);
}
