import { ApplicationIntegrationType, InteractionContextType, type RESTPostAPIApplicationCommandsJSONBody } from 'discord.js';
import type { AccessSettings } from '../services/guilds/guild-settings.js';
import type { Command, MessageCommand } from './command.js';

/** Where the bot may be used beyond servers until an admin says otherwise: DMs with the bot yes, user installs no. */
export const DEFAULT_ACCESS: AccessSettings = { dms: true, userInstall: false };

/** Commands only for a server's admins (their own `contexts` and `integration_types` stay server-only). */
export interface Registrable {
	data: Command['data'] | MessageCommand['data'];
	/** Server-only whatever the access settings (the admin command). */
	serverOnly?: boolean;
}

/**
 * The bodies `npm run register` (and `/relaydance-admin where`, when it changes) sends: each
 * command's `contexts` and `integration_types` follow the bot-wide access settings, so a client
 * does not even offer a command where the bot would refuse it.
 */
export function registrationBodies(commands: readonly Registrable[], access: AccessSettings): RESTPostAPIApplicationCommandsJSONBody[] {
	const contexts = [InteractionContextType.Guild, ...(access.dms ? [InteractionContextType.BotDM] : []), ...(access.userInstall ? [InteractionContextType.PrivateChannel] : [])];
	const integrationTypes = [ApplicationIntegrationType.GuildInstall, ...(access.userInstall ? [ApplicationIntegrationType.UserInstall] : [])];
	return commands.map((command) => {
		const body = command.data.toJSON();
		if (command.serverOnly) return { ...body, contexts: [InteractionContextType.Guild], integration_types: [ApplicationIntegrationType.GuildInstall] };
		return { ...body, contexts, integration_types: integrationTypes };
	});
}
