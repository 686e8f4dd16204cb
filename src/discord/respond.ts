import { DiscordAPIError, MessageFlags, RESTJSONErrorCodes, type APIAllowedMentions, type RepliableInteraction, type RESTPatchAPIWebhookWithTokenMessageJSONBody } from 'discord.js';
import { clip } from '../services/text.js';
import type { Rendered } from './render.js';

/** No message of this bot pings anyone, whatever the prompt says (`@everyone`, `<@&role>`). */
export const NO_MENTIONS: APIAllowedMentions = { parse: [] };

/**
 * Answers an interaction, whatever state it is in: a fresh one gets a reply, a deferred one an
 * edit, and an ephemeral answer to a deferred one a follow-up. Mentions are always blocked.
 */
export async function respond(interaction: RepliableInteraction, rendered: Rendered, options: { ephemeral: boolean }): Promise<void> {
	const payload = { content: clip(rendered.content ?? '', 2000) || undefined, embeds: rendered.embeds ?? [], allowedMentions: NO_MENTIONS };
	if (!interaction.deferred && !interaction.replied) {
		await interaction.reply({ ...payload, flags: options.ephemeral ? MessageFlags.Ephemeral : undefined });
	} else if (options.ephemeral) {
		await interaction.followUp({ ...payload, flags: MessageFlags.Ephemeral });
	} else {
		await interaction.editReply(payload);
	}
}

/**
 * Defers the reply (Discord's "thinking…"), and counts "already acknowledged" as deferred: Discord
 * can take the callback and still answer it with a 5xx (from its edge), and the REST client's retry
 * then gets 400 `40060`. The interaction is answered, the reply exists; throwing would drop a job
 * whose member waits on it. The interaction is marked deferred (discord.js marks it only on success),
 * so every later answer edits the reply instead of trying a second callback.
 */
export async function deferReply(interaction: Pick<RepliableInteraction, 'deferReply' | 'deferred' | 'ephemeral'>, options: { ephemeral?: boolean } = {}): Promise<void> {
	const ephemeral = options.ephemeral ?? false;
	try {
		await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
	} catch (error) {
		if (!(error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged)) throw error;
		interaction.deferred = true;
		interaction.ephemeral = ephemeral;
	}
}
