import type { ChatInputCommandInteraction, MessageComponentInteraction, MessageContextMenuCommandInteraction, ModalSubmitInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { UserError } from '../services/user-error.js';

type AskingInteraction = ChatInputCommandInteraction | MessageComponentInteraction | ModalSubmitInteraction | MessageContextMenuCommandInteraction;

/** The member's role ids in this server (none outside servers). */
export function roleIdsOf(interaction: AskingInteraction): string[] {
	const member = interaction.member;
	if (!member) return [];
	if (Array.isArray(member.roles)) return member.roles;
	return [...member.roles.cache.keys()];
}

/** True when the app runs here only as a user install (the server has not added the bot). */
export function userInstalledOnly(interaction: AskingInteraction): boolean {
	const owners = interaction.authorizingIntegrationOwners;
	return Boolean(interaction.guildId) && Boolean(owners) && !owners.guildId && Boolean(owners.userId);
}

/**
 * Refuses, before anything is spent, a request from where a server's admins (or the bot-wide
 * access settings) do not allow one: DMs or user installs turned off, a channel not on the
 * server's list, a member without the required role, or the bot's credit spent.
 */
export function assertMayGenerate(interaction: AskingInteraction, context: BotContext): void {
	const access = context.guilds.getAccess();
	if (!interaction.guildId) {
		if (!access.dms) throw new UserError('NotAllowedHere', 'refusal.noDms');
	} else if (userInstalledOnly(interaction) && !access.userInstall) {
		throw new UserError('NotAllowedHere', 'refusal.notAdded');
	} else {
		const settings = context.guilds.get(interaction.guildId)!;
		const channelId = interaction.channelId ?? '';
		const parentId = interaction.channel && 'parentId' in interaction.channel ? interaction.channel.parentId : null;
		if (settings.channels.length > 0 && !settings.channels.includes(channelId) && !(parentId && settings.channels.includes(parentId))) {
			throw new UserError('NotAllowedHere', 'refusal.channelsOnly', { channels: { list: settings.channels.map((id) => `<#${id}>`), type: 'or' } });
		}
		if (settings.requiredRole && !roleIdsOf(interaction).includes(settings.requiredRole)) {
			throw new UserError('NotAllowedHere', 'refusal.roleNeeded', { role: `<@&${settings.requiredRole}>` });
		}
	}
	if (context.credit.paused) throw new UserError('CreditExhausted', 'refusal.creditSpent');
}
