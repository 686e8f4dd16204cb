import type { AutocompleteInteraction, ChatInputCommandInteraction, RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { BotContext } from '../context.js';

/** One slash command: its definition for `npm run register`, and its handlers. */
export interface Command {
	data: { name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
	execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<void>;
	autocomplete?(interaction: AutocompleteInteraction, context: BotContext): Promise<void>;
}
