import { describe, expect, it } from 'vitest';
import { byUse } from '../../src/commands/admin/usage.js';
import { code, describeLimits, renderBlocklist, renderDefaults, renderLimits, renderUsage, renderWhere, type MemberUsageView } from '../../src/discord/render-admin.js';
import { emptySettings } from '../../src/services/guilds/guild-settings.js';
import { emptyUsage, type Usage } from '../../src/services/guilds/usage.js';

const text = (rendered: ReturnType<typeof renderUsage>) => [rendered.content ?? '', ...(rendered.embeds ?? []).map((embed) => `${embed.title}\n${embed.description}`)].join('\n');
const usage = (changes: Partial<Usage>): Usage => ({ ...emptyUsage(), ...changes });
const member = (userId: string, allTime: Partial<Usage>, window = { videoSeconds: 0, images: 0 }): MemberUsageView => ({ userId, window, allTime: usage(allTime) });
const RESET = new Date(1_700_010_000_000);

describe('usage', () => {
	it("shows one member's window against their limit, all time, and the server's total", () => {
		const rendered = renderUsage({
			member: { ...member('42', { videoSeconds: 120, images: 3, jobs: 9, failures: 2, spend: 4.5 }, { videoSeconds: 25, images: 1 }), limits: { videoSeconds: 60, images: 20 }, resetsAt: { videoSeconds: RESET } },
			server: { window: { videoSeconds: 40, images: 1 }, allTime: usage({ videoSeconds: 300, images: 10, jobs: 20, failures: 3, spend: 12 }) },
			hasPrices: true,
		});
		const shown = text(rendered);
		expect(shown).toContain('<@42>');
		expect(shown).toContain(`This window: 25 s of 60 s of video (resets <t:${Math.floor(RESET.getTime() / 1000)}:R>) · 1 of 20 images`);
		expect(shown).toContain('All time: 120 s · 3 images · 9 delivered · 2 failed · ≈ 4.50 spent');
		expect(shown).toContain('**Server total** — this window 40 s · 1 image; all time 300 s · 10 images · 20 delivered · 3 failed · ≈ 12.00 spent');
		expect(rendered.embeds![0]!.description!.length).toBeLessThanOrEqual(4096);
	});

	it('leaves the spend out without MODEL_PRICES, and says how to get it', () => {
		const shown = text(renderUsage({ members: [member('1', { videoSeconds: 5 })], server: { window: { videoSeconds: 5, images: 0 }, allTime: usage({ videoSeconds: 5 }) }, hasPrices: false }));
		expect(shown).not.toContain('spent');
		expect(shown).toContain('MODEL_PRICES');
	});

	it('lists the top members by spend, then seconds, then images, and fits 20 long lines in one embed', () => {
		const members = [member('1', { videoSeconds: 100 }), member('2', { videoSeconds: 10, spend: 9 }), member('3', { videoSeconds: 100, images: 4 }), member('4', { images: 50 })].sort(byUse);
		expect(members.map((entry) => entry.userId)).toEqual(['2', '3', '1', '4']);
		const many = Array.from({ length: 20 }, (_, index) => member(String(10n ** 17n + BigInt(index)), { videoSeconds: 99_999, images: 9_999, jobs: 999, failures: 999, spend: 99_999.99 }, { videoSeconds: 9_999, images: 999 }));
		const rendered = renderUsage({ members: many, memberCount: 57, server: { window: { videoSeconds: 1, images: 1 }, allTime: usage({}) }, hasPrices: true });
		const shown = text(rendered);
		expect(shown).toContain('Top 20 of 57 members');
		expect(shown).toContain('20. <@100000000000000019>');
		expect(rendered.embeds![0]!.description!.length).toBeLessThanOrEqual(4096);
		expect(shown).not.toContain('…');
	});

	it('says when nobody has made anything yet', () => {
		expect(text(renderUsage({ members: [], memberCount: 0, server: { window: { videoSeconds: 0, images: 0 }, allTime: usage({}) }, hasPrices: false }))).toContain('No member has made anything here yet.');
	});
});

describe('admin settings views', () => {
	it('limits: the server default, roles, grants and both budgets, unset units named', () => {
		const settings = { ...emptySettings(), memberDefault: { videoSeconds: 20 }, roles: { '7': { videoSeconds: 40, images: 5 } }, grants: { '8': { images: 3 } }, budget: { videoSeconds: 600 } };
		const shown = text(renderLimits(settings, { memberDefault: { videoSeconds: 60, images: 20 }, budget: {}, windowHours: 24 }));
		expect(shown).toContain('**Server default:** 20 s of video · images: bot default');
		expect(shown).toContain('• <@&7>: 40 s of video · 5 images');
		expect(shown).toContain('• <@8>: video: not granted · 3 images');
		expect(shown).toContain('**Server budget** (all members together): 600 s of video · images: no cap');
		expect(shown).toContain('**Bot budget** (every server together): none');
		expect(describeLimits({ videoSeconds: 0, images: 1 })).toBe('0 s of video · 1 image');
	});

	it('where: the channel list or every channel, the role, the audit channel, DMs and user installs', () => {
		expect(text(renderWhere(emptySettings(), { dms: true, userInstall: false }))).toMatch(/every channel[\s\S]*none[\s\S]*off[\s\S]*DMs with the bot:\*\* on[\s\S]*User-installed use:\*\* off/);
		const shown = text(renderWhere({ ...emptySettings(), channels: ['5', '6'], requiredRole: '7', auditChannelId: '9' }, { dms: false, userInstall: true }));
		expect(shown).toContain('<#5>, <#6>');
		expect(shown).toContain('<@&7>');
		expect(shown).toContain('**Audit channel:** <#9>');
	});

	it('defaults: confirm_above as a cost with two decimals, off when unset, and a note when no model has a price', () => {
		const bot = { model: 'doubao-seedance-2-0-1080p', seconds: 5, audio: true };
		expect(text(renderDefaults({ confirmAbove: 1.5 }, bot, undefined, true))).toContain('**Confirm above:** 1.50 (a member confirms a job estimated above this)');
		expect(text(renderDefaults({ confirmAbove: 1.5 }, bot, undefined, true))).not.toContain('MODEL_PRICES');
		expect(text(renderDefaults({ confirmAbove: 1.5 }, bot, undefined, false))).toContain('No model has a price (MODEL_PRICES)');
		expect(text(renderDefaults({}, bot, undefined, true))).toContain('**Confirm above:** off (no job waits for confirmation)');
	});

	it('blocklist: each term as given, patterns marked, a backtick unable to break out', () => {
		const shown = text(renderBlocklist(['cat', '/d[o0]g/', 'a`b']));
		expect(shown).toContain('1. `cat`');
		expect(shown).toContain('2. `/d[o0]g/` (pattern)');
		expect(shown).toContain('3. `` a`b ``');
		expect(renderBlocklist([]).content).toContain('empty');
		expect(code('x'.repeat(300)).length).toBeLessThan(210);
	});
});
