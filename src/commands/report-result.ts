import type { ButtonInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { auditReport, DECISION_MARK, decisionLine } from '../discord/render-moderation.js';
import { resolveLocale, t } from '../i18n/index.js';
import { deferReply, NO_MENTIONS } from '../discord/respond.js';
import { resultPlace, setResultHidden } from '../discord/result-message.js';
import type { Decision } from '../services/moderation/reports.js';
import { UserError } from '../services/user-error.js';
import { isModerator, removeResult, resultJob } from './delete-result.js';

/**
 * **Report** under a result, for anyone but the requester: counted once per member (in the store,
 * shared by every process), posted to the audit channel with the moderators' buttons; at
 * `REPORTS_TO_HIDE` members the result's media turn into spoilers until a moderator decides.
 */
export async function pressReport(interaction: ButtonInteraction, jobId: string, context: BotContext): Promise<void> {
	const job = await resultJob(context, jobId);
	if (job.requester.userId === interaction.user.id) throw new UserError('OwnResult', 'refusal.reportOwn');
	if (!interaction.inGuild()) throw new UserError('NotInServer', 'refusal.reportNotHere');
	await deferReply(interaction, { ephemeral: true });
	const { added, count } = await context.reports.add(job.id, interaction.user.id);
	if (!added) {
		await interaction.editReply({ content: t(resolveLocale(interaction.locale), 'moderation.reportAgain'), allowedMentions: NO_MENTIONS });
		return;
	}
	let hidden = false;
	if (count >= context.config.REPORTS_TO_HIDE && (await context.reports.claimAutoHide(job.id))) {
		hidden = await setResultHidden(job, true, context).catch((error: unknown) => {
			context.logger.warn({ err: error, jobId }, 'could not hide a reported result');
			return false;
		});
	}
	context.logger.info({ jobId, userId: interaction.user.id, count, hidden }, 'result reported');
	context.audit.moderation(job.requester.guildId, auditReport(job, interaction.user.id, resultPlace(job)?.link, count, hidden));
	await interaction.editReply({ content: t(resolveLocale(interaction.locale), 'moderation.reportThanks'), allowedMentions: NO_MENTIONS });
}

/** **Hide**, **Delete** or **Dismiss** on a report in the audit channel: moderators only; the audit message notes who decided what. */
export async function pressDecision(interaction: ButtonInteraction, kind: Decision, jobId: string, context: BotContext): Promise<void> {
	if (!isModerator(interaction)) throw new UserError('NotModerator', 'refusal.moderatorOnly');
	const job = await resultJob(context, jobId);
	await interaction.deferUpdate();
	if (kind === 'delete') {
		if (!job.removed) await removeResult(job, interaction.user.id, true, context);
	} else if (!job.removed) {
		// Dismiss shows the media as made again, whether reports or a moderator hid it.
		await setResultHidden(job, kind === 'hide', context);
	}
	await context.reports.decide(job.id, kind, interaction.user.id);
	context.logger.info({ jobId, userId: interaction.user.id, decision: kind }, 'report decided');
	const base = interaction.message.content
		.split('\n')
		.filter((line) => !line.startsWith(DECISION_MARK))
		.join('\n');
	const components = kind === 'delete' ? [] : interaction.message.components.map((row) => row.toJSON());
	await interaction.editReply({ content: `${base}\n${decisionLine(kind, interaction.user.id)}`, components, allowedMentions: NO_MENTIONS });
}
