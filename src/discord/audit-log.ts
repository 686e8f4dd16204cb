import { Routes, type APIActionRowComponent, type APIButtonComponent, type REST } from 'discord.js';
import type { Logger } from '../logger.js';
import type { GuildSettingsStore } from '../services/guilds/guild-settings.js';
import { spendOf, type ModelPrices } from '../services/guilds/usage.js';
import type { Job } from '../services/jobs/job.js';
import { clip } from '../services/text.js';
import { NO_MENTIONS } from './respond.js';

/**
 * Posts to each server's audit channel (`/relaydance-admin audit-channel`): one line per job that
 * ends, each refused prompt, and the credit alert. Mentions never ping there. A post that fails
 * is logged and dropped: the audit channel is never in a job's way.
 */
export class AuditLog {
	constructor(
		private readonly rest: REST,
		private readonly guilds: GuildSettingsStore,
		private readonly prices: ModelPrices,
		private readonly logger: Logger,
	) {}

	/** Who, prompt, model, seconds or images, audio, outcome, task id, spend estimate. */
	jobFinished(job: Job): void {
		const channelId = this.channelOf(job.requester.guildId);
		if (!channelId) return;
		const outcome =
			job.state !== 'delivered' ? `❌ ${job.failure?.kind ?? 'failed'}` : job.review?.messageId ? `🔎 sent for review (${job.result?.delivery ?? 'none'})` : `✅ delivered (${job.result?.delivery ?? 'none'})`;
		const what = job.kind === 'image' ? `${job.settings.count} image${job.settings.count === 1 ? '' : 's'} ${job.settings.size}` : `${job.settings.seconds} s, audio ${job.settings.audio ? 'on' : 'off'}`;
		const price = this.prices[job.settings.model];
		const spend = price === undefined ? 'no price set' : `≈ ${spendOf(job, this.prices).toFixed(2)}`;
		const task = job.kind === 'video' && job.taskId ? ` · task \`${job.taskId}\`` : '';
		this.post(channelId, `${job.kind === 'image' ? '🖼️' : '🎬'} <@${job.requester.userId}> · ${job.settings.model} · ${what} · ${outcome}${task} · spend ${spend}\n> ${oneLine(job.settings.prompt)}`);
	}

	/** A prompt the blocklist refused: the audit channel sees it (the member was told only that it was refused). */
	promptRefused(guildId: string, userId: string, prompt: string, rule: string): void {
		const channelId = this.channelOf(guildId);
		if (channelId) this.post(channelId, `🚫 Refused a prompt from <@${userId}> (blocklist rule \`${clip(rule, 60)}\`)\n> ${oneLine(prompt)}`);
	}

	/** A moderation note (a deleted result; a report, with the moderators' buttons), worded in `render-moderation.ts`. */
	moderation(guildId: string | null, message: { content: string; components?: Array<APIActionRowComponent<APIButtonComponent>> }): void {
		const channelId = this.channelOf(guildId);
		if (channelId) this.post(channelId, message.content, guildId ?? undefined, message.components);
	}

	/** RelayDance's balance is spent: once per server with an audit channel. */
	creditExhausted(retryMinutes: number): void {
		this.toEveryServer(
			`⚠️ RelayDance says the bot's balance is spent. New requests are paused for every server, and jobs already accepted wait; the bot tries again every ${retryMinutes} min on its own. Top up the RelayDance account to resume.`,
		);
	}

	/** Redis lost its data: once per server with an audit channel, from one process. */
	dataLost(): void {
		this.toEveryServer(
			"⚠️ The bot's Redis lost its data (restarted without persistence, or flushed). Jobs that were running are being finished and delivered, and this server's settings were written back. Requests that were still waiting in line may be lost, and quota windows started over. Ask the bot's operator to run Redis with appendonly yes.",
		);
	}

	/** Discord refused half as many requests as gets the bot banned: progress updates pause until the rate falls. */
	invalidRequestsHigh(count: number, limit: number): void {
		this.toEveryServer(
			`⚠️ Discord refused ${count.toLocaleString('en-US')} of the bot's requests in the last 10 minutes (it bans the bot's address at ${limit.toLocaleString('en-US')}). Progress updates are paused until the rate falls; finished videos and images are still posted. Ask the bot's operator to check the logs.`,
		);
	}

	private toEveryServer(content: string): void {
		for (const [guildId, settings] of this.guilds.entries()) {
			if (settings.auditChannelId) this.post(settings.auditChannelId, content, guildId);
		}
	}

	private channelOf(guildId: string | null): string | undefined {
		return guildId ? this.guilds.get(guildId)?.auditChannelId : undefined;
	}

	private post(channelId: string, content: string, guildId?: string, components?: Array<APIActionRowComponent<APIButtonComponent>>): void {
		this.rest
			.post(Routes.channelMessages(channelId), { body: { content: clip(content, 2000), allowed_mentions: NO_MENTIONS, ...(components && { components }) } })
			.catch((error: unknown) => this.logger.warn({ err: error, channelId, guildId }, 'could not post to the audit channel'));
	}
}

function oneLine(text: string): string {
	return clip(text.replace(/\s+/g, ' '), 300);
}
