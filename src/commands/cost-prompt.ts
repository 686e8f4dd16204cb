import { MessageFlags } from 'discord.js';
import type { BotContext } from '../context.js';
import { costPrompt } from '../discord/render-cost.js';
import { TOKEN_LIFETIME_MS } from '../discord/reply-address.js';
import { NO_MENTIONS } from '../discord/respond.js';
import { resolveLocale } from '../i18n/index.js';
import type { JobRequest } from '../services/jobs/cost.js';
import { firstResponses } from '../services/jobs/first-responses.js';
import type { StartingInteraction } from './accept.js';

/**
 * Holds a request estimated above the server's `confirm_above`: nothing is reserved or sent. The
 * request is kept in the store under the interaction's id until its token dies (so Start works on
 * any process, after a restart too), and the member is asked, ephemerally, to Start or Cancel it.
 */
export async function askToStart(interaction: StartingInteraction, context: BotContext, request: JobRequest, cost: { estimate: number; confirmAbove: number }): Promise<void> {
	const createdAt = interaction.createdTimestamp;
	const expiresAt = createdAt + TOKEN_LIFETIME_MS;
	await context.pendingStarts.put(interaction.id, {
		userId: interaction.user.id,
		request,
		estimate: cost.estimate,
		prompt: { applicationId: interaction.applicationId, credential: interaction.token, createdAt },
		expiresAt,
	});
	const prompt = costPrompt(interaction.id, cost, new Date(expiresAt), resolveLocale(interaction.locale));
	try {
		await firstResponses.send(() => interaction.reply({ ...prompt, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS }));
	} catch (error) {
		await context.pendingStarts.delete(interaction.id).catch(() => {});
		throw error;
	}
	context.logger.info({ userId: interaction.user.id, kind: request.kind, model: request.plan.model, estimate: cost.estimate, confirmAbove: cost.confirmAbove }, 'request waits for the member to confirm its cost');
}
