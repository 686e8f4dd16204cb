import { once } from 'node:events';
import {
	ApplicationIntegrationType,
	ButtonStyle,
	ChannelType,
	Client,
	ComponentType,
	DiscordAPIError,
	GatewayIntentBits,
	InteractionContextType,
	PermissionFlagsBits,
	Routes,
	SlashCommandBuilder,
	type Guild,
	type Interaction,
	type TextChannel,
} from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { snowflake } from '../../stand-ins/discord/payloads.js';
import {
	EVERYONE_PERMISSIONS,
	channelOption,
	mentionableOption,
	numberOption,
	roleOption,
	startDiscordStandIn,
	userOption,
	type DiscordStandIn,
} from '../../stand-ins/discord/stand-in.js';

let discord: DiscordStandIn;
let client: Client;
/** A second guild the bot is in from the start: two channels, a plain role and a managers' role. */
let second: Awaited<ReturnType<DiscordStandIn['addGuild']>>;
/** What the bot does with the next interaction; each test sets it. */
let answer: ((interaction: Interaction) => Promise<void>) | undefined;
const failures: unknown[] = [];

beforeAll(async () => {
	discord = await startDiscordStandIn();
	second = await discord.addGuild({
		name: 'Second Server',
		channels: 2,
		roles: [{ name: 'Creators' }, { name: 'Managers', permissions: PermissionFlagsBits.ManageGuild }],
	});
	client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl }, allowedMentions: { parse: [] } });
	client.on('interactionCreate', (interaction) => {
		const handler = answer;
		answer = undefined;
		handler?.(interaction).catch((error: unknown) => failures.push(error));
	});
	await Promise.all([new Promise((resolve) => client.once('clientReady', resolve)), client.login(discord.botToken)]);
});
afterAll(async () => {
	await client?.destroy();
	await discord?.close();
});
afterEach(() => {
	answer = undefined;
	const failed = failures.splice(0);
	const violations = discord.violations.splice(0);
	expect(failed).toEqual([]);
	expect(violations).toEqual([]);
});

/** The bot's next interaction: `handle` runs on it (and may answer it); resolves with what `handle` returned. */
function nextInteraction<T>(handle: (interaction: Interaction) => Promise<T>): Promise<T> {
	return new Promise((resolve, reject) => {
		answer = async (interaction) => {
			try {
				resolve(await handle(interaction));
			} catch (error) {
				reject(error);
			}
		};
	});
}

/** Runs `read` on the next interaction, answers it with an ephemeral "ok", and gives what `read` saw. */
async function seen<T>(read: (interaction: Interaction) => T, send: () => Promise<unknown>): Promise<T> {
	const result = nextInteraction(async (interaction) => {
		const value = read(interaction);
		if (interaction.isRepliable()) await interaction.reply({ content: 'ok', flags: 64 });
		return value;
	});
	await send();
	return result;
}

