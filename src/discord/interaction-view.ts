import { openAsBlob } from 'node:fs';
import { DiscordAPIError, HTTPError, Routes, type REST } from 'discord.js';
import type { Logger } from '../logger.js';
import { FINAL_STATES, type Job, type JobOrigin } from '../services/job.js';
import type { DownloadedVideo, JobView } from '../services/job-runner.js';
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
		private readonly rest: { interactions: REST; bot: REST },
		private readonly origin: JobOrigin,
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

	async deliver(job: Job, video: DownloadedVideo): Promise<'attachment' | 'link'> {
		const limit = this.origin.attachmentSizeLimit;
		let delivery: 'attachment' | 'link' = video.bytes <= limit ? 'attachment' : 'link';
		await this.editor.final(async () => {
			if (delivery === 'attachment') {
				try {
					return await this.send(renderDelivered(job, video, 'attachment', limit), video);
				} catch (error) {
					if (!isTooLarge(error)) throw error;
					this.logger.warn({ bytes: video.bytes, limit }, 'upload refused as too large; sending a link');
					delivery = 'link';
				}
			}
			await this.send(renderDelivered(job, video, 'link', limit));
		});
		return delivery;
	}

	async fail(job: Job): Promise<void> {
		await this.editor.final(() => this.send(renderFailed(job)));
	}

	private tokenExpired(): boolean {
		return this.now() - this.origin.interactionCreatedAt > TOKEN_LIFETIME_MS;
	}

	private async send(rendered: Rendered, video?: DownloadedVideo): Promise<void> {
		const body = toMessageBody(rendered);
		const expired = this.tokenExpired();
		if (expired && !this.origin.channelId) throw new Error('interaction token expired and no channel to post in');
		const route = expired
			? Routes.channelMessages(this.origin.channelId!)
			: Routes.webhookMessage(this.origin.applicationId, this.origin.interactionToken, '@original');
		const request = expired ? this.rest.bot.post.bind(this.rest.bot) : this.rest.interactions.patch.bind(this.rest.interactions);
		if (!video) {
			await request(route, { body: expired ? { ...body, attachments: undefined } : { ...body, attachments: [] }, auth: expired });
			return;
		}
		// Streams the file from disk: a Blob backed by the file, never a Buffer of the whole video.
		const form = new FormData();
		form.append('payload_json', JSON.stringify({ ...body, attachments: [{ id: '0', filename: video.fileName }] }));
		form.append('files[0]', await openAsBlob(video.path, { type: 'video/mp4' }), video.fileName);
		await request(route, { body: form, passThroughBody: true, auth: expired });
	}
}

function isTooLarge(error: unknown): boolean {
	return (error instanceof DiscordAPIError && (error.code === REQUEST_ENTITY_TOO_LARGE || error.status === 413)) || (error instanceof HTTPError && error.status === 413);
}
