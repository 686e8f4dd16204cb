import type { ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../../context.js';
import { renderUsage, USAGE_TOP, type MemberUsageView } from '../../discord/render-admin.js';
import { memberLimit } from '../../services/guilds/member-limits.js';
import type { Usage } from '../../services/guilds/usage.js';
import { memberSubject, SERVER_SUBJECT_PREFIX } from '../../services/quota/quota.js';
import type { AdminHandler } from './handler.js';

/** A member's use of the current window, as the quotas hold it. */
async function windowOf(context: BotContext, guildId: string, userId: string) {
	const subject = memberSubject(userId, guildId);
	const [video, image] = await Promise.all([context.quotas.video.status(subject), context.quotas.image.status(subject)]);
	return { videoSeconds: video.used, images: image.used };
}

/** Best first: estimated spend, then seconds of video, then images, then the fewest failures. */
export function byUse(a: { allTime: Usage }, b: { allTime: Usage }): number {
	return b.allTime.spend - a.allTime.spend || b.allTime.videoSeconds - a.allTime.videoSeconds || b.allTime.images - a.allTime.images || a.allTime.failures - b.allTime.failures;
}

/** The member option's role ids in this server, whichever shape discord.js resolved it to. */
function rolesOfOption(interaction: ChatInputCommandInteraction): string[] {
	const member = interaction.options.getMember('member');
	if (!member) return [];
	const roles = (member as { roles: string[] | { cache: Map<string, unknown> } }).roles;
	return Array.isArray(roles) ? roles : [...roles.cache.keys()];
}

/**
 * `usage [member]`: this window from the quotas, all time from the usage ledger. The list covers
 * members the ledger knows here (at least one job of theirs ended in this server); the server's
 * window total is its budget's count when a budget is set (exact), else the sum over those members.
 */
export const usage: AdminHandler = async ({ interaction, context, guildId }) => {
	const { config } = context;
	const ledger = await context.usage.server(guildId);
	const members: MemberUsageView[] = await Promise.all(ledger.members.map(async ({ userId, usage }) => ({ userId, window: await windowOf(context, guildId, userId), allTime: usage })));
	const settings = context.guilds.get(guildId);
	const serverSubject = `${SERVER_SUBJECT_PREFIX}${guildId}`;
	const summed = members.reduce((total, member) => ({ videoSeconds: total.videoSeconds + member.window.videoSeconds, images: total.images + member.window.images }), { videoSeconds: 0, images: 0 });
	const server = {
		window: {
			videoSeconds: settings?.budget.videoSeconds !== undefined ? (await context.quotas.video.status(serverSubject)).used : summed.videoSeconds,
			images: settings?.budget.images !== undefined ? (await context.quotas.image.status(serverSubject)).used : summed.images,
		},
		allTime: ledger.total,
	};
	const user = interaction.options.getUser('member');
	if (user) {
		const subject = memberSubject(user.id, guildId);
		const roleIds = rolesOfOption(interaction);
		const [video, image] = await Promise.all([context.quotas.video.status(subject), context.quotas.image.status(subject)]);
		return renderUsage({
			member: {
				userId: user.id,
				window: { videoSeconds: video.used, images: image.used },
				allTime: await context.usage.member(guildId, user.id),
				limits: {
					videoSeconds: memberLimit(settings, { userId: user.id, roleIds }, 'videoSeconds', config.QUOTA_VIDEO_SECONDS).limit,
					images: memberLimit(settings, { userId: user.id, roleIds }, 'images', config.QUOTA_IMAGES).limit,
				},
				resetsAt: { ...(video.used > 0 && { videoSeconds: video.resetsAt }), ...(image.used > 0 && { images: image.resetsAt }) },
			},
			server,
			hasPrices: context.usage.hasPrices,
		});
	}
	return renderUsage({ members: [...members].sort(byUse).slice(0, USAGE_TOP), memberCount: members.length, server, hasPrices: context.usage.hasPrices });
};
