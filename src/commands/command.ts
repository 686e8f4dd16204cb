import type {
	AutocompleteInteraction,
	ChatInputCommandInteraction,
	MessageContextMenuCommandInteraction,
	RESTPostAPIChatInputApplicationCommandsJSONBody,
	RESTPostAPIContextMenuApplicationCommandsJSONBody,
} from 'discord.js';
import type { BotContext } from '../context.js';

/** One slash command: its definition for `npm run register`, and its handlers. */
export interface Command {
	data: { name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
	execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void>;
	autocomplete?(interaction: AutocompleteInteraction, context: BotContext): Promise<void>;
	/** Registered server-only whatever the bot-wide access settings (`/relaydance-admin`); see `registrationBodies`. */
	serverOnly?: boolean;
}

/** One message context-menu command (right-click a message → Apps). */
export interface MessageCommand {
	data: { name: string; toJSON(): RESTPostAPIContextMenuApplicationCommandsJSONBody };
	execute(interaction: MessageContextMenuCommandInteraction, context: BotContext): Promise<void>;
}
