import { ChannelType, PermissionFlagsBits, SlashCommandBuilder, type SlashCommandSubcommandBuilder } from 'discord.js';
import { RATIOS, RESOLUTIONS } from '../../services/jobs/video-request.js';
import { API_MAX_SECONDS } from '../../services/relaydance/model-catalog.js';

/** The admin command's name (fixed: scripts and tests outside the project use it). */
export const ADMIN_COMMAND = 'relaydance-admin';

/** Longest blocklist term or `/pattern/` an admin may add (an autocomplete value holds 100 characters). */
export const MAX_TERM_LENGTH = 100;
/** A limit or budget no server needs more than (seconds of video or images per window). */
const MAX_AMOUNT = 1_000_000;

/** Channels members make requests in (threads follow their parent channel). */
const REQUEST_CHANNELS = [ChannelType.GuildText, ChannelType.GuildAnnouncement, ChannelType.GuildVoice, ChannelType.GuildStageVoice, ChannelType.GuildForum] as const;
/** Channels the bot can post its audit lines in. */
const AUDIT_CHANNELS = [ChannelType.GuildText, ChannelType.GuildAnnouncement] as const;

function amounts(sub: SlashCommandSubcommandBuilder, what: string): SlashCommandSubcommandBuilder {
	return sub
		.addIntegerOption((option) => option.setName('video_seconds').setDescription(`Seconds of video per window ${what}`).setMinValue(0).setMaxValue(MAX_AMOUNT))
		.addIntegerOption((option) => option.setName('images').setDescription(`Images per window ${what}`).setMinValue(0).setMaxValue(MAX_AMOUNT));
}

function clearOption(sub: SlashCommandSubcommandBuilder, what: string): SlashCommandSubcommandBuilder {
	return sub.addBooleanOption((option) => option.setName('clear').setDescription(`Remove ${what} first (then set what else you give)`));
}

/**
 * `/relaydance-admin`: only members with Manage Server see it by default (and `execute` checks
 * again, since a server can override who may use a command), and only in servers.
 */
