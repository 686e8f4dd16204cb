import type { ChatInputCommandInteraction, MessageComponentInteraction, MessageContextMenuCommandInteraction, ModalSubmitInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { userInstalledOnly } from '../discord/install-context.js';

export { botAbsent, userInstalledOnly } from '../discord/install-context.js';
import { UserError } from '../services/user-error.js';

type AskingInteraction = ChatInputCommandInteraction | MessageComponentInteraction | ModalSubmitInteraction | MessageContextMenuCommandInteraction;

/** The member's role ids in this server (none outside servers). */
export function roleIdsOf(interaction: AskingInteraction): string[] {
	const member = interaction.member;
	if (!member) return [];
	if (Array.isArray(member.roles)) return member.roles;
	return [...member.roles.cache.keys()];
}

/**
 * The server whose settings, budgets and job lists apply: the interaction's, unless the bot is not
 * in it (a user install), where a member's quota is theirs alone and no server settings exist.
 */
export function botServerId(interaction: AskingInteraction): string | null {
	return userInstalledOnly(interaction) ? null : interaction.guildId;
}

/**
 * Refuses, before anything is spent, a request from where a server's admins (or the bot-wide
 * access settings) do not allow one: DMs or user installs turned off, a channel not on the
 * server's list, a member without the required role, the bot's credit spent, or intake paused
 * by the bot's operator.
 */
export function assertMayGenerate(interaction: AskingInteraction, context: BotContext): void {
	const access = context.guilds.getAccess();
	if (!interaction.guildId) {
		if (!access.dms) throw new UserError('NotAllowedHere', 'refusal.noDms');
	} else if (userInstalledOnly(interaction)) {
		if (!access.userInstall) throw new UserError('NotAllowedHere', 'refusal.notAdded');
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
	if (context.intake.paused) throw new UserError('IntakePaused', 'refusal.intakePaused');
}

/**
 * The moderators' channel a result made here goes to first, when this channel (or the channel a
 * thread is in) is under review; undefined elsewhere, DMs and user installs included.
 */
export function reviewChannelOf(interaction: AskingInteraction, context: BotContext): string | undefined {
	const guildId = botServerId(interaction);
	const reviewed = guildId ? context.guilds.get(guildId)?.reviewChannels : undefined;
	if (!reviewed) return undefined;
	const parentId = interaction.channel && 'parentId' in interaction.channel ? interaction.channel.parentId : null;
	return reviewed[interaction.channelId ?? ''] ?? (parentId ? reviewed[parentId] : undefined);
}
