import { randomBytes } from 'node:crypto';

const DISCORD_EPOCH = 1_420_070_400_000n;
let increment = 0n;

/** A real snowflake: milliseconds since Discord's epoch, shifted, with a counter. */
export function snowflake(at = Date.now()): string {
	increment = (increment + 1n) & 0xfffn;
	return (((BigInt(at) - DISCORD_EPOCH) << 22n) | (1n << 17n) | increment).toString();
}

/** When a snowflake was made, in ms since the epoch. */
export function snowflakeTime(id: string): number {
	return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

export function interactionToken(): string {
	return `aW50ZXJhY3Rpb246${randomBytes(48).toString('base64url')}`;
}

export interface StandInWorld {
	applicationId: string;
	botUserId: string;
	guildId: string;
	channelId: string;
}

export function botUser(world: StandInWorld) {
	return { id: world.botUserId, username: 'RelayDance', discriminator: '0', global_name: 'RelayDance', avatar: null, bot: true, flags: 0, public_flags: 0, primary_guild: null };
}

export function memberUser(userId: string) {
	return { id: userId, username: `user${userId.slice(-4)}`, discriminator: '0', global_name: `User ${userId.slice(-4)}`, avatar: null, public_flags: 0, flags: 0, primary_guild: null };
}

/** Permissions the bot has in the channel: view, send, embed, attach, read history. */
export const APP_PERMISSIONS = String((1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 15n) | (1n << 16n));

/** Permissions Discord documents for an app in a (group) DM with other users: attach, embed, mention everyone. */
export const PRIVATE_CHANNEL_APP_PERMISSIONS = String((1n << 14n) | (1n << 15n) | (1n << 17n));
/** In a DM with the app's bot user Discord adds Use External Emojis; the bot also views, sends and reads history there. */
export const BOT_DM_APP_PERMISSIONS = String(BigInt(APP_PERMISSIONS) | BigInt(PRIVATE_CHANNEL_APP_PERMISSIONS) | (1n << 18n));

/**
 * Where an interaction happens. In a guild (the bot's, or one only the user installed the app in):
 * `guildId`, the channel object, and the member's roles and permissions. Outside one: a DM with
 * the bot (`context` 1) or a (group) DM between users (`context` 2), with `user` instead of `member`.
 */
export interface InteractionPlace {
	guildId?: string;
	/** The channel object sent as `channel`, without `permissions` (the app's are added). */
	channel: { id: string; type: number } & Record<string, unknown>;
	member?: { roles: string[]; permissions: string; joinedAt: string };
	owners: Record<string, string>;
	context: 0 | 1 | 2;
}

/**
 * INTERACTION_CREATE's payload for an interaction by `userId` at `place`, where the app has
 * `permissions`. `message` is the message a component is on.
 */
export function interactionPayload(
	world: StandInWorld,
	interaction: { id: string; token: string; type: number; data: object; userId: string; permissions: string; attachmentSizeLimit: number; place: InteractionPlace; message?: object; locale?: string; guildLocale?: string },
) {
	const { place } = interaction;
	const user = memberUser(interaction.userId);
	const where = place.guildId
		? {
				guild_id: place.guildId,
				guild: { id: place.guildId, locale: interaction.guildLocale ?? 'en-US', features: [] },
				channel_id: place.channel.id,
				channel: { ...place.channel, permissions: interaction.permissions },
				member: {
					user,
					roles: place.member?.roles ?? [],
					permissions: place.member?.permissions ?? '0',
					joined_at: place.member?.joinedAt ?? new Date().toISOString(),
					deaf: false,
					mute: false,
					flags: 0,
					pending: false,
					nick: null,
					avatar: null,
					premium_since: null,
					communication_disabled_until: null,
				},
				guild_locale: interaction.guildLocale ?? 'en-US',
			}
		: {
				channel_id: place.channel.id,
				channel: { recipients: [user], ...place.channel },
				user,
			};
	return {
		id: interaction.id,
		application_id: world.applicationId,
		type: interaction.type,
		token: interaction.token,
		version: 1,
		data: interaction.data,
		...where,
		authorizing_integration_owners: place.owners,
		context: place.context,
		...(interaction.message && { message: interaction.message }),
		app_permissions: interaction.permissions,
		locale: interaction.locale ?? 'en-US',
		entitlements: [],
		attachment_size_limit: interaction.attachmentSizeLimit,
	};
}
