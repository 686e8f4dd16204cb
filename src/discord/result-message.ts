import { DiscordAPIError, MessageFlags, RESTJSONErrorCodes, Routes, type APIMessage } from 'discord.js';
import type { BotContext } from '../context.js';
import type { Job } from '../services/jobs/job.js';
import { asInteractionAddress, tokenAlive } from './reply-address.js';
import { NO_MENTIONS } from './respond.js';

/** Where a job's result message is, read from its link (`result.messageUrl`). */
export interface ResultPlace {
	channelId: string;
	messageId: string;
	/** The link itself, for the audit channel. */
	link: string;
}

const MESSAGE_LINK = /\/channels\/(?:\d+|@me)\/(\d+)\/(\d+)$/;

export function resultPlace(job: Job): ResultPlace | undefined {
	const link = job.result?.messageUrl;
	const match = link ? MESSAGE_LINK.exec(link) : null;
	return match && link ? { channelId: match[1]!, messageId: match[2]!, link } : undefined;
}

/**
 * How the bot reaches the result: through the interaction webhook while the reply is the result and
 * its token lives (a job this process still holds keeps the token; a final record drops it), else
 * with the bot token, except where the bot is not (a user install), which only the webhook reaches.
 */
function routeTo(job: Job, place: ResultPlace, context: BotContext): { route: `/${string}`; rest: BotContext['rest']; auth: boolean } | undefined {
	const address = asInteractionAddress(job.reply);
	if (address.messageId === place.messageId && tokenAlive(address)) {
		return { route: Routes.webhookMessage(address.applicationId, address.credential!, '@original'), rest: context.interactionRest, auth: false };
	}
	if (address.botAbsent && place.channelId === address.channelId) return undefined;
	return { route: Routes.channelMessage(place.channelId, place.messageId), rest: context.rest, auth: true };
}

/** Deletes the result message: `deleted`, `gone` (it was already), or `unreachable` (the bot cannot reach it any more). */
export async function deleteResultMessage(job: Job, context: BotContext): Promise<'deleted' | 'gone' | 'unreachable'> {
	const place = resultPlace(job);
	if (!place) return 'gone';
	const target = routeTo(job, place, context);
	if (!target) return 'unreachable';
	try {
		await target.rest.delete(target.route, { auth: target.auth });
		return 'deleted';
	} catch (error) {
		if (isUnknownMessage(error)) return 'gone';
		throw error;
	}
}

/**
 * Shows the result's media as spoilers (`hidden`) or as made: the message is read as it stands and
 * written back with each media gallery item's `spoiler` set, its files kept. Answers false when the
 * message is gone or out of reach.
 */
export async function setResultHidden(job: Job, hidden: boolean, context: BotContext): Promise<boolean> {
	const place = resultPlace(job);
	const target = place && routeTo(job, place, context);
	if (!target) return false;
	try {
		const message = (await target.rest.get(target.route, { auth: target.auth })) as APIMessage;
		const names = new Map((message.attachments ?? []).flatMap((file) => [file.url, file.proxy_url].map((url) => [withoutQuery(url), file.filename] as const)));
		const components = (message.components ?? []).map((component) => withSpoiler(component as unknown as Component, hidden, names));
		await target.rest.patch(target.route, { auth: target.auth, body: { flags: MessageFlags.IsComponentsV2, components, allowed_mentions: NO_MENTIONS } });
		return true;
	} catch (error) {
		if (isUnknownMessage(error)) return false;
		throw error;
	}
}

type Component = Record<string, unknown>;

/**
 * A component as a request takes it back: `null` fields dropped, and each media gallery item
 * pointing at its file again (`attachment://name`; Discord answers with the file's CDN link) with `spoiler` set.
 */
function withSpoiler(component: Component, hidden: boolean, names: Map<string, string>): Component {
	const copy: Component = {};
	for (const [key, value] of Object.entries(component)) if (value !== null) copy[key] = value;
	if (copy.type === 12 && Array.isArray(copy.items)) {
		copy.items = (copy.items as Array<{ media: { url: string }; description?: string | null }>).map((item) => {
			const name = names.get(withoutQuery(item.media.url));
			return { media: { url: name ? `attachment://${name}` : item.media.url }, ...(item.description && { description: item.description }), spoiler: hidden };
		});
	}
	if (Array.isArray(copy.components)) copy.components = (copy.components as Component[]).map((child) => withSpoiler(child, hidden, names));
	return copy;
}

function withoutQuery(url: string): string {
	return url.split('?')[0]!;
}

function isUnknownMessage(error: unknown): boolean {
	return error instanceof DiscordAPIError && (error.code === RESTJSONErrorCodes.UnknownMessage || error.code === RESTJSONErrorCodes.UnknownWebhook);
}