describe('several guilds', () => {
	it('sends the bot every guild at login, with its channels and roles cached', () => {
		const guild = client.guilds.cache.get(second.guildId);
		expect(guild?.name).toBe('Second Server');
		expect(guild?.channels.cache.map((channel) => channel.name)).toEqual(['general', 'channel-2']);
		expect(guild?.roles.cache.get(second.roleIds.Managers!)?.permissions.has(PermissionFlagsBits.ManageGuild)).toBe(true);
		expect(guild?.members.me?.id).toBe(client.user?.id);
		expect(client.guilds.cache.get(discord.world.guildId)?.channels.cache.has(discord.world.channelId)).toBe(true);
	});

	it('delivers an interaction in a second guild channel with that guild and channel', async () => {
		const channelId = second.channelIds[1]!;
		const where = await seen(
			(interaction) => ({ guildId: interaction.guildId, guildName: interaction.guild?.name, channelId: interaction.channelId, channelName: (interaction.channel as TextChannel | null)?.name }),
			() => discord.invoke('video', { prompt: 'a cat' }, { guildId: second.guildId, channelId }),
		);
		expect(where).toEqual({ guildId: second.guildId, guildName: 'Second Server', channelId, channelName: 'channel-2' });
	});

	it("defaults to the guild's first channel when only guildId is given, and records the reply there", async () => {
		const replied = nextInteraction(async (interaction) => {
			if (interaction.isRepliable()) await interaction.reply('done');
			return interaction.channelId;
		});
		const handle = await discord.invoke('video', { prompt: 'a dog' }, { guildId: second.guildId });
		expect(await replied).toBe(second.channelIds[0]);
		await handle.waitFor((reply) => reply.original !== undefined);
		expect(handle.guildId).toBe(second.guildId);
		expect(handle.original?.channelId).toBe(second.channelIds[0]);
	});

	it("lets the bot post in a second guild's channel: messagesIn sees it, channelMessages does not, waitFor wakes on it", async () => {
		const channelId = second.channelIds[1]!;
		const before = discord.channelMessages.length;
		const posted = discord.waitFor(() => discord.messagesIn(channelId).some((message) => message.content === 'audit: hello'));
		await (client.channels.cache.get(channelId) as TextChannel).send('audit: hello');
		await posted;
		expect(discord.messagesIn(channelId).map((message) => message.channelId)).toEqual([channelId]);
		expect(discord.channelMessages.length).toBe(before);
	});

	it('dispatches GUILD_CREATE for a guild joined while connected: it shows up in client.guilds.cache', async () => {
		const created = once(client, 'guildCreate') as Promise<[Guild]>;
		const joined = await discord.addGuild({ name: 'Joined Later', roles: [{ name: 'Mods', permissions: PermissionFlagsBits.ManageMessages }] });
		const [guild] = await created;
		expect(guild.id).toBe(joined.guildId);
		expect(client.guilds.cache.get(joined.guildId)?.name).toBe('Joined Later');
		expect(guild.roles.cache.get(joined.roleIds.Mods!)?.name).toBe('Mods');
		expect(guild.channels.cache.has(joined.channelIds[0]!)).toBe(true);
		expect(discord.guildIds()).toContain(joined.guildId);
	});

	it('tells the connected bot of channels and roles added later, before any interaction sent after them', async () => {
		const channelId = discord.addChannel(second.guildId, 'audit-log');
		const roleId = discord.addRole(second.guildId, 'Latecomers');
		const where = await seen(
			(interaction) => ({ channel: (interaction.channel as TextChannel | null)?.name, role: interaction.inCachedGuild() ? interaction.member.roles.cache.get(roleId)?.name : undefined }),
			() => discord.invoke('video', { prompt: 'a bird' }, { channelId, roles: [roleId] }),
		);
		expect(where).toEqual({ channel: 'audit-log', role: 'Latecomers' });
	});

	it('refuses bot posts in a channel of no guild (404 10003) and names the mistake in messagesIn', async () => {
		const error = await client.rest.post(Routes.channelMessages(snowflake()), { body: { content: 'lost' } }).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(DiscordAPIError);
		expect((error as DiscordAPIError).code).toBe(10003);
		expect(() => discord.messagesIn('123')).toThrow(/not a guild channel/);
	});
});

