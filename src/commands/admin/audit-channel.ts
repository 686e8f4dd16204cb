import { Routes } from 'discord.js';
import { renderAdminNote } from '../../discord/render-admin.js';
import { NO_MENTIONS } from '../../discord/respond.js';
import type { AdminHandler } from './handler.js';

/**
 * `audit-channel`: saved, then a first line posted there, so an admin learns at once when the bot
 * cannot post in that channel (the setting stays: they may fix the channel's permissions after).
 */
const set: AdminHandler = async ({ interaction, context, guildId }) => {
	const channel = interaction.options.getChannel('channel', true);
	await context.guilds.update(guildId, (settings) => {
		settings.auditChannelId = channel.id;
	});
	const saved = `Audit lines go to <#${channel.id}>: one per job (who, prompt, model, length, audio, outcome, task id, spend estimate), each refused prompt, and credit alerts. Mentions there never ping.`;
	try {
		await context.rest.post(Routes.channelMessages(channel.id), {
			body: { content: `🔎 This channel is now the RelayDance audit log (set by <@${interaction.user.id}>).`, allowed_mentions: NO_MENTIONS },
		});
		return renderAdminNote(saved);
	} catch (error) {
		context.logger.warn({ err: error, channelId: channel.id, guildId }, 'could not post to the new audit channel');
		return renderAdminNote(`${saved}\n⚠️ The bot could not post there just now (${(error as Error).message}): give it **View Channel** and **Send Messages** in <#${channel.id}>.`);
	}
};

const off: AdminHandler = async ({ context, guildId }) => {
	await context.guilds.update(guildId, (settings) => {
		delete settings.auditChannelId;
	});
	return renderAdminNote('Audit lines are off: jobs, refused prompts and credit alerts are no longer posted anywhere.');
};

export const auditHandlers: Record<string, AdminHandler> = { 'audit-channel': set, 'audit-channel-off': off };
