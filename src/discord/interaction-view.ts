import { DiscordAPIError, HTTPError, Routes, type REST } from 'discord.js';
import type { Logger } from '../logger.js';
import { FINAL_STATES, type Job } from '../services/jobs/job.js';
import type { FinishedVideo } from '../services/media/finished-video.js';
import type { Delivered, JobView } from '../services/jobs/job-view.js';
import { isRetryableUpload, uploadMessage, UploadRejectedError, withUploadRetries, type PostedMessage } from './multipart-upload.js';
import { DEFAULT_UPLOAD_LIMIT, messageLink, tokenAlive, type InteractionAddress } from './reply-address.js';
import { renderDelivered, renderElsewhere, renderFailed, renderProgress, type LinkReason, type Rendered } from './render.js';
import { toMessageBody } from './respond.js';
import { ThrottledEditor } from './throttled-editor.js';

export { TOKEN_LIFETIME_MS } from './reply-address.js';

/** Discord's answers that mean the reply can no longer be edited: token expired, webhook or message gone. */
const REPLY_GONE_CODES = new Set([50027, 10015, 10008]);
const REQUEST_ENTITY_TOO_LARGE = 40005;

/** The REST clients a view talks through: the interaction webhook (no auth) and the bot's own. */
export interface DiscordRest {
	interactions: REST;
	bot: REST;
	api: string;
	botToken: string;
}

