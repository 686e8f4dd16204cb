import { resolveLocale } from '../i18n/index.js';
import { SlashCommandBuilder } from 'discord.js';
import type { BotContext } from '../context.js';
import { renderQuota, type QuotaLine, type QuotaView } from '../discord/render-quota.js';
import { respond } from '../discord/respond.js';
import { memberLimit } from '../services/guilds/member-limits.js';
import { FINAL_STATES } from '../services/jobs/job.js';
import type { Claim } from '../services/quota/quota.js';
import { claimsFor, type StartingInteraction } from './accept.js';
import { roleIdsOf, botServerId } from './access.js';
import type { Command } from './command.js';
import { localizations, SOURCE_LOCALE, t, type MessageKey, type Params } from '../i18n/index.js';

/** A description in the source locale (the one Discord shows where it has no localization). */
const en = (key: MessageKey, params?: Params) => t(SOURCE_LOCALE, key, params);

/**
 * `/quota`: what the member has left here (their own limit, and the server's and the bot's budgets
 * that cap it too), when each resets, and what of theirs is running or waiting. Only they see it.
 */
export const quota = {
	data: new SlashCommandBuilder().setName('quota').setDescription(en('cmd.quota')).setDescriptionLocalizations(localizations('cmd.quota')),
	async execute(interaction, context) {
		await respond(interaction, renderQuota(await quotaView(interaction, context), resolveLocale(interaction.locale)), { ephemeral: true });
	},
} satisfies Command;

/** The figures `/quota` shows, read with the same subjects and limits a request would be checked against (`claimsFor`). */
export async function quotaView(interaction: StartingInteraction, context: BotContext): Promise<QuotaView> {
	const settings = context.guilds.get(botServerId(interaction));
	const member = { userId: interaction.user.id, roleIds: roleIdsOf(interaction) };
	const line = async (kind: 'video' | 'image'): Promise<QuotaLine> => {
		const service = context.quotas[kind];
		const claims = claimsFor(interaction, context, kind);
		const status = async (claim: Claim | undefined) => claim && (await service.status(claim.subject, claim.limit));
		const envDefault = kind === 'image' ? context.config.QUOTA_IMAGES : context.config.QUOTA_VIDEO_SECONDS;
		const { source } = memberLimit(settings, member, kind === 'image' ? 'images' : 'videoSeconds', envDefault);
		const [own, server, bot] = await Promise.all((['member', 'server', 'bot'] as const).map((scope) => status(claims.find((claim) => claim.scope === scope))));
		return { status: own!, source, ...(server && { server }), ...(bot && { bot }) };
	};
	const recent = await context.jobs.recent(interaction.user.id, botServerId(interaction), (jobId) => context.dispatch.find(jobId));
	const jobs = recent
		.filter((job) => !FINAL_STATES.has(job.state))
		.map((stored) => {
			const live = context.dispatch.find(stored.id);
			const job = live ?? stored;
			return { job, ...(job.queuePosition !== undefined && { place: job.queuePosition }) };
		})
		.filter(({ job }) => !FINAL_STATES.has(job.state));
	return { inServer: Boolean(botServerId(interaction)), video: await line('video'), image: await line('image'), jobs, paused: context.credit.paused };
}
