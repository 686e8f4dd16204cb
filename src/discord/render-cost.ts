import { ButtonStyle, ComponentType, TimestampStyles, time, type APIActionRowComponent, type APIButtonComponent } from 'discord.js';
import { formatNumber, translator, type Locale } from '../i18n/index.js';
import { startButtonId } from './custom-ids.js';

/**
 * Cost before spending: the estimate as members read it, and the ephemeral prompt that holds a
 * request estimated above the server's `confirm_above` until its member presses Start.
 */

/** A cost: two decimals, no currency (prices are in whatever unit `MODEL_PRICES` uses), in the reader's way of writing numbers. */
export function formatCost(locale: Locale, cost: number): string {
	return formatNumber(locale, cost, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** The prompt: the estimate, the server's threshold, when the buttons stop working; Start and Cancel. */
export function costPrompt(
	interactionId: string,
	cost: { estimate: number; confirmAbove: number },
	expiresAt: Date,
	locale: Locale,
): { content: string; components: Array<APIActionRowComponent<APIButtonComponent>> } {
	const tr = translator(locale);
	const button = (action: 'start' | 'start-cancel', label: string, style: ButtonStyle.Primary | ButtonStyle.Secondary): APIButtonComponent => ({
		type: ComponentType.Button,
		style,
		label,
		custom_id: startButtonId(action, interactionId),
	});
	return {
		content: [
			tr('cost.ask', { cost: formatCost(locale, cost.estimate), limit: formatCost(locale, cost.confirmAbove) }),
			tr('cost.expires', { time: time(expiresAt, TimestampStyles.RelativeTime) }),
		].join('\n'),
		components: [{ type: ComponentType.ActionRow, components: [button('start', tr('button.start'), ButtonStyle.Primary), button('start-cancel', tr('button.cancel'), ButtonStyle.Secondary)] }],
	};
}
