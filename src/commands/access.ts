import type { ChatInputCommandInteraction, MessageComponentInteraction, MessageContextMenuCommandInteraction, ModalSubmitInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { INTAKE_PAUSED } from '../services/ops/page/intake-pause.js';
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
		if (!access.dms) throw new UserError('NotAllowedHere', 'The bot does not take requests in DMs. Use it in a server channel.');
	} else if (userInstalledOnly(interaction)) {
		if (!access.userInstall) throw new UserError('NotAllowedHere', 'The bot can be used here only once this server adds it.');
	} else {
		const settings = context.guilds.get(interaction.guildId)!;
		const channelId = interaction.channelId ?? '';
		const parentId = interaction.channel && 'parentId' in interaction.channel ? interaction.channel.parentId : null;
		if (settings.channels.length > 0 && !settings.channels.includes(channelId) && !(parentId && settings.channels.includes(parentId))) {
			const where = settings.channels.map((id) => `<#${id}>`).join(', ');
			throw new UserError('NotAllowedHere', `In this server the bot takes requests only in ${where}.`);
		}
		if (settings.requiredRole && !roleIdsOf(interaction).includes(settings.requiredRole)) {
			throw new UserError('NotAllowedHere', `In this server you need the <@&${settings.requiredRole}> role to use the bot.`);
		}
	}
	if (context.credit.paused) throw new UserError('CreditExhausted', CREDIT_SPENT);
	if (context.intake.paused) throw new UserError('IntakePaused', INTAKE_PAUSED);
}

/** Told to members while RelayDance's balance is spent. */
export const CREDIT_SPENT = "The bot's RelayDance credit has run out; the server's admins have been told. Please try again later.";
