import { TimestampStyles, time, type APIEmbed } from 'discord.js';
import type { AccessSettings, GuildSettings, JobDefaults, Limits } from '../services/guilds/guild-settings.js';
import type { Usage } from '../services/guilds/usage.js';
import { clip } from '../services/text.js';
import type { Rendered } from './render.js';

/** What `/relaydance-admin` answers with: every answer is ephemeral, and mentions in it never ping (see `respond`). */

const COLOR = 0x5865f2;

/** The bot's own figures, from its environment, that a server's settings sit on top of. */
export interface BotLimits {
	memberDefault: Required<Limits>;
	/** `QUOTA_GLOBAL_*`: unset means no cap. */
	budget: Limits;
	windowHours: number;
}

/** `60 s of video · 20 images`; a unit not set here reads `images: not set`. */
export function describeLimits(limits: Limits, unset = 'not set'): string {
	const video = limits.videoSeconds === undefined ? `video: ${unset}` : `${seconds(limits.videoSeconds)} of video`;
	const images = limits.images === undefined ? `images: ${unset}` : images_(limits.images);
	return `${video} · ${images}`;
}

function seconds(n: number): string {
	return `${n.toLocaleString('en-US')} s`;
}

function images_(n: number): string {
	return `${n.toLocaleString('en-US')} image${n === 1 ? '' : 's'}`;
}

function hasAny(limits: Limits): boolean {
	return limits.videoSeconds !== undefined || limits.images !== undefined;
}

/** `limits show`: where each member's limit comes from, most specific first, and the budgets. */
export function renderLimits(settings: GuildSettings, bot: BotLimits): Rendered {
	const roles = Object.entries(settings.roles).filter(([, limits]) => hasAny(limits));
	const grants = Object.entries(settings.grants).filter(([, limits]) => hasAny(limits));
	const lines = [
		`A member's limit per ${bot.windowHours}-hour window comes from their grant, else their best role, else the server default, else the bot default.`,
		'',
		`**Server default:** ${hasAny(settings.memberDefault) ? describeLimits(settings.memberDefault, 'bot default') : 'not set'}`,
		`**Bot default:** ${describeLimits(bot.memberDefault)}`,
		'',
		`**Per role** (${roles.length}):`,
		...(roles.length > 0 ? roles.map(([roleId, limits]) => `• <@&${roleId}>: ${describeLimits(limits, 'not set')}`) : ['• none']),
		'',
		`**Grants** (${grants.length}):`,
		...(grants.length > 0 ? grants.map(([userId, limits]) => `• <@${userId}>: ${describeLimits(limits, 'not granted')}`) : ['• none']),
		'',
		`**Server budget** (all members together): ${hasAny(settings.budget) ? describeLimits(settings.budget, 'no cap') : 'none'}`,
		`**Bot budget** (every server together): ${hasAny(bot.budget) ? describeLimits(bot.budget, 'no cap') : 'none'}`,
	];
	return { embeds: [embed('Limits in this server', lines)] };
}

/** One member's usage, this window (from the quotas) and all time (from the ledger). */
export interface MemberUsageView {
	userId: string;
	window: { videoSeconds: number; images: number };
	allTime: Usage;
}

export interface UsageView {
	/** One member asked for: their limits and when their window resets. */
	member?: MemberUsageView & { limits: { videoSeconds: number; images: number }; resetsAt?: { videoSeconds?: Date; images?: Date } };
	/** Every member with usage here, best first (at most `shown`). */
	members?: MemberUsageView[];
	/** How many members have usage here in all (the list shows at most 20). */
	memberCount?: number;
	server: { window: { videoSeconds: number; images: number }; allTime: Usage };
	/** Estimated spend shown only with `MODEL_PRICES` set. */
	hasPrices: boolean;
}

/** Members in the usage list. */
export const USAGE_TOP = 20;

/** `usage`: one member's or the top members', and the server's, with spend estimates when prices are set. */
export function renderUsage(view: UsageView): Rendered {
	const lines: string[] = [];
	if (view.member) {
		const { member } = view;
		lines.push(`**<@${member.userId}>**`);
		lines.push(`This window: ${seconds(member.window.videoSeconds)} of ${seconds(member.limits.videoSeconds)} of video${resets(member.resetsAt?.videoSeconds)} · ${member.window.images} of ${images_(member.limits.images)}${resets(member.resetsAt?.images)}`);
		lines.push(`All time: ${allTime(member.allTime, view.hasPrices)}`);
	} else {
		const members = view.members ?? [];
		const count = view.memberCount ?? members.length;
		if (members.length === 0) lines.push('No member has made anything here yet.');
		else {
			lines.push(`**Top ${members.length} of ${count} member${count === 1 ? '' : 's'}** (by ${view.hasPrices ? 'estimated spend, then ' : ''}seconds of video, then images):`);
			members.forEach((member, index) => {
				lines.push(`${index + 1}. <@${member.userId}> — this window ${windowUse(member.window)}; all time ${allTime(member.allTime, view.hasPrices)}`);
			});
		}
	}
	lines.push('', `**Server total** — this window ${windowUse(view.server.window)}; all time ${allTime(view.server.allTime, view.hasPrices)}`);
	if (!view.hasPrices) lines.push('', '-# Set MODEL_PRICES to see estimated spend.');
	return { embeds: [embed(view.member ? 'Usage of one member' : 'Usage in this server', lines)] };
}

