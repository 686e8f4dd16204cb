import { Routes, type REST } from 'discord.js';
import type { Logger } from '../logger.js';
import { FINAL_STATES, type Job } from '../services/jobs/job.js';
import type { FinishedVideo } from '../services/media/finished-video.js';
import type { Delivered, JobView } from '../services/jobs/job-view.js';
import { sleep } from '../services/sleep.js';
import { uploadMessage, UploadRejectedError } from './multipart-upload.js';
import type { InteractionAddress } from './reply-address.js';
import { renderDelivered, renderFailed, renderProgress, type Rendered } from './render.js';
import { toMessageBody } from './respond.js';
import { ThrottledEditor } from './throttled-editor.js';

/** An interaction token lives 15 minutes; stop trusting it a minute early. */
export const TOKEN_LIFETIME_MS = 14 * 60_000;
const REQUEST_ENTITY_TOO_LARGE = 40005;

/**
 * Shows a job in the deferred reply of its interaction, through the interaction webhook (the
 * token is all it needs, so it works for a job resumed after a restart). Past the token's life it
 * posts the final word in the channel with the bot token instead.
 */
export class InteractionReplyView implements JobView {
	private readonly editor: ThrottledEditor<Rendered>;

	constructor(
		private readonly rest: { interactions: REST; bot: REST; api: string; botToken: string },
		private readonly origin: InteractionAddress,
		editIntervalMs: number,
		private readonly logger: Logger,
		private readonly now: () => number = () => Date.now(),
	) {
		this.editor = new ThrottledEditor((rendered) => this.send(rendered), editIntervalMs, (error) =>
			this.logger.warn({ err: error, interactionId: origin.interactionId }, 'progress edit failed'),
		);
	}

	update(job: Job): void {
		// 'delivering' lasts about as long as one edit would take: the final message follows at once.
		if (FINAL_STATES.has(job.state) || job.state === 'delivering' || this.tokenExpired()) return;
		this.editor.push(renderProgress(job));
	}

	async deliver(job: Job, video: FinishedVideo): Promise<Delivered> {
		const limit = this.origin.attachmentSizeLimit;
		let delivery: 'attachment' | 'link' = video.bytes <= limit ? 'attachment' : 'link';
		await this.editor.final(async () => {
			if (delivery === 'attachment') {
				try {
					return await this.upload(renderDelivered(job, video, 'attachment', limit), video);
				} catch (error) {
					if (!isTooLarge(error)) throw error;
					this.logger.warn({ bytes: video.bytes, limit }, 'upload refused as too large; sending a link');
					delivery = 'link';
				}
			}
			await this.send(renderDelivered(job, video, 'link', limit));
		});
		return { delivery };
	}

	async fail(job: Job): Promise<void> {
		await this.editor.final(() => this.send(renderFailed(job)));
	}

	private tokenExpired(): boolean {
		return this.now() - this.origin.interactionCreatedAt > TOKEN_LIFETIME_MS;
	}

	/** The reply itself while the token lives; a new channel message (bot token) after. */
	private target() {
		const expired = this.tokenExpired();
		if (expired && !this.origin.channelId) throw new Error('interaction token expired and no channel to post in');
		return expired
			? { expired, route: Routes.channelMessages(this.origin.channelId!) }
			: { expired, route: Routes.webhookMessage(this.origin.applicationId, this.origin.credential!, '@original') };
	}

	private async send(rendered: Rendered): Promise<void> {
		const body = toMessageBody(rendered);
		const { expired, route } = this.target();
		if (expired) await this.rest.bot.post(route, { body: { ...body, attachments: undefined } });
		else await this.rest.interactions.patch(route, { body: { ...body, attachments: [] }, auth: false });
	}

	/** Streams the video into the message; a 429 is waited out and the upload started afresh. */
	private async upload(rendered: Rendered, video: FinishedVideo): Promise<void> {
		const payload = { ...toMessageBody(rendered), attachments: [{ id: '0', filename: video.fileName }] };
		for (let attempt = 1; ; attempt++) {
			const { expired, route } = this.target();
			const stream = await video.open();
			try {
				return await uploadMessage({
					url: `${this.rest.api}/v10${route}`,
					method: expired ? 'POST' : 'PATCH',
					authorization: expired ? `Bot ${this.rest.botToken}` : undefined,
					payload,
					file: { name: video.fileName, contentType: 'video/mp4', bytes: video.bytes, stream },
				});
			} catch (error) {
				stream.on('error', () => {});
				stream.destroy();
				if (!(error instanceof UploadRejectedError && error.status === 429 && attempt < 3)) throw error;
				await sleep(Math.min(error.retryAfterMs ?? 1_000, 30_000));
			}
		}
	}
}

/** Only the streamed upload carries a file, so only it can be refused as too large. */
function isTooLarge(error: unknown): boolean {
	return error instanceof UploadRejectedError && (error.status === 413 || error.code === REQUEST_ENTITY_TOO_LARGE);
}