export const adminData = new SlashCommandBuilder()
	.setName(ADMIN_COMMAND)
	.setDescription('Server settings for RelayDance: limits, usage, where it works, defaults, blocklist, audit')
	.setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
	.addSubcommandGroup((group) =>
		group
			.setName('limits')
			.setDescription("Members' limits per window: server default, per role, per member; the server's budget")
			.addSubcommand((sub) => sub.setName('show').setDescription('Show the server default, per-role limits, grants and the server budget'))
			.addSubcommand((sub) => clearOption(amounts(sub.setName('set-default').setDescription("Each member's limit here unless a role or grant says otherwise"), 'for each member'), 'the server default'))
			.addSubcommand((sub) =>
				clearOption(
					amounts(
						sub
							.setName('set-role')
							.setDescription("A role's limit (a member gets the best of their roles')")
							.addRoleOption((option) => option.setName('role').setDescription('The role').setRequired(true)),
						'for members with this role',
					),
					"this role's limits",
				),
			)
			.addSubcommand((sub) =>
				amounts(
					sub
						.setName('grant')
						.setDescription("One member's own limit: it wins over roles and the default")
						.addUserOption((option) => option.setName('member').setDescription('The member').setRequired(true)),
					'for this member',
				),
			)
			.addSubcommand((sub) =>
				sub
					.setName('reset')
					.setDescription("Remove a member's grant (their roles or the default apply again)")
					.addUserOption((option) => option.setName('member').setDescription('The member').setRequired(true)),
			)
			.addSubcommand((sub) => clearOption(amounts(sub.setName('budget').setDescription('What the whole server may make per window, all members together'), 'for the whole server'), 'the budget')),
	)
	.addSubcommand((sub) =>
		sub
			.setName('usage')
			.setDescription("Usage this window and all time: one member's, or the top members' and the server's")
			.addUserOption((option) => option.setName('member').setDescription('Only this member')),
	)
	.addSubcommandGroup((group) =>
		group
			.setName('where')
			.setDescription('Where the bot takes requests: channels, a required role, DMs and user installs')
			.addSubcommand((sub) => sub.setName('show').setDescription('Show the allowed channels, the required role, DMs and user installs'))
			.addSubcommand((sub) =>
				sub
					.setName('channel-add')
					.setDescription('Allow requests in this channel (once any is listed, only listed ones)')
					.addChannelOption((option) => option.setName('channel').setDescription('The channel (its threads too)').addChannelTypes(...REQUEST_CHANNELS).setRequired(true)),
			)
			.addSubcommand((sub) =>
				sub
					.setName('channel-remove')
					.setDescription('Take a channel off the list')
					.addChannelOption((option) => option.setName('channel').setDescription('The channel').setRequired(true)),
			)
			.addSubcommand((sub) => sub.setName('channels-all').setDescription('Clear the channel list: requests in every channel'))
			.addSubcommand((sub) =>
				sub
					.setName('require-role')
					.setDescription('Members need this role to make anything')
					.addRoleOption((option) => option.setName('role').setDescription('The role').setRequired(true)),
			)
			.addSubcommand((sub) => sub.setName('require-role-none').setDescription('No role needed'))
			.addSubcommand((sub) =>
				sub
					.setName('access')
					.setDescription('Bot-wide: use in DMs with the bot, and as a user-installed app')
					.addBooleanOption((option) => option.setName('dms').setDescription('Allow requests in DMs with the bot'))
					.addBooleanOption((option) => option.setName('user_installs').setDescription('Allow use as a user-installed app (servers without the bot)')),
			),
	)
	.addSubcommand((sub) =>
		sub
			.setName('defaults')
			.setDescription("This server's /video defaults (only what you give changes; none: show them)")
			.addStringOption((option) => option.setName('model').setDescription('Default video model').setAutocomplete(true).setMaxLength(100))
			.addIntegerOption((option) => option.setName('seconds').setDescription('Default clip length in seconds').setMinValue(1).setMaxValue(API_MAX_SECONDS))
			.addBooleanOption((option) => option.setName('audio').setDescription('Generate a soundtrack by default'))
			.addStringOption((option) =>
				option
					.setName('ratio')
					.setDescription('Default aspect ratio')
					.addChoices(...RATIOS.map((ratio) => ({ name: ratio, value: ratio }))),
			)
			.addStringOption((option) =>
				option
					.setName('resolution')
					.setDescription('Default resolution')
					.addChoices(...RESOLUTIONS.map((resolution) => ({ name: resolution, value: resolution }))),
			)
			.addBooleanOption((option) => option.setName('reset').setDescription("Forget this server's defaults first (the bot's apply)")),
	)
	.addSubcommandGroup((group) =>
		group
			.setName('blocklist')
			.setDescription('Words and /patterns/ a prompt must not contain (width and case do not matter)')
			.addSubcommand((sub) =>
				sub
					.setName('add')
					.setDescription('Block a word or phrase, or a /regular expression/')
					.addStringOption((option) => option.setName('term').setDescription('A word, a phrase, or /pattern/').setRequired(true).setMaxLength(MAX_TERM_LENGTH)),
			)
			.addSubcommand((sub) =>
				sub
					.setName('remove')
					.setDescription('Unblock a term, written as it was added')
					.addStringOption((option) => option.setName('term').setDescription('The term or /pattern/').setRequired(true).setMaxLength(MAX_TERM_LENGTH).setAutocomplete(true)),
			)
			.addSubcommand((sub) => sub.setName('list').setDescription('Show the blocklist')),
	)
	.addSubcommand((sub) =>
		sub
			.setName('audit-channel')
			.setDescription('Post a line per job, refused prompts and credit alerts in this channel')
			.addChannelOption((option) => option.setName('channel').setDescription('The channel').addChannelTypes(...AUDIT_CHANNELS).setRequired(true)),
	)
	.addSubcommand((sub) => sub.setName('audit-channel-off').setDescription('Stop posting audit lines'));
