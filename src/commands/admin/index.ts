import { MessageFlags, type AutocompleteInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { renderRefusal, type Rendered } from '../../discord/render.js';
import { deferReply, NO_MENTIONS } from '../../discord/respond.js';
import { clip } from '../../services/text.js';
import { UserError } from '../../services/user-error.js';
import type { Command } from '../command.js';
import { auditHandlers } from './audit-channel.js';
import { autocompleteBlocklist, blocklistHandlers } from './blocklist.js';
import { autocompleteDefaults, defaults } from './defaults.js';
import { adminData } from './definition.js';
import type { AdminHandler } from './handler.js';
import { limitsHandlers } from './limits.js';
import { adminGuildOf } from './permission.js';
import { reviewHandlers } from './review.js';
import { usage } from './usage.js';
import { whereHandlers } from './where.js';
import { resolveLocale } from '../../i18n/index.js';

/** Every subcommand by its path: `group/subcommand`, or `subcommand` at the top. */
export const ADMIN_HANDLERS: Record<string, AdminHandler> = {
	...prefixed('limits', limitsHandlers),
	usage,
	...prefixed('where', whereHandlers),
	defaults,
	...prefixed('blocklist', blocklistHandlers),
	...auditHandlers,
	...prefixed('review', reviewHandlers),
};

/** Subcommands that wait on Discord (registering the commands, a first audit or review post): deferred first. */
const DEFERRED = new Set(['where/access', 'audit-channel', 'review/on']);

function prefixed(group: string, handlers: Record<string, AdminHandler>): Record<string, AdminHandler> {
	return Object.fromEntries(Object.entries(handlers).map(([name, handler]) => [`${group}/${name}`, handler]));
}

function pathOf(interaction: ChatInputCommandInteraction | AutocompleteInteraction): string {
	const group = interaction.options.getSubcommandGroup(false);
	const sub = interaction.options.getSubcommand(true);
	return group ? `${group}/${sub}` : sub;
}

/**
 * `/relaydance-admin`: a server's settings, each change stored at once (they survive restarts).
 * Server-only, shown by default to members with Manage Server, and checked again on every run.
 * Every answer is ephemeral; mentions in it never ping.
 */
export const relaydanceAdmin = {
	data: adminData,
	serverOnly: true,
	async execute(interaction, context) {
		const guildId = adminGuildOf(interaction);
		const path = pathOf(interaction);
		const handler = ADMIN_HANDLERS[path];
		if (!handler) throw new UserError('BadSetting', 'refusal.unknownSubcommand');
		if (DEFERRED.has(path)) await deferReply(interaction, { ephemeral: true });
		let rendered: Rendered;
		try {
			rendered = await handler({ interaction, context, guildId });
		} catch (error) {
			// A deferred reply is answered by editing it (the router's follow-up would leave it "thinking").
			if (!(interaction.deferred && error instanceof UserError)) throw error;
			rendered = renderRefusal(error, resolveLocale(interaction.locale));
		}
		context.logger.info({ guildId, userId: interaction.user.id, subcommand: path }, 'admin command');
		await answer(interaction, rendered);
	},
	async autocomplete(interaction, context) {
		let guildId: string;
		try {
			guildId = adminGuildOf(interaction);
		} catch {
			return interaction.respond([]);
		}
		const path = pathOf(interaction);
		if (path === 'defaults') return autocompleteDefaults(interaction, context);
		if (path === 'blocklist/remove') return autocompleteBlocklist(interaction, context, guildId);
		return interaction.respond([]);
	},
} satisfies Command & { serverOnly: true };

/** Ephemeral, whether or not the reply was deferred (a deferred one was deferred ephemeral). */
async function answer(interaction: ChatInputCommandInteraction, rendered: Rendered): Promise<void> {
	const payload = { content: clip(rendered.content ?? '', 2000) || undefined, embeds: rendered.embeds ?? [], allowedMentions: NO_MENTIONS };
	if (interaction.deferred || interaction.replied) await interaction.editReply(payload);
	else await interaction.reply({ ...payload, flags: MessageFlags.Ephemeral });
}