describe('members: roles and permissions', () => {
	it("carries member.roles and the given memberPermissions into discord.js's member and memberPermissions", async () => {
		const roleId = second.roleIds.Creators!;
		const member = await seen(
			(interaction) => ({
				roles: interaction.inCachedGuild() ? interaction.member.roles.cache.map((role) => role.name).sort() : undefined,
				manage: interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild),
				administrator: interaction.memberPermissions?.has(PermissionFlagsBits.Administrator),
			}),
			() => discord.invoke('video', { prompt: 'a fox' }, { guildId: second.guildId, roles: [roleId], memberPermissions: PermissionFlagsBits.Administrator }),
		);
		expect(member).toEqual({ roles: ['@everyone', 'Creators'], manage: true, administrator: true });
	});

	it("computes memberPermissions from @everyone and the member's roles when not given", async () => {
		const read = (interaction: Interaction) => interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild);
		const manager = await seen(read, () => discord.invoke('video', { prompt: 'a' }, { guildId: second.guildId, roles: [second.roleIds.Managers!] }));
		const plain = await seen(read, () => discord.invoke('video', { prompt: 'b' }, { guildId: second.guildId }));
		const defaults = await seen((interaction) => interaction.memberPermissions?.bitfield, () => discord.invoke('video', { prompt: 'c' }));
		expect({ manager, plain }).toEqual({ manager: true, plain: false });
		expect(defaults).toBe(BigInt(EVERYONE_PERMISSIONS));
	});

	it('remembers a member: a press by the same user keeps its roles, and guild.members.fetch returns it', async () => {
		const userId = snowflake();
		const roleId = second.roleIds.Creators!;
		const replied = nextInteraction(async (interaction) => {
			if (!interaction.isChatInputCommand()) throw new Error('expected a slash command');
			await interaction.reply({ content: 'pick', components: [{ type: ComponentType.ActionRow, components: [{ type: ComponentType.Button, style: ButtonStyle.Primary, custom_id: 'again', label: 'Again' }] }] });
		});
		const command = await discord.invoke('video', { prompt: 'an owl' }, { guildId: second.guildId, userId, roles: [roleId] });
		await replied;
		await command.waitFor((reply) => reply.original !== undefined);
		const pressed = await seen(
			(interaction) => ({ guildId: interaction.guildId, roles: interaction.inCachedGuild() ? [...interaction.member.roles.cache.keys()] : [] }),
			() => discord.press(command.original!, 'again', { userId }),
		);
		expect(pressed.guildId).toBe(second.guildId);
		expect(pressed.roles).toContain(roleId);

		const fetched = await client.guilds.cache.get(second.guildId)!.members.fetch({ user: userId, force: true });
		expect(fetched.roles.cache.has(roleId)).toBe(true);
		const roles = await client.guilds.cache.get(second.guildId)!.roles.fetch();
		expect(roles.map((role) => role.name)).toEqual(expect.arrayContaining(['@everyone', 'Creators', 'Managers']));
		const channel = await client.channels.fetch(second.channelIds[0]!, { force: true });
		expect((channel as TextChannel).name).toBe('general');
	});

	it('refuses a press with a guild other than the message is in', async () => {
		const replied = nextInteraction(async (interaction) => {
			if (!interaction.isChatInputCommand()) throw new Error('expected a slash command');
			await interaction.reply({ content: 'pick', components: [{ type: ComponentType.ActionRow, components: [{ type: ComponentType.Button, style: ButtonStyle.Primary, custom_id: 'x', label: 'X' }] }] });
		});
		const command = await discord.invoke('video', { prompt: 'a mole' });
		await replied;
		await command.waitFor((reply) => reply.original !== undefined);
		await expect(discord.press(command.original!, 'x', { guildId: second.guildId })).rejects.toThrow(/where the message is/);
	});
});

