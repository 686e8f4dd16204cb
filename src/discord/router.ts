import { randomUUID } from 'node:crypto';
import type { Interaction } from 'discord.js';
import type { Command } from '../commands/command.js';
import type { BotContext } from '../context.js';
import { UserError } from '../services/user-error.js';
import { renderInternalError, renderRefusal } from './render.js';
import { respond } from './respond.js';

/** Sends each interaction to its command; a refusal goes back ephemerally, anything else is logged with a reference id. */
export function routeInteractions(commands: Command[], context: BotContext) {
	const byName = new Map(commands.map((command) => [command.data.name, command]));
	return async (interaction: Interaction): Promise<void> => {
		if (interaction.isAutocomplete()) {
			const command = byName.get(interaction.commandName);
			await command?.autocomplete?.(interaction, context).catch((error: unknown) => context.logger.warn({ err: error }, 'autocomplete failed'));
			return;
		}
		if (!interaction.isChatInputCommand()) return;
		const command = byName.get(interaction.commandName);
		if (!command) return;
		try {
			await command.execute(interaction, context);
		} catch (error) {
			if (error instanceof UserError) {
				context.logger.info({ userId: interaction.user.id, command: interaction.commandName, refusal: error.identifier }, 'request refused');
				await respond(interaction, renderRefusal(error), { ephemeral: true }).catch((replyError: unknown) =>
					context.logger.warn({ err: replyError }, 'could not deliver a refusal'),
				);
				return;
			}
			const referenceId = randomUUID().slice(0, 8);
			context.logger.error({ err: error, referenceId, command: interaction.commandName, userId: interaction.user.id }, 'command failed');
			await respond(interaction, renderInternalError(referenceId), { ephemeral: true }).catch(() => {});
		}
	};
}
