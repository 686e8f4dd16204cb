import { Routes } from 'discord.js';
import { renderAdminNote } from '../../discord/render-admin.js';
import { NO_MENTIONS } from '../../discord/respond.js';
import type { AdminHandler } from './handler.js';

/**
 * `review on`: results made in a channel (and its threads) go first to the moderators' channel, with
 * Approve and Reject; saved, then a first line posted there, so an admin learns at once when the bot
 * cannot post in it (the setting stays: they may fix the channel's permissions after).
 */
const on: AdminHandler = async ({ interaction, context, guildId }) => {
	const channel = interaction.options.getChannel('channel', true);
	const reviewChannel = interaction.options.getChannel('review_channel', true);
	await context.guilds.update(guildId, (settings) => {
		settings.reviewChannels = { ...settings.reviewChannels, [channel.id]: reviewChannel.id };
	});
	const saved = `Results made in <#${channel.id}> (and its threads) now go first to <#${reviewChannel.id}>, with **Approve** and **Reject** for members with Manage Messages. Nothing is shown in <#${channel.id}> before Approve; Reject tells the member. The quota stays spent either way.`;
	try {
		await context.rest.post(Routes.channelMessages(reviewChannel.id), {
			body: { content: `🔎 Results made in <#${channel.id}> come here for review before they are posted (set by <@${interaction.user.id}>).`, allowed_mentions: NO_MENTIONS },
		});
		return renderAdminNote(saved);
	} catch (error) {
		context.logger.warn({ err: error, channelId: reviewChannel.id, guildId }, 'could not post to the new review channel');
		return renderAdminNote(`${saved}\n⚠️ The bot could not post there just now (${(error as Error).message}): give it **View Channel**, **Send Messages**, **Attach Files** and **Read Message History** in <#${reviewChannel.id}>.`);
	}
};

/** `review off`: results made in the channel are posted at once again (those already waiting still wait for a decision). */
const off: AdminHandler = async ({ interaction, context, guildId }) => {
	const channel = interaction.options.getChannel('channel', true);
	if (!context.guilds.get(guildId)!.reviewChannels?.[channel.id]) return renderAdminNote(`<#${channel.id}> is not under review; nothing changed.`);
	await context.guilds.update(guildId, (settings) => {
		const { [channel.id]: _removed, ...rest } = settings.reviewChannels ?? {};
		if (Object.keys(rest).length > 0) settings.reviewChannels = rest;
		else delete settings.reviewChannels;
	});
	return renderAdminNote(`Results made in <#${channel.id}> are posted at once again. Those already waiting in the review channel still wait for Approve or Reject.`);
};

export const reviewHandlers: Record<string, AdminHandler> = { on, off };
