import type { APIChannel, APIGuildMember, APIInteractionDataResolvedChannel, APIInteractionDataResolvedGuildMember, APIRole, ChannelFlags, GuildMemberFlags, RoleFlags } from 'discord.js';
import { botUser, memberUser, snowflake, type StandInWorld } from './payloads.js';

/** What @everyone may do in every stand-in guild: a plain member's permissions (no Manage Server, no Administrator). */
export const EVERYONE_PERMISSIONS = '2248473465835073';
const ADMINISTRATOR = 1n << 3n;
/** Every permission bit Discord defines today (what Administrator amounts to). */
const ALL_PERMISSIONS = (1n << 53n) - 1n;

export interface StandInRole {
	id: string;
	name: string;
	/** Decimal bit field. */
	permissions: string;
	position: number;
}

export interface StandInChannel {
	id: string;
	guildId: string;
	name: string;
	position: number;
}

/** A member the stand-in has seen in a guild: who used an interaction there, with which roles. */
export interface StandInMember {
	userId: string;
	roles: string[];
	joinedAt: string;
}

export interface StandInGuild {
	id: string;
	name: string;
	/** Text channels, in position order. */
	channels: StandInChannel[];
	/** `@everyone` (id = the guild's id) first, then the roles added, lowest position first. */
	roles: StandInRole[];
	members: Map<string, StandInMember>;
	joinedAt: string;
}

/**
 * The guilds the bot is in, with their text channels, roles and the members seen so far.
 * Shapes follow the spec's `GuildRoleResponse`, `GuildChannelResponse` and `GuildMemberResponse`.
 */
export class StandInGuilds {
	readonly byId = new Map<string, StandInGuild>();
	/** Every guild text channel's id: posts with the bot token are accepted in these. */
	readonly channelIds = new Set<string>();
	private readonly guildOfChannel = new Map<string, string>();

	constructor(private readonly world: StandInWorld) {
		this.add({ id: world.guildId, name: 'Stand-in Guild', channelNames: [], roles: [] });
		this.addChannel(world.guildId, 'generate', world.channelId);
	}

	/** A new guild with `@everyone`, the given roles and text channels (`general`, `channel-2`, …). */
	add(options: { id?: string; name?: string; channelNames: string[]; roles: Array<{ name: string; permissions?: string | bigint }> }): StandInGuild {
		const id = options.id ?? snowflake();
		const guild: StandInGuild = {
			id,
			name: options.name ?? `Stand-in Guild ${this.byId.size + 1}`,
			channels: [],
			roles: [{ id, name: '@everyone', permissions: EVERYONE_PERMISSIONS, position: 0 }],
			members: new Map(),
			joinedAt: new Date().toISOString(),
		};
		this.byId.set(id, guild);
		for (const name of options.channelNames) this.addChannel(id, name);
		for (const role of options.roles) this.addRole(id, role.name, role.permissions);
		return guild;
	}

	get(guildId: string): StandInGuild | undefined {
		return this.byId.get(guildId);
	}

	/** The guild, or a clear error naming what the test asked for. */
	require(guildId: string): StandInGuild {
		const guild = this.byId.get(guildId);
		if (!guild) throw new Error(`stand-in: no guild ${guildId} (the bot is in ${[...this.byId.keys()].join(', ')}; addGuild makes another)`);
		return guild;
	}

	addChannel(guildId: string, name?: string, id = snowflake()): StandInChannel {
		const guild = this.require(guildId);
		const channel: StandInChannel = { id, guildId, name: name ?? (guild.channels.length === 0 ? 'general' : `channel-${guild.channels.length + 1}`), position: guild.channels.length };
		guild.channels.push(channel);
		this.channelIds.add(id);
		this.guildOfChannel.set(id, guildId);
		return channel;
	}

	addRole(guildId: string, name: string, permissions: string | bigint = '0'): StandInRole {
		const guild = this.require(guildId);
		const role: StandInRole = { id: snowflake(), name, permissions: String(permissions), position: guild.roles.length };
		guild.roles.push(role);
		return role;
	}

	channel(channelId: string): StandInChannel | undefined {
		const guild = this.byId.get(this.guildOfChannel.get(channelId) ?? '');
		return guild?.channels.find((channel) => channel.id === channelId);
	}

	/** The role `roleId` of any guild. */
	role(roleId: string): StandInRole | undefined {
		for (const guild of this.byId.values()) {
			const role = guild.roles.find((candidate) => candidate.id === roleId);
			if (role) return role;
		}
		return undefined;
	}

