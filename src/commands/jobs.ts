import { botServerId } from './access.js';
import { SlashCommandBuilder } from 'discord.js';
import { renderJobList } from '../discord/render-jobs.js';
import { respond } from '../discord/respond.js';
import type { Command } from './command.js';

/** `/jobs`: the member's recent jobs here, read from the store (so they survive restarts), shown only to them. */
export const jobs = {
	data: new SlashCommandBuilder().setName('jobs').setDescription('Your recent videos in this server: where each one is, or what went wrong'),
	async execute(interaction, context) {
		const recent = await context.jobs.recent(interaction.user.id, botServerId(interaction), (jobId) => context.dispatch.find(jobId));
		await respond(interaction, renderJobList(recent), { ephemeral: true });
	},
} satisfies Command;
