import type { AutocompleteInteraction } from 'discord.js';
import type { BotContext } from '../../context.js';
import { code, renderAdminNote, renderBlocklist } from '../../discord/render-admin.js';
import { asPattern, isSafePattern, normalizeForMatching } from '../../services/guilds/prompt-rules.js';
import { clip } from '../../services/text.js';
import { UserError } from '../../services/user-error.js';
import type { AdminHandler } from './handler.js';

/** Rules a server may keep (each is tried against every prompt). */
export const MAX_RULES = 200;

/**
 * Checks a term before it joins the blocklist: a `/pattern/` must be a valid regular expression
 * and must not match an empty prompt (it would refuse everything); a plain term must keep some
 * text after normalisation. Returns the term as given (trimmed), which is what is stored.
 */
export function validateTerm(raw: string): string {
	const term = raw.trim();
	if (!term) throw new UserError('BadSetting', 'refusal.blockTermMissing');
	let pattern: RegExp | undefined;
	try {
		pattern = asPattern(term);
	} catch (error) {
		const reason = clip((error as Error).message.replace(/^Invalid regular expression: /, ''), 200);
		throw new UserError('BadSetting', 'refusal.badPattern', { term: code(term), reason });
	}
	if (pattern) {
		if (!isSafePattern(pattern)) {
			throw new UserError('BadSetting', 'refusal.slowPattern', { term: code(term) });
		}
		if (pattern.test('') || pattern.test(' ')) throw new UserError('BadSetting', 'refusal.emptyPattern', { term: code(term) });
		return term;
	}
	if (!normalizeForMatching(term).trim()) throw new UserError('BadSetting', 'refusal.invisibleTerm');
	return term;
}

/** Whether two rules are the same once normalised (`CAT` and `cat` are one rule). */
function sameRule(a: string, b: string): boolean {
	const isPattern = (rule: string) => /^\/.+\/$/s.test(rule.trim());
	if (isPattern(a) || isPattern(b)) return a.trim() === b.trim();
	return normalizeForMatching(a).trim() === normalizeForMatching(b).trim();
}

const add: AdminHandler = async ({ interaction, context, guildId }) => {
	const term = validateTerm(interaction.options.getString('term', true));
	const rules = context.guilds.get(guildId)!.blocklist;
	const existing = rules.find((rule) => sameRule(rule, term));
	if (existing !== undefined) return renderAdminNote(`${code(existing)} is already on the blocklist.`);
	if (rules.length >= MAX_RULES) throw new UserError('BadSetting', 'refusal.blocklistFull', { max: MAX_RULES });
	const saved = await context.guilds.update(guildId, (settings) => {
		settings.blocklist.push(term);
	});
	const kind = asPattern(term) ? 'pattern (case-insensitive, tried on the normalised prompt)' : 'term (whole word or phrase, any width or case)';
	return renderAdminNote(`Blocked the ${kind} ${code(term)}. ${saved.blocklist.length} on the list. A prompt it matches is refused with a neutral message${saved.auditChannelId ? `, and <#${saved.auditChannelId}> sees it` : '; set `/relaydance-admin audit-channel` to see refusals'}.`);
};

const remove: AdminHandler = async ({ interaction, context, guildId }) => {
	const term = interaction.options.getString('term', true).trim();
	const rules = context.guilds.get(guildId)!.blocklist;
	const found = rules.find((rule) => rule.trim() === term) ?? rules.find((rule) => sameRule(rule, term));
	if (found === undefined) return renderAdminNote(`${code(term)} is not on the blocklist. \`/relaydance-admin blocklist list\` shows what is.`);
	await context.guilds.update(guildId, (settings) => {
		settings.blocklist = settings.blocklist.filter((rule) => rule !== found);
	});
	return renderAdminNote(`Removed ${code(found)} from the blocklist.`);
};

const list: AdminHandler = async ({ context, guildId }) => renderBlocklist(context.guilds.get(guildId)!.blocklist);

export const blocklistHandlers: Record<string, AdminHandler> = { add, remove, list };

/** `remove`'s term: the server's own terms (only for members who may see them). */
export async function autocompleteBlocklist(interaction: AutocompleteInteraction, context: BotContext, guildId: string): Promise<void> {
	const typed = normalizeForMatching(String(interaction.options.getFocused()));
	const rules = context.guilds.get(guildId)!.blocklist.filter((rule) => normalizeForMatching(rule).includes(typed));
	await interaction.respond(rules.slice(0, 25).map((rule) => ({ name: clip(rule, 100), value: rule.slice(0, 100) })));
}
