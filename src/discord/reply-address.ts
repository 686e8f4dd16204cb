import { PermissionFlagsBits, type ChatInputCommandInteraction, type MessageComponentInteraction, type ModalSubmitInteraction } from 'discord.js';
import type { ReplyAddress } from '../services/jobs/job.js';
import { MB } from '../services/text.js';
import { botAbsent } from './install-context.js';
import { audienceLocale, type Locale } from '../i18n/index.js';

/** Discord's default upload limit: for the rare interaction that does not state its own, and for DMs. */
export const DEFAULT_UPLOAD_LIMIT = 10 * MB;

/** An interaction token lives 15 minutes from the interaction's creation; stop trusting it a minute early. */
export const TOKEN_LIFETIME_MS = 14 * 60_000;

/**
 * Where a job's messages go, in Discord's terms: the interaction's reply while its token lives,
 * then the channel (bot token), then the requester's DMs. Stored inside the job record; only
 * `src/discord/` reads it.
 */
export interface InteractionAddress extends ReplyAddress {
	applicationId: string;
	interactionId: string;
	/** The interaction token: it dies 15 minutes after `interactionCreatedAt`, and is dropped from the record when the job is final. */
	credential?: string;
	/** When Discord created the interaction (from its snowflake). */
	interactionCreatedAt: number;
	userId: string;
	guildId: string | null;
	channelId: string | null;
	/** Largest upload the interaction allows, in bytes. */
	attachmentSizeLimit: number;
	/** The bot's permissions in the channel (`app_permissions`), as a decimal bit field. */
	appPermissions: string;
	/** The reply's message id, once Discord has told us (the first edit's answer). */
	messageId?: string;
	/** The bot is not in this place (a user install, a DM between users): its own token cannot post there, only the interaction can. */
	botAbsent?: boolean;
	/** The member's client language (`locale`), as Discord gave it: refusals and answers only they see. */
	locale?: string;
	/** The server's language (`guild_locale`), as Discord gave it: what others see (progress, the result). Absent outside servers. */
	guildLocale?: string;
}

type RepliedInteraction = ChatInputCommandInteraction | ModalSubmitInteraction | MessageComponentInteraction;

export function replyAddressOf(interaction: RepliedInteraction): InteractionAddress {
	return {
		applicationId: interaction.applicationId,
		interactionId: interaction.id,
		credential: interaction.token,
		interactionCreatedAt: interaction.createdTimestamp,
		userId: interaction.user.id,
		guildId: interaction.guildId,
		channelId: interaction.channelId,
		attachmentSizeLimit: interaction.attachmentSizeLimit ?? DEFAULT_UPLOAD_LIMIT,
		appPermissions: interaction.appPermissions.bitfield.toString(),
		...(botAbsent(interaction) && { botAbsent: true }),
		locale: interaction.locale,
		...(interaction.guildLocale && { guildLocale: interaction.guildLocale }),
	};
}

/**
 * The language of a job's messages, read from its record (a job is shown later, often by another
 * process): the server's, else the member's; a record from before languages reads the source.
 */
export function jobLocale(reply: ReplyAddress): Locale {
	return audienceLocale({ locale: typeof reply.locale === 'string' ? reply.locale : undefined, guildLocale: typeof reply.guildLocale === 'string' ? reply.guildLocale : undefined });
}

/** True while the reply can still be edited with the interaction token. */
export function tokenAlive(address: Pick<InteractionAddress, 'credential' | 'interactionCreatedAt'>, now = Date.now()): boolean {
	return Boolean(address.credential) && now - address.interactionCreatedAt <= TOKEN_LIFETIME_MS;
}

/** The link a member clicks to jump to a message (`@me` for DMs). */
export function messageLink(guildId: string | null | undefined, channelId: string, messageId: string): string {
	return `https://discord.com/channels/${guildId ?? '@me'}/${channelId}/${messageId}`;
}

/** Reads an address back from a job record. */
export function asInteractionAddress(reply: ReplyAddress): InteractionAddress {
	if (typeof reply.applicationId !== 'string' || typeof reply.userId !== 'string') throw new Error('job record has no Discord reply address');
	return reply as InteractionAddress;
}

/** What the bot needs in a channel to post a finished video there with its own token. */
export const CHANNEL_POST_PERMISSIONS = {
	'View Channel': PermissionFlagsBits.ViewChannel,
	'Send Messages': PermissionFlagsBits.SendMessages,
	'Attach Files': PermissionFlagsBits.AttachFiles,
	'Embed Links': PermissionFlagsBits.EmbedLinks,
} as const;

/** The names of the permissions the bot lacks for a channel post, from `app_permissions`. */
export function missingChannelPermissions(address: Pick<InteractionAddress, 'appPermissions'>): string[] {
	const have = BigInt(address.appPermissions || '0');
	return Object.entries(CHANNEL_POST_PERMISSIONS)
		.filter(([, bit]) => (have & bit) !== bit)
		.map(([name]) => name);
}