describe('subcommands and typed options', () => {
	it('nests a subcommand group and resolves role, user, member and channel options', async () => {
		const roleId = second.roleIds.Creators!;
		const userId = snowflake();
		const channelId = second.channelIds[1]!;
		const read = await seen(
			(interaction) => {
				if (!interaction.isChatInputCommand()) throw new Error('expected a slash command');
				const { options } = interaction;
				return {
					group: options.getSubcommandGroup(),
					subcommand: options.getSubcommand(),
					role: options.getRole('role', true).name,
					user: options.getUser('user', true).id,
					memberRoles: interaction.inCachedGuild() ? [...interaction.options.getMember('user')!.roles.cache.keys()] : [],
					channel: [options.getChannel('channel', true).id, options.getChannel('channel', true).name, options.getChannel('channel', true).type],
					limit: options.getInteger('limit'),
				};
			},
			() =>
				discord.invoke(
					'admin',
					{ role: roleOption(roleId), user: userOption(userId, { roles: [roleId] }), channel: channelOption(channelId), limit: 5 },
					{ guildId: second.guildId, subcommand: ['limits', 'set-role'], memberPermissions: PermissionFlagsBits.ManageGuild },
				),
		);
		expect(read).toEqual({
			group: 'limits',
			subcommand: 'set-role',
			role: 'Creators',
			user: userId,
			memberRoles: expect.arrayContaining([roleId]),
			channel: [channelId, 'channel-2', ChannelType.GuildText],
			limit: 5,
		});
	});

	it('nests a lone subcommand, with a number (type 10) and mentionable options', async () => {
		const userId = snowflake();
		const read = await seen(
			(interaction) => {
				if (!interaction.isChatInputCommand()) throw new Error('expected a slash command');
				const { options } = interaction;
				const raw = options.data[0]!;
				return {
					group: options.getSubcommandGroup(false),
					subcommand: options.getSubcommand(),
					shape: [raw.type, raw.options?.map((option) => [option.name, option.type])],
					budget: options.getNumber('budget'),
					who: options.getMentionable('who', true),
					what: options.getMentionable('what', true),
				};
			},
			() =>
				discord.invoke(
					'admin',
					{ budget: numberOption(2.5), who: mentionableOption(userId), what: mentionableOption(second.roleIds.Managers!) },
					{ guildId: second.guildId, subcommand: ['usage'] },
				),
		);
		expect(read.group).toBeNull();
		expect(read.subcommand).toBe('usage');
		expect(read.shape).toEqual([1, [['budget', 10], ['who', 9], ['what', 9]]]);
		expect(read.budget).toBe(2.5);
		expect((read.who as { id: string }).id).toBe(userId);
		expect((read.what as { name: string }).name).toBe('Managers');
	});

	it('registers commands with default_member_permissions, contexts, integration_types and subcommand groups within the spec', async () => {
		const admin = new SlashCommandBuilder()
			.setName('admin')
			.setDescription('Server settings')
			.setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
			.setContexts(InteractionContextType.Guild)
			.setIntegrationTypes(ApplicationIntegrationType.GuildInstall)
			.addSubcommandGroup((group) =>
				group
					.setName('limits')
					.setDescription('Limits')
					.addSubcommand((sub) =>
						sub
							.setName('set-role')
							.setDescription('Limit a role')
							.addRoleOption((option) => option.setName('role').setDescription('Role').setRequired(true))
							.addIntegerOption((option) => option.setName('limit').setDescription('Per day').setMinValue(0).setRequired(true)),
					),
			)
			.addSubcommand((sub) =>
				sub
					.setName('audit')
					.setDescription('Audit channel')
					.addChannelOption((option) => option.setName('channel').setDescription('Where').addChannelTypes(ChannelType.GuildText))
					.addUserOption((option) => option.setName('user').setDescription('Who'))
					.addMentionableOption((option) => option.setName('who').setDescription('Who or which role'))
					.addNumberOption((option) => option.setName('budget').setDescription('Budget').setMinValue(0)),
			);
		const video = new SlashCommandBuilder()
			.setName('video')
			.setDescription('Make a video')
			.setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
			.setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall)
			.addStringOption((option) => option.setName('prompt').setDescription('What').setRequired(true));

		await client.application!.commands.set([admin.toJSON(), video.toJSON()]);
		await client.application!.commands.set([admin.toJSON()], second.guildId);

		expect(discord.violations).toEqual([]);
		expect((discord.registered.global as Array<{ name: string }>).map((command) => command.name)).toEqual(['admin', 'video']);
		expect(discord.registered.byGuild[second.guildId]).toHaveLength(1);

		// The spec says integer; Discord's docs and discord.js say a string of digits: both pass, nothing else does.
		const misfit = await client.rest
			.put(Routes.applicationCommands(client.application!.id), { body: [{ ...admin.toJSON(), default_member_permissions: 'managers' }] })
			.catch((caught: unknown) => caught);
		expect((misfit as DiscordAPIError).code).toBe(50035);
		const refused = discord.violations.splice(0);
		expect(refused.length).toBeGreaterThan(0);
		expect(refused.every((problem) => problem.includes('/0/default_member_permissions'))).toBe(true);
	});
});

