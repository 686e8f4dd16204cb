import { randomUUID } from 'node:crypto';
import type { ButtonInteraction, Interaction, RepliableInteraction } from 'discord.js';
import { pressAgain } from '../commands/again.js';
import { pressAnimate, submitAnimate } from '../commands/animate.js';
import { pressCancel } from '../commands/cancel.js';
import { confirmDelete, keepResult, pressDelete } from '../commands/delete-result.js';
import { pressDecision, pressReport } from '../commands/report-result.js';
import { pressReview } from '../commands/review-result.js';
import type { Command, MessageCommand } from '../commands/command.js';
import { pressEdit, submitEdit } from '../commands/edit.js';
import { submitMakeVideo } from '../commands/make-video.js';
import { pressCancelStart, pressStart } from '../commands/start-button.js';
import type { BotContext } from '../context.js';
import { isStoreUnavailable } from '../services/store/store-unavailable.js';
import { UserError } from '../services/user-error.js';
import { parseForm, parseJobButton, parseModerationButton, parseStartButton, type ModerationAction } from './custom-ids.js';
import { renderInternalError, renderRefusal } from './render.js';
import { respond } from './respond.js';
import { resolveLocale } from '../i18n/index.js';

/**
 * Sends each interaction to its handler: slash commands and message commands by name, buttons and
 * forms by their custom id (which names the job or draft they act on). A refusal goes back
 * ephemerally; anything else is logged with a reference id.
 */
export function routeInteractions(commands: Command[], messageCommands: MessageCommand[], context: BotContext) {
	const byName = new Map(commands.map((command) => [command.data.name, command]));
	const messageByName = new Map(messageCommands.map((command) => [command.data.name, command]));
	return async (interaction: Interaction): Promise<void> => {
		if (interaction.isAutocomplete()) {
			const command = byName.get(interaction.commandName);
			await command?.autocomplete?.(interaction, context).catch((error: unknown) => context.logger.warn({ err: error }, 'autocomplete failed'));
			return;
		}
		const handler = handlerFor(interaction);
		if (!handler) return;
		try {
			await handler();
		} catch (error) {
			await answerError(interaction as RepliableInteraction, error, context);
		}
	};

	function handlerFor(interaction: Interaction): (() => Promise<void>) | undefined {
		if (interaction.isChatInputCommand()) {
			const command = byName.get(interaction.commandName);
			return command && (() => command.execute(interaction, context));
		}
		if (interaction.isMessageContextMenuCommand()) {
			const command = messageByName.get(interaction.commandName);
			return command && (() => command.execute(interaction, context));
		}
		if (interaction.isButton()) {
			const moderation = parseModerationButton(interaction.customId);
			if (moderation) return () => MODERATION_HANDLERS[moderation.action](interaction, moderation.jobId, context);
			const start = parseStartButton(interaction.customId);
			if (start) return () => (start.action === 'start' ? pressStart : pressCancelStart)(interaction, start.interactionId, context);
			const button = parseJobButton(interaction.customId);
			if (!button) return undefined;
			if (button.action === 'again') return () => pressAgain(interaction, button.jobId, context);
			if (button.action === 'cancel') return () => pressCancel(interaction, button.jobId, context);
			if (button.action === 'edit') return () => pressEdit(interaction, button.jobId, context);
			return () => pressAnimate(interaction, button.jobId, button.index ?? 1, context);
		}
		if (interaction.isModalSubmit()) {
			const form = parseForm(interaction.customId);
			if (!form) return undefined;
			if (form.kind === 'animate') return () => submitAnimate(interaction, form.key, form.index ?? 1, context);
			if (form.kind === 'edit') return () => submitEdit(interaction, form.key, context);
			return () => submitMakeVideo(interaction, form.key, context);
		}
		return undefined;
	}
}

/** Delete and Report under a result, their confirmation, the moderators' buttons in the audit channel, and Approve and Reject in the review channel. */
const MODERATION_HANDLERS: Record<ModerationAction, (interaction: ButtonInteraction, jobId: string, context: BotContext) => Promise<void>> = {
	delete: pressDelete,
	'delete-yes': confirmDelete,
	'delete-no': (interaction) => keepResult(interaction),
	report: pressReport,
	hide: (interaction, jobId, context) => pressDecision(interaction, 'hide', jobId, context),
	dismiss: (interaction, jobId, context) => pressDecision(interaction, 'dismiss', jobId, context),
	'mod-delete': (interaction, jobId, context) => pressDecision(interaction, 'delete', jobId, context),
	approve: (interaction, jobId, context) => pressReview(interaction, 'approve', jobId, context),
	reject: (interaction, jobId, context) => pressReview(interaction, 'reject', jobId, context),
};

async function answerError(interaction: RepliableInteraction, error: unknown, context: BotContext): Promise<void> {
	const what = interaction.isCommand() ? interaction.commandName : 'customId' in interaction ? interaction.customId : 'interaction';
	if (isStoreUnavailable(error)) {
		context.logger.warn({ err: error, command: what, userId: interaction.user.id }, 'the store did not answer; the member was asked to try again in a minute');
		error = new UserError('StoreUnavailable', 'refusal.storeUnavailable');
	}
	if (error instanceof UserError) {
		context.logger.info({ userId: interaction.user.id, command: what, refusal: error.identifier }, 'request refused');
		await respond(interaction, renderRefusal(error, resolveLocale(interaction.locale)), { ephemeral: true }).catch((replyError: unknown) => context.logger.warn({ err: replyError }, 'could not deliver a refusal'));
		return;
	}
	const referenceId = randomUUID().slice(0, 8);
	context.logger.error({ err: error, referenceId, command: what, userId: interaction.user.id }, 'command failed');
	await respond(interaction, renderInternalError(referenceId, resolveLocale(interaction.locale)), { ephemeral: true }).catch(() => {});
}
