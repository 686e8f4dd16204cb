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

export function guildPayload(world: StandInWorld) {
	return {
		id: world.guildId,
		name: 'Stand-in Guild',
		icon: null,
		owner_id: world.botUserId,
		afk_timeout: 300,
		verification_level: 0,
		default_message_notifications: 0,
		explicit_content_filter: 0,
		features: [],
		mfa_level: 0,
		premium_tier: 0,
		preferred_locale: 'en-US',
		nsfw_level: 0,
		roles: [{ id: world.guildId, name: '@everyone', permissions: '2248473465835073', position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 }],
		emojis: [],
		stickers: [],
		channels: [{ id: world.channelId, type: 0, guild_id: world.guildId, name: 'generate', position: 0, permission_overwrites: [], nsfw: false, topic: null }],
		threads: [],
		members: [],
		presences: [],
		voice_states: [],
		stage_instances: [],
		guild_scheduled_events: [],
		member_count: 2,
		large: false,
		unavailable: false,
		joined_at: new Date().toISOString(),
	};
}

/** Permissions the bot has in the channel: view, send, embed, attach, read history. */
export const APP_PERMISSIONS = String((1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 15n) | (1n << 16n));

/**
 * INTERACTION_CREATE's payload for an interaction by `userId` in the world's channel (or in
 * `channelId`), where the bot has `permissions`. With `dm`, it happens in the user's DM with the
 * bot: no guild, `user` instead of `member`. `message` is the message a component is on.
 */
export function interactionPayload(
	world: StandInWorld,
	interaction: { id: string; token: string; type: number; data: object; userId: string; permissions: string; attachmentSizeLimit: number; channelId?: string; dm?: boolean; message?: object },
) {
	const channelId = interaction.channelId ?? world.channelId;
	const user = memberUser(interaction.userId);
	const place = interaction.dm
		? {
				channel_id: channelId,
				channel: { id: channelId, type: 1, flags: 0, last_message_id: null, recipients: [user] },
				user,
				authorizing_integration_owners: { '0': '0' },
				context: 1,
			}
		: {
				guild_id: world.guildId,
				guild: { id: world.guildId, locale: 'en-US', features: [] },
				channel_id: channelId,
				channel: { id: channelId, type: 0, guild_id: world.guildId, name: 'generate', permissions: interaction.permissions, flags: 0 },
				member: { user, roles: [], permissions: '2248473465835073', joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0, pending: false, nick: null, avatar: null },
				guild_locale: 'en-US',
				authorizing_integration_owners: { '0': world.guildId },
				context: 0,
			};
	return {
		id: interaction.id,
		application_id: world.applicationId,
		type: interaction.type,
		token: interaction.token,
		version: 1,
		data: interaction.data,
		...place,
		...(interaction.message && { message: interaction.message }),
		app_permissions: interaction.permissions,
		locale: 'en-US',
		entitlements: [],
		attachment_size_limit: interaction.attachmentSizeLimit,
	};
}
