import { ChannelType, PermissionFlagsBits, SlashCommandBuilder, type SlashCommandSubcommandBuilder } from 'discord.js';
import { RATIOS, RESOLUTIONS } from '../../services/jobs/video-request.js';
import { API_MAX_SECONDS } from '../../services/relaydance/model-catalog.js';
import { localizations, SOURCE_LOCALE, t, type MessageKey, type Params } from '../../i18n/index.js';

/** A description in the source locale (the one Discord shows where it has no localization). */
const en = (key: MessageKey, params?: Params) => t(SOURCE_LOCALE, key, params);

/** The admin command's name (fixed: scripts and tests outside the project use it). */
export const ADMIN_COMMAND = 'relaydance-admin';

/** Longest blocklist term or `/pattern/` an admin may add (an autocomplete value holds 100 characters). */
export const MAX_TERM_LENGTH = 100;
/** A limit or budget no server needs more than (seconds of video or images per window). */
const MAX_AMOUNT = 1_000_000;

/** Channels members make requests in (threads follow their parent channel). */
const REQUEST_CHANNELS = [ChannelType.GuildText, ChannelType.GuildAnnouncement, ChannelType.GuildVoice, ChannelType.GuildStageVoice, ChannelType.GuildForum] as const;
/** Channels the bot can post its audit lines (and results for review) in. */
const AUDIT_CHANNELS = [ChannelType.GuildText, ChannelType.GuildAnnouncement] as const;

type Whose = 'member' | 'role' | 'grant' | 'server';

function amounts(sub: SlashCommandSubcommandBuilder, what: Whose): SlashCommandSubcommandBuilder {
	return sub
		.addIntegerOption((option) => option.setName('video_seconds').setDescription(en(`cmd.admin.seconds.${what}`)).setDescriptionLocalizations(localizations(`cmd.admin.seconds.${what}`)).setMinValue(0).setMaxValue(MAX_AMOUNT))
		.addIntegerOption((option) => option.setName('images').setDescription(en(`cmd.admin.images.${what}`)).setDescriptionLocalizations(localizations(`cmd.admin.images.${what}`)).setMinValue(0).setMaxValue(MAX_AMOUNT));
}

function clearOption(sub: SlashCommandSubcommandBuilder, what: 'default' | 'role' | 'budget'): SlashCommandSubcommandBuilder {
	return sub.addBooleanOption((option) => option.setName('clear').setDescription(en(`cmd.admin.clear.${what}`)).setDescriptionLocalizations(localizations(`cmd.admin.clear.${what}`)));
}

/**
 * `/relaydance-admin`: only members with Manage Server see it by default (and `execute` checks
 * again, since a server can override who may use a command), and only in servers.
 */