function windowUse(window: { videoSeconds: number; images: number }): string {
	return `${seconds(window.videoSeconds)} · ${images_(window.images)}`;
}

function allTime(usage: Usage, hasPrices: boolean): string {
	const parts = [seconds(usage.videoSeconds), images_(usage.images), `${usage.jobs} delivered`, `${usage.failures} failed`];
	if (hasPrices) parts.push(`≈ ${formatSpend(usage.spend)} spent`);
	return parts.join(' · ');
}

/** Spend estimates: two decimals, no currency (prices are in whatever unit MODEL_PRICES uses). */
export function formatSpend(spend: number): string {
	return spend.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function resets(at: Date | undefined): string {
	return at ? ` (resets ${time(at, TimestampStyles.RelativeTime)})` : '';
}

/** `where show`: channels, the required role, DMs and user installs, the audit channel, the channels under review. */
export function renderWhere(settings: GuildSettings, access: AccessSettings): Rendered {
	const lines = [
		`**Channels:** ${settings.channels.length > 0 ? settings.channels.map((id) => `<#${id}>`).join(', ') + ' (and their threads)' : 'every channel'}`,
		`**Required role:** ${settings.requiredRole ? `<@&${settings.requiredRole}>` : 'none'}`,
		`**Audit channel:** ${settings.auditChannelId ? `<#${settings.auditChannelId}>` : 'off'}`,
		`**Review before posting:** ${reviewLine(settings.reviewChannels)}`,
		'',
		'Bot-wide (every server):',
		`**DMs with the bot:** ${access.dms ? 'on' : 'off'}`,
		`**User-installed use:** ${access.userInstall ? 'on' : 'off'}`,
	];
	return { embeds: [embed('Where the bot takes requests', lines)] };
}

function reviewLine(reviewed: GuildSettings['reviewChannels']): string {
	const pairs = Object.entries(reviewed ?? {});
	return pairs.length > 0 ? pairs.map(([channelId, reviewChannelId]) => `<#${channelId}> → <#${reviewChannelId}>`).join(', ') : 'off';
}

/** `defaults`: this server's own defaults, and what applies where it has none. */
export function renderDefaults(defaults: JobDefaults, bot: Required<Pick<JobDefaults, 'model' | 'seconds' | 'audio'>>, changed?: string, hasPrices = false): Rendered {
	const row = (name: string, own: string | undefined, fallback: string) => `**${name}:** ${own ?? fallback}`;
	const lines = [
		...(changed ? [changed, ''] : []),
		row('Model', defaults.model && `\`${defaults.model}\``, `\`${bot.model}\` (bot default)`),
		row('Seconds', defaults.seconds?.toString(), `${bot.seconds} (bot default)`),
		row('Audio', defaults.audio === undefined ? undefined : defaults.audio ? 'on' : 'off', `${bot.audio ? 'on' : 'off'} (bot default)`),
		row('Ratio', defaults.ratio, "not set (the model's own)"),
		row('Resolution', defaults.resolution, "not set (the model's own)"),
		row('Confirm above', defaults.confirmAbove === undefined ? undefined : `${formatSpend(defaults.confirmAbove)} (a member confirms a job estimated above this)`, 'off (no job waits for confirmation)'),
		...(defaults.confirmAbove !== undefined && !hasPrices ? ['-# No model has a price (MODEL_PRICES), so no job has an estimate and none is held.'] : []),
	];
	return { embeds: [embed("This server's /video defaults", lines)] };
}

/** `blocklist list`. */
export function renderBlocklist(rules: readonly string[]): Rendered {
	if (rules.length === 0) return { content: 'The blocklist is empty. Add a word, a phrase or a `/pattern/` with `/relaydance-admin blocklist add`.' };
	const lines = [
		'Prompts are matched without regard to width, case, accents or look-alike letters (`ｃａｔ`, `CAT`, `cát` and a Cyrillic `сat` all match `cat`); a plain term matches a whole word or phrase, a `/pattern/` anywhere.',
		'',
		...rules.map((rule, index) => `${index + 1}. ${code(rule)}${/^\/.+\/$/s.test(rule.trim()) ? ' (pattern)' : ''}`),
	];
	return { embeds: [embed(`Blocklist (${rules.length})`, lines)] };
}

/** A plain confirmation or note. */
export function renderAdminNote(text: string): Rendered {
	return { content: clip(text, 2000) };
}

/** Shows a term as typed, in a code span that a backtick in it cannot break. */
export function code(text: string): string {
	const clean = clip(text.replace(/\s+/g, ' '), 200);
	return clean.includes('`') ? `\`\` ${clean} \`\`` : `\`${clean}\``;
}

function embed(title: string, lines: string[]): APIEmbed {
	return { title, color: COLOR, description: clip(lines.join('\n'), 4096) };
}
