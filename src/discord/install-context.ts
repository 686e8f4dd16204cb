import { InteractionContextType, type ChatInputCommandInteraction, type MessageComponentInteraction, type MessageContextMenuCommandInteraction, type ModalSubmitInteraction } from 'discord.js';

type AskingInteraction = ChatInputCommandInteraction | MessageComponentInteraction | ModalSubmitInteraction | MessageContextMenuCommandInteraction;

/** True when the app runs here only as a user install (the server has not added the bot). */
export function userInstalledOnly(interaction: AskingInteraction): boolean {
	const owners = interaction.authorizingIntegrationOwners;
	return Boolean(interaction.guildId) && Boolean(owners) && !owners.guildId && Boolean(owners.userId);
}

/**
 * True when the bot itself is not where the interaction happened: a server that has not added it
 * (the app is installed to the member's account), or a DM between users. It can answer there only
 * through the interaction, for 15 minutes; its own token posts nothing there (Discord: 50001).
 */
export function botAbsent(interaction: AskingInteraction): boolean {
	return userInstalledOnly(interaction) || interaction.context === InteractionContextType.PrivateChannel;
}