export const adminData = new SlashCommandBuilder()
	.setName(ADMIN_COMMAND)
	.setDescription(en('cmd.admin')).setDescriptionLocalizations(localizations('cmd.admin'))
	.setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
	.addSubcommandGroup((group) =>
		group
			.setName('limits')
			.setDescription(en('cmd.admin.limits')).setDescriptionLocalizations(localizations('cmd.admin.limits'))
			.addSubcommand((sub) => sub.setName('show').setDescription(en('cmd.admin.limits.show')).setDescriptionLocalizations(localizations('cmd.admin.limits.show')))
			.addSubcommand((sub) => clearOption(amounts(sub.setName('set-default').setDescription(en('cmd.admin.limits.setDefault')).setDescriptionLocalizations(localizations('cmd.admin.limits.setDefault')), 'member'), 'default'))
			.addSubcommand((sub) =>
				clearOption(
					amounts(
						sub
							.setName('set-role')
							.setDescription(en('cmd.admin.limits.setRole')).setDescriptionLocalizations(localizations('cmd.admin.limits.setRole'))
							.addRoleOption((option) => option.setName('role').setDescription(en('cmd.admin.role')).setDescriptionLocalizations(localizations('cmd.admin.role')).setRequired(true)),
						'role',
					),
					'role',
				),
			)
			.addSubcommand((sub) =>
				amounts(
					sub
						.setName('grant')
						.setDescription(en('cmd.admin.limits.grant')).setDescriptionLocalizations(localizations('cmd.admin.limits.grant'))
						.addUserOption((option) => option.setName('member').setDescription(en('cmd.admin.member')).setDescriptionLocalizations(localizations('cmd.admin.member')).setRequired(true)),
					'grant',
				),
			)
			.addSubcommand((sub) =>
				sub
					.setName('reset')
					.setDescription(en('cmd.admin.limits.reset')).setDescriptionLocalizations(localizations('cmd.admin.limits.reset'))
					.addUserOption((option) => option.setName('member').setDescription(en('cmd.admin.member')).setDescriptionLocalizations(localizations('cmd.admin.member')).setRequired(true)),
			)
			.addSubcommand((sub) => clearOption(amounts(sub.setName('budget').setDescription(en('cmd.admin.limits.budget')).setDescriptionLocalizations(localizations('cmd.admin.limits.budget')), 'server'), 'budget')),
	)
	.addSubcommand((sub) =>
		sub
			.setName('usage')
			.setDescription(en('cmd.admin.usage')).setDescriptionLocalizations(localizations('cmd.admin.usage'))
			.addUserOption((option) => option.setName('member').setDescription(en('cmd.admin.usage.member')).setDescriptionLocalizations(localizations('cmd.admin.usage.member'))),
	)
	.addSubcommandGroup((group) =>
		group
			.setName('where')
			.setDescription(en('cmd.admin.where')).setDescriptionLocalizations(localizations('cmd.admin.where'))
			.addSubcommand((sub) => sub.setName('show').setDescription(en('cmd.admin.where.show')).setDescriptionLocalizations(localizations('cmd.admin.where.show')))
			.addSubcommand((sub) =>
				sub
					.setName('channel-add')
					.setDescription(en('cmd.admin.where.channelAdd')).setDescriptionLocalizations(localizations('cmd.admin.where.channelAdd'))
					.addChannelOption((option) => option.setName('channel').setDescription(en('cmd.admin.where.channelAdd.channel')).setDescriptionLocalizations(localizations('cmd.admin.where.channelAdd.channel')).addChannelTypes(...REQUEST_CHANNELS).setRequired(true)),
			)
			.addSubcommand((sub) =>
				sub
					.setName('channel-remove')
					.setDescription(en('cmd.admin.where.channelRemove')).setDescriptionLocalizations(localizations('cmd.admin.where.channelRemove'))
					.addChannelOption((option) => option.setName('channel').setDescription(en('cmd.admin.channel')).setDescriptionLocalizations(localizations('cmd.admin.channel')).setRequired(true)),
			)
			.addSubcommand((sub) => sub.setName('channels-all').setDescription(en('cmd.admin.where.channelsAll')).setDescriptionLocalizations(localizations('cmd.admin.where.channelsAll')))
			.addSubcommand((sub) =>
				sub
					.setName('require-role')
					.setDescription(en('cmd.admin.where.requireRole')).setDescriptionLocalizations(localizations('cmd.admin.where.requireRole'))
					.addRoleOption((option) => option.setName('role').setDescription(en('cmd.admin.role')).setDescriptionLocalizations(localizations('cmd.admin.role')).setRequired(true)),
			)
			.addSubcommand((sub) => sub.setName('require-role-none').setDescription(en('cmd.admin.where.requireRoleNone')).setDescriptionLocalizations(localizations('cmd.admin.where.requireRoleNone')))
			.addSubcommand((sub) =>
				sub
					.setName('access')
					.setDescription(en('cmd.admin.where.access')).setDescriptionLocalizations(localizations('cmd.admin.where.access'))
					.addBooleanOption((option) => option.setName('dms').setDescription(en('cmd.admin.where.access.dms')).setDescriptionLocalizations(localizations('cmd.admin.where.access.dms')))
					.addBooleanOption((option) => option.setName('user_installs').setDescription(en('cmd.admin.where.access.userInstalls')).setDescriptionLocalizations(localizations('cmd.admin.where.access.userInstalls'))),
			),
	)
	.addSubcommand((sub) =>
		sub
			.setName('defaults')
			.setDescription(en('cmd.admin.defaults')).setDescriptionLocalizations(localizations('cmd.admin.defaults'))
			.addStringOption((option) => option.setName('model').setDescription(en('cmd.admin.defaults.model')).setDescriptionLocalizations(localizations('cmd.admin.defaults.model')).setAutocomplete(true).setMaxLength(100))
			.addIntegerOption((option) => option.setName('seconds').setDescription(en('cmd.admin.defaults.seconds')).setDescriptionLocalizations(localizations('cmd.admin.defaults.seconds')).setMinValue(1).setMaxValue(API_MAX_SECONDS))
			.addBooleanOption((option) => option.setName('audio').setDescription(en('cmd.admin.defaults.audio')).setDescriptionLocalizations(localizations('cmd.admin.defaults.audio')))
			.addStringOption((option) =>
				option
					.setName('ratio')
					.setDescription(en('cmd.admin.defaults.ratio')).setDescriptionLocalizations(localizations('cmd.admin.defaults.ratio'))
					.addChoices(...RATIOS.map((ratio) => ({ name: ratio, value: ratio }))),
			)
			.addStringOption((option) =>
				option
					.setName('resolution')
					.setDescription(en('cmd.admin.defaults.resolution')).setDescriptionLocalizations(localizations('cmd.admin.defaults.resolution'))
					.addChoices(...RESOLUTIONS.map((resolution) => ({ name: resolution, value: resolution }))),
			)
			.addNumberOption((option) => option.setName('confirm_above').setDescription(en('cmd.admin.defaults.confirmAbove')).setDescriptionLocalizations(localizations('cmd.admin.defaults.confirmAbove')).setMinValue(0).setMaxValue(MAX_AMOUNT))
			.addBooleanOption((option) => option.setName('reset').setDescription(en('cmd.admin.defaults.reset')).setDescriptionLocalizations(localizations('cmd.admin.defaults.reset'))),
	)
	.addSubcommandGroup((group) =>
		group
			.setName('blocklist')
			.setDescription(en('cmd.admin.blocklist')).setDescriptionLocalizations(localizations('cmd.admin.blocklist'))
			.addSubcommand((sub) =>
				sub
					.setName('add')
					.setDescription(en('cmd.admin.blocklist.add')).setDescriptionLocalizations(localizations('cmd.admin.blocklist.add'))
					.addStringOption((option) => option.setName('term').setDescription(en('cmd.admin.blocklist.add.term')).setDescriptionLocalizations(localizations('cmd.admin.blocklist.add.term')).setRequired(true).setMaxLength(MAX_TERM_LENGTH)),
			)
			.addSubcommand((sub) =>
				sub
					.setName('remove')
					.setDescription(en('cmd.admin.blocklist.remove')).setDescriptionLocalizations(localizations('cmd.admin.blocklist.remove'))
					.addStringOption((option) => option.setName('term').setDescription(en('cmd.admin.blocklist.remove.term')).setDescriptionLocalizations(localizations('cmd.admin.blocklist.remove.term')).setRequired(true).setMaxLength(MAX_TERM_LENGTH).setAutocomplete(true)),
			)
			.addSubcommand((sub) => sub.setName('list').setDescription(en('cmd.admin.blocklist.list')).setDescriptionLocalizations(localizations('cmd.admin.blocklist.list'))),
	)
	.addSubcommand((sub) =>
		sub
			.setName('audit-channel')
			.setDescription(en('cmd.admin.auditChannel')).setDescriptionLocalizations(localizations('cmd.admin.auditChannel'))
			.addChannelOption((option) => option.setName('channel').setDescription(en('cmd.admin.channel')).setDescriptionLocalizations(localizations('cmd.admin.channel')).addChannelTypes(...AUDIT_CHANNELS).setRequired(true)),
	)
	.addSubcommand((sub) => sub.setName('audit-channel-off').setDescription(en('cmd.admin.auditChannelOff')).setDescriptionLocalizations(localizations('cmd.admin.auditChannelOff')))
	.addSubcommandGroup((group) =>
		group
			.setName('review')
			.setDescription(en('cmd.admin.review')).setDescriptionLocalizations(localizations('cmd.admin.review'))
			.addSubcommand((sub) =>
				sub
					.setName('on')
					.setDescription(en('cmd.admin.review.on')).setDescriptionLocalizations(localizations('cmd.admin.review.on'))
					.addChannelOption((option) => option.setName('channel').setDescription(en('cmd.admin.review.channel')).setDescriptionLocalizations(localizations('cmd.admin.review.channel')).addChannelTypes(...REQUEST_CHANNELS).setRequired(true))
					.addChannelOption((option) => option.setName('review_channel').setDescription(en('cmd.admin.review.reviewChannel')).setDescriptionLocalizations(localizations('cmd.admin.review.reviewChannel')).addChannelTypes(...AUDIT_CHANNELS).setRequired(true)),
			)
			.addSubcommand((sub) =>
				sub
					.setName('off')
					.setDescription(en('cmd.admin.review.off')).setDescriptionLocalizations(localizations('cmd.admin.review.off'))
					.addChannelOption((option) => option.setName('channel').setDescription(en('cmd.admin.review.channel')).setDescriptionLocalizations(localizations('cmd.admin.review.channel')).setRequired(true)),
			),
	);