describe('outside the guilds the bot is in', () => {
	it('sends a DM interaction with no guild, context 1, the user and a DM channel', async () => {
		const userId = snowflake();
		const replied = nextInteraction(async (interaction) => {
			if (!interaction.isChatInputCommand()) throw new Error('expected a slash command');
			await interaction.reply('hi in DM');
			return { guildId: interaction.guildId, inGuild: interaction.inGuild(), context: interaction.context, user: interaction.user.id, member: interaction.member, memberPermissions: interaction.memberPermissions };
		});
		const handle = await discord.invoke('video', { prompt: 'a cat' }, { dm: true, userId });
		expect(await replied).toEqual({ guildId: null, inGuild: false, context: InteractionContextType.BotDM, user: userId, member: null, memberPermissions: null });
		await handle.waitFor((reply) => reply.original !== undefined);
		expect(handle.guildId).toBeUndefined();
		expect(handle.owners).toEqual({ '0': '0' });
		// The DM channel is the one the bot reaches the user in with its token.
		const dm = await (await client.users.fetch(userId)).createDM();
		expect(handle.channelId).toBe(dm.id);
		await expect(discord.invoke('video', { prompt: 'x' }, { dm: true, roles: ['1'] })).rejects.toThrow(/DM/);
	});

	it('sends a user-installed use in a guild the bot is not in: owners by user, no bot-token fallback', async () => {
		const userId = snowflake();
		const replied = nextInteraction(async (interaction) => {
			if (!interaction.isChatInputCommand()) throw new Error('expected a slash command');
			await interaction.deferReply();
			return {
				guildId: interaction.guildId,
				cached: interaction.inCachedGuild(),
				context: interaction.context,
				owners: [interaction.authorizingIntegrationOwners.userId, interaction.authorizingIntegrationOwners.guildId],
				canSend: interaction.appPermissions.has(PermissionFlagsBits.SendMessages),
				canAttach: interaction.appPermissions.has(PermissionFlagsBits.AttachFiles),
				channelId: interaction.channelId,
			};
		});
		const handle = await discord.invoke('video', { prompt: 'a cat' }, { userInstall: true, userId });
		const seenByBot = await replied;
		expect(seenByBot).toMatchObject({ cached: false, context: InteractionContextType.Guild, owners: [userId, null], canSend: false, canAttach: true });
		expect(seenByBot.guildId).toBe(handle.guildId);
		expect(discord.guildIds()).not.toContain(handle.guildId);

		const error = await client.rest.post(Routes.channelMessages(seenByBot.channelId!), { body: { content: 'fallback' } }).catch((caught: unknown) => caught);
		expect((error as DiscordAPIError).code).toBe(50001);
		expect((error as DiscordAPIError).status).toBe(403);
	});

	it("gives both owners for a user install used in a guild the bot is in, and context 2 in a DM between users", async () => {
		const userId = snowflake();
		const both = await seen((interaction) => ({ ...interaction.authorizingIntegrationOwners }), () => discord.invoke('video', { prompt: 'a' }, { userInstall: true, userId, guildId: second.guildId }));
		expect([both.guildId, both.userId]).toEqual([second.guildId, userId]);

		const privately = await seen(
			(interaction) => ({ guildId: interaction.guildId, context: interaction.context, owner: interaction.authorizingIntegrationOwners.userId }),
			() => discord.invoke('video', { prompt: 'b' }, { userInstall: 'private-channel', userId }),
		);
		expect(privately).toEqual({ guildId: null, context: InteractionContextType.PrivateChannel, owner: userId });
	});
});
