import { PermissionFlagsBits, PermissionsBitField, type ChatInputCommandInteraction } from 'discord.js';
import { describe, expect, it, vi } from 'vitest';
import { relaydanceAdmin } from '../../src/commands/admin/index.js';
import { adminGuildOf, isAdmin, NOT_ADMIN } from '../../src/commands/admin/permission.js';
import { registrationBodies } from '../../src/commands/registration.js';
import type { BotContext } from '../../src/context.js';
import { UserError } from '../../src/services/user-error.js';

const GUILD = '300000000000000000';

/** What the admin command reads of an interaction: where it runs, the member's permissions there, the subcommand. */
function interaction(permissions: bigint | null, changes: Record<string, unknown> = {}) {
	const replies: unknown[] = [];
	return {
		guildId: GUILD,
		user: { id: '100000000000000000' },
		memberPermissions: permissions === null ? null : new PermissionsBitField(permissions),
		authorizingIntegrationOwners: { guildId: GUILD },
		deferred: false,
		replied: false,
		options: { getSubcommandGroup: () => 'limits', getSubcommand: () => 'set-default', getInteger: () => 0, getBoolean: () => null },
		reply: vi.fn(async (payload: unknown) => void replies.push(payload)),
		deferReply: vi.fn(async () => {}),
		editReply: vi.fn(async () => {}),
		replies,
		...changes,
	} as unknown as ChatInputCommandInteraction & { replies: unknown[] };
}

function refusal(run: () => unknown): UserError {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(UserError);
		return error as UserError;
	}
	throw new Error('expected a refusal');
}

describe('the admin permission check', () => {
	it('lets a member with Manage Server (or Administrator) manage the server they are in', () => {
		expect(adminGuildOf(interaction(PermissionFlagsBits.ManageGuild))).toBe(GUILD);
		expect(adminGuildOf(interaction(PermissionFlagsBits.Administrator))).toBe(GUILD);
		expect(isAdmin(interaction(PermissionFlagsBits.ManageGuild | PermissionFlagsBits.SendMessages))).toBe(true);
	});

	it('refuses a member without Manage Server, whatever other permissions they have', () => {
		const error = refusal(() => adminGuildOf(interaction(PermissionFlagsBits.ManageChannels | PermissionFlagsBits.ManageRoles | PermissionFlagsBits.KickMembers)));
		expect(error.identifier).toBe('NotAdmin');
		expect(error.message).toBe(NOT_ADMIN);
		expect(refusal(() => adminGuildOf(interaction(0n))).identifier).toBe('NotAdmin');
	});

	it('refuses outside a server, and where only the member installed the app', () => {
		expect(refusal(() => adminGuildOf(interaction(null, { guildId: null }))).message).toContain('only in a server');
		const userInstall = interaction(PermissionFlagsBits.ManageGuild, { authorizingIntegrationOwners: { userId: '100000000000000000' } });
		expect(refusal(() => adminGuildOf(userInstall)).identifier).toBe('NotAdmin');
	});

	it('refuses a member without Manage Server even when the command reached them (a server override), before changing anything', async () => {
		const update = vi.fn();
		const context = { guilds: { update, get: () => undefined }, logger: { info: vi.fn() } } as unknown as BotContext;
		const call = interaction(PermissionFlagsBits.SendMessages | PermissionFlagsBits.UseApplicationCommands);
		await expect(relaydanceAdmin.execute(call, context)).rejects.toMatchObject({ identifier: 'NotAdmin', message: NOT_ADMIN });
		expect(update).not.toHaveBeenCalled();
		expect(call.replies).toEqual([]);
	});

	it('answers an admin ephemerally, with mentions blocked', async () => {
		const update = vi.fn(async (_guildId: string, change: (settings: unknown) => void) => {
			const settings = { memberDefault: {} };
			change(settings);
			return settings;
		});
		const context = { guilds: { update }, logger: { info: vi.fn() }, config: { QUOTA_VIDEO_SECONDS: 60, QUOTA_IMAGES: 20, QUOTA_WINDOW_HOURS: 24 } } as unknown as BotContext;
		const call = interaction(PermissionFlagsBits.ManageGuild);
		await relaydanceAdmin.execute(call, context);
		expect(update).toHaveBeenCalledWith(GUILD, expect.any(Function));
		expect(call.replies).toEqual([expect.objectContaining({ flags: 64, allowedMentions: { parse: [] } })]);
	});

	it('is registered server-only with Manage Server as its default permission, whatever the access settings', () => {
		const [body] = registrationBodies([relaydanceAdmin], { dms: true, userInstall: true });
		expect(body).toMatchObject({ name: 'relaydance-admin', default_member_permissions: String(PermissionFlagsBits.ManageGuild), contexts: [0], integration_types: [0] });
	});
});

describe('the admin command tree', () => {
	const json = relaydanceAdmin.data.toJSON();
	type Option = { name: string; description: string; type: number; options?: Option[] };
	const walk = (options: Option[] | undefined, visit: (option: Option, depth: number) => void, depth = 0): void => {
		for (const option of options ?? []) {
			visit(option, depth);
			if (option.type === 1 || option.type === 2) walk(option.options, visit, depth + 1);
		}
	};

	it('keeps the fixed names: blocklist add term, limits set-role role video_seconds', () => {
		const top = json.options as Option[];
		const group = (name: string) => top.find((option) => option.name === name && option.type === 2)!;
		const sub = (g: string, name: string) => group(g).options!.find((option) => option.name === name && option.type === 1)!;
		expect(sub('blocklist', 'add').options!.map((option) => option.name)).toEqual(['term']);
		expect(sub('limits', 'set-role').options!.map((option) => option.name).slice(0, 2)).toEqual(['role', 'video_seconds']);
	});

	it("stays within Discord's limits: at most 25 options a level, lowercase names up to 32, descriptions up to 100", () => {
		expect((json.options as Option[]).length).toBeLessThanOrEqual(25);
		expect(json.description.length).toBeLessThanOrEqual(100);
		walk(json.options as Option[], (option) => {
			expect(option.name).toMatch(/^[-_a-z0-9]{1,32}$/);
			expect(option.description.length).toBeGreaterThan(0);
			expect(option.description.length).toBeLessThanOrEqual(100);
			expect((option.options ?? []).length).toBeLessThanOrEqual(25);
		});
	});
});
