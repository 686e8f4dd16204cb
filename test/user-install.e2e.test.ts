import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { textOf } from '../stand-ins/discord/stand-in.js';
import { startHarness, type Harness } from './support/harness.js';

/**
 * A member who installed the app to their own account uses it in a server that has not added the
 * bot: the bot can answer only through the interaction, for 15 minutes, and its own token earns a
 * 50001 there. It never tries one.
 */
const OWNER = snowflake();
const marker = () => `m${randomUUID().slice(0, 8)}`;

async function allowUserInstalls(h: Harness): Promise<void> {
	const handle = await h.discord.invoke('relaydance-admin', { user_installs: true }, { subcommand: ['where', 'access'], userId: OWNER, memberPermissions: String(1n << 5n) });
	await handle.waitFor((answer) => textOf(answer.original).includes('user-installed use **on**'));
}
const missingAccess = (h: Harness) => h.discord.channelRejections.filter((rejection) => rejection.code === 50001);

describe('a user install, in a server without the bot', () => {
	let h: Harness;
	beforeAll(async () => {
		h = await startHarness({ BOT_OWNER_IDS: OWNER, QUOTA_SERVER_VIDEO_SECONDS: '5' });
		await allowUserInstalls(h);
	});
	afterAll(() => h?.close());

	it('delivers /video by editing the reply, with the member’s own quota and no server budget', async () => {
		const userId = snowflake();
		// Twice the server budget: a server's budget does not apply where the bot is not.
		for (const prompt of [`a lantern ${marker()}`, `a second lantern ${marker()}`]) {
			const handle = await h.discord.invoke('video', { prompt, seconds: 5 }, { userId, userInstall: true });
			await handle.finished();
			expect(handle.original!.files).toHaveLength(1);
		}
		expect(missingAccess(h)).toEqual([]);
		expect(h.discord.violations).toEqual([]);
	});

	it('once the token is past its life, sends the result by DM, never to the channel', async () => {
		const userId = snowflake();
		await h.discord.invoke('video', { prompt: `a late one ${marker()}` }, { userId, userInstall: true, createdAt: Date.now() - 16 * 60_000 });
		await h.discord.waitFor(() => (h.discord.dms.get(userId) ?? []).some((message) => message.files.length === 1));
		expect(missingAccess(h)).toEqual([]);
	});
});

describe('a user install where the job would outlast the interaction', () => {
	let h: Harness;
	beforeAll(async () => {
		h = await startHarness({ BOT_OWNER_IDS: OWNER, TYPICAL_VIDEO_SECONDS: '900' });
		await allowUserInstalls(h);
	});
	afterAll(() => h?.close());

	it('refuses up front, ephemerally, before anything is spent', async () => {
		const tag = marker();
		const handle = await h.discord.invoke('video', { prompt: `a slow epic ${tag}` }, { userInstall: true });
		await handle.waitFor((answer) => textOf(answer.original).includes('within 15 minutes'));
		expect(handle.original!.ephemeral).toBe(true);
		expect(textOf(handle.original)).toContain('about 15 minutes');
		expect(h.relaydance.requests.filter((request) => JSON.stringify(request.body ?? '').includes(tag))).toEqual([]);
	});

	it('still takes the same job in a server that has the bot', async () => {
		const handle = await h.discord.invoke('video', { prompt: `a slow epic at home ${marker()}` });
		await handle.waitFor((answer) => answer.callback?.type === 5);
		expect(textOf(handle.original)).not.toContain('within 15 minutes');
	});
});
