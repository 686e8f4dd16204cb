import { Routes } from 'discord.js';
import type { BotContext } from '../../context.js';
import { renderAdminNote, renderWhere } from '../../discord/render-admin.js';
import type { AccessSettings } from '../../services/guilds/guild-settings.js';
import { UserError } from '../../services/user-error.js';
import { registrationBodies } from '../registration.js';
import type { AdminHandler } from './handler.js';

const show: AdminHandler = async ({ context, guildId }) => renderWhere(context.guilds.get(guildId)!, context.guilds.getAccess());

const channelAdd: AdminHandler = async ({ interaction, context, guildId }) => {
	const channel = interaction.options.getChannel('channel', true);
	const saved = await context.guilds.update(guildId, (settings) => {
		if (!settings.channels.includes(channel.id)) settings.channels.push(channel.id);
	});
	return renderAdminNote(`The bot now takes requests only in ${saved.channels.map((id) => `<#${id}>`).join(', ')} (and their threads). \`/relaydance-admin where channels-all\` opens every channel again.`);
};

const channelRemove: AdminHandler = async ({ interaction, context, guildId }) => {
	const channel = interaction.options.getChannel('channel', true);
	if (!context.guilds.get(guildId)!.channels.includes(channel.id)) return renderAdminNote(`<#${channel.id}> is not on the list; nothing changed.`);
	const saved = await context.guilds.update(guildId, (settings) => {
		settings.channels = settings.channels.filter((id) => id !== channel.id);
	});
	if (saved.channels.length === 0) return renderAdminNote(`Took <#${channel.id}> off the list. The list is empty now, so the bot takes requests in **every** channel.`);
	return renderAdminNote(`Took <#${channel.id}> off the list. Requests go only in ${saved.channels.map((id) => `<#${id}>`).join(', ')}.`);
};

const channelsAll: AdminHandler = async ({ context, guildId }) => {
	await context.guilds.update(guildId, (settings) => {
		settings.channels = [];
	});
	return renderAdminNote('The bot takes requests in every channel.');
};

const requireRole: AdminHandler = async ({ interaction, context, guildId }) => {
	const role = interaction.options.getRole('role', true);
	if (role.id === guildId) throw new UserError('BadSetting', 'refusal.everyoneRole');
	await context.guilds.update(guildId, (settings) => {
		settings.requiredRole = role.id;
	});
	return renderAdminNote(`Members need <@&${role.id}> to make anything with the bot here.`);
};

const requireRoleNone: AdminHandler = async ({ context, guildId }) => {
	await context.guilds.update(guildId, (settings) => {
		delete settings.requiredRole;
	});
	return renderAdminNote('No role is needed to use the bot here.');
};

/**
 * `access`: bot-wide, so it changes every server. Saved first; then the commands are registered
 * again so Discord offers them only where they work (`contexts`, `integration_types`).
 */
const access: AdminHandler = async ({ interaction, context }) => {
	const dms = interaction.options.getBoolean('dms');
	const userInstalls = interaction.options.getBoolean('user_installs');
	if (dms === null && userInstalls === null) return renderWhere(context.guilds.get(interaction.guildId)!, context.guilds.getAccess());
	if (!context.config.BOT_OWNER_IDS.includes(interaction.user.id)) {
		throw new UserError('NotAdmin', 'refusal.ownersOnly');
	}
	const saved = await context.guilds.setAccess({ ...(dms !== null && { dms }), ...(userInstalls !== null && { userInstall: userInstalls }) });
	const what = `Bot-wide, in every server: DMs with the bot **${saved.dms ? 'on' : 'off'}**, user-installed use **${saved.userInstall ? 'on' : 'off'}**.`;
	try {
		await reregister(context, saved);
		return renderAdminNote(`${what} The commands were registered again, so Discord offers them only where they work${context.config.DISCORD_GUILD_ID ? '' : ' (global commands can take up to an hour to update everywhere)'}.`);
	} catch (error) {
		context.logger.warn({ err: error }, 'could not register the commands again after an access change');
		return renderAdminNote(`${what} The setting is saved and the bot enforces it now, but Discord refused to update the commands (${(error as Error).message}); run \`npm run register\` to apply it there.`);
	}
};

/** Registers every command again, the way `npm run register` does, with the new access settings. */
export async function reregister(context: BotContext, access: AccessSettings): Promise<void> {
	// Loaded when called: the command list includes this command, so a static import would be circular.
	const { registrable } = await import('../index.js');
	const route = context.config.DISCORD_GUILD_ID ? Routes.applicationGuildCommands(context.applicationId, context.config.DISCORD_GUILD_ID) : Routes.applicationCommands(context.applicationId);
	await context.rest.put(route, { body: registrationBodies(registrable(), access) });
}

export const whereHandlers: Record<string, AdminHandler> = {
	show,
	'channel-add': channelAdd,
	'channel-remove': channelRemove,
	'channels-all': channelsAll,
	'require-role': requireRole,
	'require-role-none': requireRoleNone,
	access,
};
