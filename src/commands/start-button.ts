import { Routes, SnowflakeUtil, type ButtonInteraction } from 'discord.js';
import type { BotContext } from '../context.js';
import { TOKEN_LIFETIME_MS } from '../discord/reply-address.js';
import { NO_MENTIONS } from '../discord/respond.js';
import { resolveLocale, t, type Locale, type MessageKey } from '../i18n/index.js';
import type { PendingStart } from '../services/jobs/pending-starts.js';
import { UserError } from '../services/user-error.js';
import { acceptJob } from './accept.js';

/**
 * Whether the prompt's buttons have outlived the asking interaction's token: read from its id (a
 * snowflake carries its creation time), so any process, started whenever, decides alike.
 */
export function promptExpired(interactionId: string, now = Date.now()): boolean {
	return now - SnowflakeUtil.timestampFrom(interactionId) > TOKEN_LIFETIME_MS;
}

/**
 * **Start** on the cost prompt: the request kept for it starts now, exactly as if it were made now
 * (access, limits and quota checked at this moment; its message is this press's public reply, in
 * the channel it was asked in). One press takes the request; a second finds it gone. After the
 * token's life the prompt says it expired and nothing starts.
 */
export async function pressStart(interaction: ButtonInteraction, interactionId: string, context: BotContext): Promise<void> {
	if (promptExpired(interactionId)) return expire(interaction, interactionId, context);
	const claimed = await context.pendingStarts.claim(interactionId);
	if (!claimed) throw new UserError('StartGone', 'refusal.startGone');
	if (claimed.pending.userId !== interaction.user.id) {
		await claimed.done(false);
		throw new UserError('StartGone', 'refusal.startGone');
	}
	let started = false;
	try {
		await acceptJob(interaction, context, claimed.pending.request, { confirmed: true });
		started = true;
	} finally {
		await claimed.done(started).catch((error: unknown) => context.logger.warn({ err: error, interactionId }, 'could not settle a pending start'));
	}
	context.logger.info({ userId: interaction.user.id, estimate: claimed.pending.estimate }, 'the member confirmed the cost; the job started');
	await closePrompt(context, claimed.pending, 'cost.started', resolveLocale(interaction.locale));
}

/** **Cancel** on the cost prompt: the request is forgotten and the prompt says so, without buttons. */
export async function pressCancelStart(interaction: ButtonInteraction, interactionId: string, context: BotContext): Promise<void> {
	if (promptExpired(interactionId)) return expire(interaction, interactionId, context);
	const claimed = await context.pendingStarts.claim(interactionId);
	if (!claimed) throw new UserError('StartGone', 'refusal.startGone');
	await claimed.done(true);
	await interaction.update({ content: t(resolveLocale(interaction.locale), 'cost.cancelled'), components: [], allowedMentions: NO_MENTIONS });
}

/** A press after the token's life: the prompt (only its member sees it) says so and loses its buttons; the kept request goes. */
async function expire(interaction: ButtonInteraction, interactionId: string, context: BotContext): Promise<void> {
	await context.pendingStarts.delete(interactionId).catch(() => {});
	await interaction.update({ content: t(resolveLocale(interaction.locale), 'cost.expired'), components: [], allowedMentions: NO_MENTIONS });
}

/** Replaces the prompt (through the asking interaction's token, still alive) with a line that says what became of it. */
async function closePrompt(context: BotContext, pending: PendingStart, key: MessageKey, locale: Locale): Promise<void> {
	const { applicationId, credential } = pending.prompt;
	await context.interactionRest
		.patch(Routes.webhookMessage(applicationId, credential, '@original'), { body: { content: t(locale, key), components: [], allowed_mentions: NO_MENTIONS }, auth: false })
		.catch((error: unknown) => context.logger.warn({ err: error }, 'could not close the cost prompt'));
}
