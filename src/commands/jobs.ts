import { botServerId } from './access.js';
import { resolveLocale } from '../i18n/index.js';
import { SlashCommandBuilder } from 'discord.js';
import { renderJobList } from '../discord/render-jobs.js';
import { respond } from '../discord/respond.js';
import type { Command } from './command.js';
import { localizations, SOURCE_LOCALE, t, type MessageKey, type Params } from '../i18n/index.js';

/** A description in the source locale (the one Discord shows where it has no localization). */
const en = (key: MessageKey, params?: Params) => t(SOURCE_LOCALE, key, params);

/** `/jobs`: the member's recent jobs here, read from the store (so they survive restarts), shown only to them. */
export const jobs = {
	data: new SlashCommandBuilder().setName('jobs').setDescription(en('cmd.jobs')).setDescriptionLocalizations(localizations('cmd.jobs')),
	async execute(interaction, context) {
		const recent = await context.jobs.recent(interaction.user.id, botServerId(interaction), (jobId) => context.dispatch.find(jobId));
		await respond(interaction, renderJobList(recent, Date.now(), resolveLocale(interaction.locale)), { ephemeral: true });
	},
} satisfies Command;
