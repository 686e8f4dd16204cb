import { PermissionFlagsBits, type AutocompleteInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { UserError } from '../../services/user-error.js';
import { userInstalledOnly } from '../access.js';

/** Told to anyone who reaches `/relaydance-admin` without Manage Server. */
export const NOT_ADMIN = 'Only members with the **Manage Server** permission can change the bot’s settings here.';

/**
 * The server whose settings the admin command changes, once the member is shown to hold Manage
 * Server there. Checked on every run, whatever `default_member_permissions` says: a server can
 * open a command to anyone (Server Settings → Integrations), and that must not open these
 * settings. Outside a server (or where only a member installed the app) there is nothing to manage.
 */
export function adminGuildOf(interaction: ChatInputCommandInteraction | AutocompleteInteraction): string {
	if (!interaction.guildId) throw new UserError('NotAdmin', 'refusal.serverOnly');
	if (!isAdmin(interaction)) throw new UserError('NotAdmin', 'refusal.notAdmin');
	if (userInstalledOnly(interaction as ChatInputCommandInteraction)) throw new UserError('NotAdmin', 'refusal.addBotFirst');
	return interaction.guildId;
}

/** True when the member holds Manage Server (Administrator includes it) in this server. */
export function isAdmin(interaction: Pick<ChatInputCommandInteraction, 'memberPermissions'>): boolean {
	return interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) === true;
}
