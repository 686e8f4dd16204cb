import type { GuildSettings, LimitUnit } from './guild-settings.js';

/** Where a member's limit came from, most specific first. */
export type LimitSource = 'grant' | 'role' | 'server' | 'bot';

export interface Member {
	userId: string;
	roleIds: readonly string[];
}

/**
 * A member's limit of `unit` per window: a per-member grant, else the best of their roles' limits
 * in that server, else the server's default, else the bot's (`envDefault`).
 */
export function memberLimit(settings: GuildSettings | undefined, member: Member, unit: LimitUnit, envDefault: number): { limit: number; source: LimitSource } {
	const granted = settings?.grants[member.userId]?.[unit];
	if (granted !== undefined) return { limit: granted, source: 'grant' };
	const roleLimits = member.roleIds.map((roleId) => settings?.roles[roleId]?.[unit]).filter((limit): limit is number => limit !== undefined);
	if (roleLimits.length > 0) return { limit: Math.max(...roleLimits), source: 'role' };
	const server = settings?.memberDefault[unit];
	if (server !== undefined) return { limit: server, source: 'server' };
	return { limit: envDefault, source: 'bot' };
}