/** Where a final message can go, in the order tried. */
type Place = { kind: 'reply' } | { kind: 'channel'; channelId: string } | { kind: 'dm' };

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

	constructor(
		private readonly rest: DiscordRest,
		/** Part of the job record: `messageId` is written into it once Discord tells us. */
		private readonly origin: InteractionAddress,
		editIntervalMs: number,
		private readonly logger: Logger,
		private readonly now: () => number = () => Date.now(),
		private readonly options: { uploadBackoffMs?: readonly number[] } = {},
	) {
		this.editor = new ThrottledEditor((rendered) => this.editProgress(rendered), editIntervalMs, (error) =>
			this.logger.warn({ err: error, interactionId: origin.interactionId }, 'progress edit failed'),
		);
	}

	update(job: Job): void {
		// 'delivering' lasts about as long as one edit would take: the final message follows at once.
		if (this.settled || FINAL_STATES.has(job.state) || job.state === 'delivering' || !this.replyUsable()) return;
		this.editor.push(renderProgress(job));
	}

	async deliver(job: Job, video: FinishedVideo, signal?: AbortSignal): Promise<Delivered> {
		if (this.settled) return this.settled;
		const delivered = await this.editor.final(() => this.showFinal((place) => this.sendVideo(place, job, video, signal), signal));
		this.settled = delivered ?? { delivery: 'none' };
		if (!delivered) this.logger.error({ userId: this.origin.userId, fileName: video.fileName }, 'video made, but no message could carry it (reply, channel and DM all refused)');
		return this.settled;
	}

	async fail(job: Job): Promise<void> {
		if (this.settled) return;
		const shown = await this.editor.final(() => this.showFinal((place) => this.post(place, renderFailed(job))));
		this.settled = { delivery: 'none' };
		if (!shown) this.logger.error({ userId: this.origin.userId }, 'could not tell the member their job failed (reply, channel and DM all refused)');
	}

	/** Tries each place in turn; answers what the first that took it gave, or undefined when none did. */
	private async showFinal<T>(send: (place: Place) => Promise<T>, signal?: AbortSignal): Promise<T | undefined> {
		const places: Place[] = [
			...(this.replyUsable() ? [{ kind: 'reply' } as const] : []),
			...(this.origin.channelId ? [{ kind: 'channel', channelId: this.origin.channelId } as const] : []),
			{ kind: 'dm' },
		];
		for (const place of places) {
			try {
				return await send(place);
			} catch (error) {
				signal?.throwIfAborted();
				if (place.kind === 'reply' && isReplyGone(error)) this.abandonReply(error);
				else this.logger.warn({ err: error, place: place.kind }, 'could not post the result there; trying the next place');
			}
		}
		return undefined;
	}

	/** The video as a file where it fits; else, or when Discord keeps failing the upload, as a link. */
	private async sendVideo(place: Place, job: Job, video: FinishedVideo, signal?: AbortSignal): Promise<Delivered> {
		// A member's Nitro can raise the interaction's limit, but not what the bot may send them in a DM.
		const limit = place.kind === 'dm' ? Math.min(DEFAULT_UPLOAD_LIMIT, this.origin.attachmentSizeLimit) : this.origin.attachmentSizeLimit;
		let reason: LinkReason = 'too-large';
		if (video.bytes <= limit) {
			try {
				const posted = await this.upload(place, renderDelivered(job, video, 'attachment', limit), video, signal);
				return { delivery: 'attachment', messageUrl: this.linkTo(place, posted) };
			} catch (error) {
				signal?.throwIfAborted();
				if (isTooLarge(error)) {
					this.logger.warn({ bytes: video.bytes, limit, place: place.kind }, 'upload refused as too large; sending a link');
				} else if (isRetryableUpload(error) || !isDiscordAnswer(error)) {
					reason = 'upload-failed';
					this.logger.warn({ err: error, bytes: video.bytes, place: place.kind }, 'upload kept failing; sending a link');
				} else throw error;
			}
		}
		const posted = await this.post(place, renderDelivered(job, video, 'link', limit, reason), signal);
		return { delivery: 'link', messageUrl: this.linkTo(place, posted) };
	}

	/** Streams the video into a message at `place`, retrying 429s, 5xx and broken connections. */
	private async upload(place: Place, rendered: Rendered, video: FinishedVideo, signal?: AbortSignal): Promise<PostedMessage> {
		const payload = { ...this.bodyFor(place, rendered), attachments: [{ id: '0', filename: video.fileName }] };
		const target =
			place.kind === 'reply'
				? { route: this.replyRoute(), method: 'PATCH' as const, authorization: undefined }
				: { route: Routes.channelMessages(await this.channelOf(place, signal)), method: 'POST' as const, authorization: `Bot ${this.rest.botToken}` };
		const posted = await withUploadRetries(
			async () => {
				const stream = await video.open();
				try {
					return await uploadMessage({ url: `${this.rest.api}/v10${target.route}`, method: target.method, authorization: target.authorization, payload, signal, file: { name: video.fileName, contentType: 'video/mp4', bytes: video.bytes, stream } });
				} catch (error) {
					stream.on('error', () => {});
					stream.destroy();
					throw error;
				}
			},
			{
				signal,
				backoffMs: this.options.uploadBackoffMs,
				onRetry: (error, attempt, waitMs) => this.logger.warn({ err: error, attempt, waitMs, place: place.kind }, 'upload failed; trying again'),
			},
		);
		if (place.kind === 'reply') this.remember(posted);
		return posted;
	}

	/** A JSON message at `place`: an edit of the reply, or a new message with the bot token. */
	private async post(place: Place, rendered: Rendered, signal?: AbortSignal): Promise<PostedMessage> {
		const body = this.bodyFor(place, rendered);
		if (place.kind === 'reply') return this.patchReply(body, signal);
		return (await this.rest.bot.post(Routes.channelMessages(await this.channelOf(place, signal)), { body, signal })) as PostedMessage;
	}

	/**
	 * The body for `place`. Nothing pings in the reply or a DM; a channel post mentions the requester,
	 * lets only that mention through, and answers the original reply when its id is known.
	 */
	private bodyFor(place: Place, rendered: Rendered): object {
		const to = { userId: this.origin.userId, channelId: this.origin.channelId };
		if (place.kind === 'reply') return toMessageBody(rendered);
		if (place.kind === 'dm') return toMessageBody(renderElsewhere(rendered, 'dm', to));
		const { messageId } = this.origin;
		return {
			...toMessageBody(renderElsewhere(rendered, 'channel', to)),
			allowed_mentions: { parse: [], users: [this.origin.userId] },
			...(messageId && { message_reference: { message_id: messageId, fail_if_not_exists: false } }),
		};
	}

	private async editProgress(rendered: Rendered): Promise<void> {
		if (!this.replyUsable()) return;
		try {
			await this.patchReply(toMessageBody(rendered));
		} catch (error) {
			if (!isReplyGone(error)) throw error;
			this.abandonReply(error);
		}
	}

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
		if (place.kind === 'channel') return place.channelId;
		if (!this.dmChannelId) {
			const channel = (await this.rest.bot.post(Routes.userChannels(), { body: { recipient_id: this.origin.userId }, signal })) as { id: string };
			this.dmChannelId = channel.id;
		}
		return this.dmChannelId;
	}

	private linkTo(place: Place, posted: PostedMessage): string | undefined {
		const channelId = posted.channel_id ?? (place.kind === 'dm' ? this.dmChannelId : this.origin.channelId);
		const messageId = posted.id ?? (place.kind === 'reply' ? this.origin.messageId : undefined);
		if (!channelId || !messageId) return undefined;
		return messageLink(place.kind === 'dm' ? null : this.origin.guildId, channelId, messageId);
	}
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

/** Only the streamed upload carries a file, so only it can be refused as too large. */
function isTooLarge(error: unknown): boolean {
	return error instanceof UploadRejectedError && (error.status === 413 || error.code === REQUEST_ENTITY_TOO_LARGE);
}
