import type { BotContext } from '../../context.js';
import { describeLimits, renderAdminNote, renderLimits, type BotLimits } from '../../discord/render-admin.js';
import type { Limits } from '../../services/guilds/guild-settings.js';
import { UserError } from '../../services/user-error.js';
import { amountsGiven, type AdminHandler } from './handler.js';
import { text } from '../../i18n/index.js';

/** The environment's figures a server's limits fall back to. */
export function botLimits(context: BotContext): BotLimits {
	const { config } = context;
	return {
		memberDefault: { videoSeconds: config.QUOTA_VIDEO_SECONDS, images: config.QUOTA_IMAGES },
		budget: {
			...(config.QUOTA_GLOBAL_VIDEO_SECONDS !== undefined && { videoSeconds: config.QUOTA_GLOBAL_VIDEO_SECONDS }),
			...(config.QUOTA_GLOBAL_IMAGES !== undefined && { images: config.QUOTA_GLOBAL_IMAGES }),
		},
		windowHours: config.QUOTA_WINDOW_HOURS,
	};
}

/** `clear` first (drop every unit), then what is given: the limits left afterwards. */
function apply(current: Limits, given: Limits, clear: boolean): Limits {
	return { ...(clear ? {} : current), ...given };
}

function isEmpty(limits: Limits): boolean {
	return limits.videoSeconds === undefined && limits.images === undefined;
}

const show: AdminHandler = async ({ context, guildId }) => renderLimits(context.guilds.get(guildId)!, botLimits(context));

const setDefault: AdminHandler = async ({ interaction, context, guildId }) => {
	const clear = interaction.options.getBoolean('clear') === true;
	const given = amountsGiven(interaction, text('admin.theServerDefault'), clear);
	const saved = await context.guilds.update(guildId, (settings) => {
		settings.memberDefault = apply(settings.memberDefault, given, clear);
	});
	if (isEmpty(saved.memberDefault)) return renderAdminNote(`No server default now: members without a grant or a role limit get the bot default (${describeLimits(botLimits(context).memberDefault)}).`);
	return renderAdminNote(`Server default per member per window: ${describeLimits(saved.memberDefault, 'bot default')}. Grants and role limits still win over it.`);
};

const setRole: AdminHandler = async ({ interaction, context, guildId }) => {
	const role = interaction.options.getRole('role', true);
	if (role.id === guildId) throw new UserError('BadSetting', 'refusal.everyoneLimit');
	const clear = interaction.options.getBoolean('clear') === true;
	const given = amountsGiven(interaction, `<@&${role.id}>`, clear);
	const saved = await context.guilds.update(guildId, (settings) => {
		const limits = apply(settings.roles[role.id] ?? {}, given, clear);
		if (isEmpty(limits)) delete settings.roles[role.id];
		else settings.roles[role.id] = limits;
	});
	const limits = saved.roles[role.id];
	if (!limits) return renderAdminNote(`<@&${role.id}> has no limit of its own now.`);
	return renderAdminNote(`<@&${role.id}>: ${describeLimits(limits)} per member per window. A member with several limited roles gets the best of them; a grant wins over all.`);
};

const grant: AdminHandler = async ({ interaction, context, guildId }) => {
	const user = interaction.options.getUser('member', true);
	const given = amountsGiven(interaction, `<@${user.id}>`);
	const saved = await context.guilds.update(guildId, (settings) => {
		settings.grants[user.id] = { ...settings.grants[user.id], ...given };
	});
	return renderAdminNote(`<@${user.id}>'s grant per window, whatever their roles: ${describeLimits(saved.grants[user.id]!, 'not granted (roles or the default)')}. \`/relaydance-admin limits reset\` removes it.`);
};

const reset: AdminHandler = async ({ interaction, context, guildId }) => {
	const user = interaction.options.getUser('member', true);
	let had = false;
	await context.guilds.update(guildId, (settings) => {
		had = user.id in settings.grants;
		delete settings.grants[user.id];
	});
	return renderAdminNote(had ? `Removed <@${user.id}>'s grant: their best role's limit, else the server default, applies again.` : `<@${user.id}> had no grant; nothing changed.`);
};

const budget: AdminHandler = async ({ interaction, context, guildId }) => {
	const clear = interaction.options.getBoolean('clear') === true;
	const given = amountsGiven(interaction, text('admin.theServerBudget'), clear);
	const saved = await context.guilds.update(guildId, (settings) => {
		settings.budget = apply(settings.budget, given, clear);
	});
	if (isEmpty(saved.budget)) return renderAdminNote('This server has no budget of its own now: only each member\'s limit (and the bot\'s budget, if set) cap it.');
	return renderAdminNote(`Server budget per window, all members together: ${describeLimits(saved.budget, 'no cap')}.`);
};

export const limitsHandlers: Record<string, AdminHandler> = { show, 'set-default': setDefault, 'set-role': setRole, grant, reset, budget };