	/** Records `userId` as a member of `guildId`, with `roles` when given (else the roles it had, or none). */
	seeMember(guildId: string, userId: string, roles?: readonly string[]): StandInMember {
		const guild = this.byId.get(guildId);
		const known = guild?.members.get(userId);
		const member: StandInMember = { userId, roles: [...(roles ?? known?.roles ?? [])], joinedAt: known?.joinedAt ?? new Date().toISOString() };
		guild?.members.set(userId, member);
		return member;
	}

	/**
	 * What Discord computes as a member's permissions in a channel with no overwrites: @everyone's
	 * and each of its roles' together, every permission with Administrator. Unknown role ids add nothing.
	 */
	permissionsOf(guildId: string | undefined, roles: readonly string[]): string {
		const guild = guildId ? this.byId.get(guildId) : undefined;
		let bits = BigInt(guild?.roles[0]?.permissions ?? EVERYONE_PERMISSIONS);
		for (const roleId of roles) bits |= BigInt(guild?.roles.find((role) => role.id === roleId)?.permissions ?? '0');
		return String(bits & ADMINISTRATOR ? ALL_PERMISSIONS : bits);
	}

	rolePayload(role: StandInRole) {
		return {
			id: role.id,
			name: role.name,
			permissions: role.permissions,
			position: role.position,
			color: 0,
			colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
			hoist: false,
			icon: null,
			unicode_emoji: null,
			managed: false,
			mentionable: false,
			flags: 0 as RoleFlags,
		} satisfies APIRole;
	}

	channelPayload(channel: StandInChannel) {
		return {
			id: channel.id,
			type: 0,
			guild_id: channel.guildId,
			name: channel.name,
			position: channel.position,
			permission_overwrites: [],
			nsfw: false,
			topic: null,
			last_message_id: null,
			rate_limit_per_user: 0,
			parent_id: null,
			flags: 0 as ChannelFlags,
		} satisfies APIChannel;
	}

	/** A channel as `data.resolved.channels` carries it: with the invoking member's `permissions` there. */
	resolvedChannel(channel: StandInChannel, permissions: string) {
		const { permission_overwrites: _overwrites, ...rest } = this.channelPayload(channel);
		return { ...rest, permissions } satisfies APIInteractionDataResolvedChannel;
	}

	/** `GuildMemberResponse`. */
	memberPayload(member: StandInMember, user: object = memberUser(member.userId)) {
		return {
			user,
			roles: member.roles,
			joined_at: member.joinedAt,
			nick: null,
			avatar: null,
			banner: null,
			premium_since: null,
			communication_disabled_until: null,
			pending: false,
			flags: 0 as GuildMemberFlags,
			deaf: false,
			mute: false,
		} satisfies Omit<APIGuildMember, 'user'> & { user: object };
	}

	/** A member as `data.resolved.members` carries it: no `user`, `deaf` or `mute`; with `permissions`. */
	resolvedMember(member: StandInMember, permissions: string) {
		const { user: _user, deaf: _deaf, mute: _mute, ...rest } = this.memberPayload(member);
		return { ...rest, permissions } satisfies APIInteractionDataResolvedGuildMember;
	}

	/** GUILD_CREATE's payload: the guild with its channels, roles and the bot's own member. */
	payload(guildId: string) {
		const guild = this.require(guildId);
		const bot: StandInMember = { userId: this.world.botUserId, roles: [], joinedAt: guild.joinedAt };
		return {
			id: guild.id,
			name: guild.name,
			icon: null,
			owner_id: this.world.botUserId,
			afk_timeout: 300,
			verification_level: 0,
			default_message_notifications: 0,
			explicit_content_filter: 0,
			features: [],
			mfa_level: 0,
			premium_tier: 0,
			preferred_locale: 'en-US',
			nsfw_level: 0,
			roles: guild.roles.map((role) => this.rolePayload(role)),
			emojis: [],
			stickers: [],
			channels: guild.channels.map((channel) => this.channelPayload(channel)),
			threads: [],
			members: [this.memberPayload(bot, botUser(this.world))],
			presences: [],
			voice_states: [],
			stage_instances: [],
			guild_scheduled_events: [],
			member_count: 2 + guild.members.size,
			large: false,
			unavailable: false,
			joined_at: guild.joinedAt,
		};
	}
}
