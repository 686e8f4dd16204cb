import { Routes } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelOption, textOf } from '../stand-ins/discord/stand-in.js';
import { startHarness, type Harness } from './support/harness.js';

/**
 * Discord bans the bot's IP at 10,000 answers of 401/403/429 in 10 minutes. The real bot, with that
 * limit lowered to 6 so half is reached in three refusals: it warns in the log, tells the audit
 * channel once, and sends no progress edits until the rate falls, while results are still posted.
 */
let h: Harness;
let auditChannel: string;
let refused: string;
const ADMIN = String(1n << 5n);

beforeAll(async () => {
	h = await startHarness({}, {}, { invalidRequestLimit: 6 });
	auditChannel = h.discord.addChannel(undefined, 'bot-audit');
	refused = h.discord.addChannel(undefined, 'locked');
	h.discord.refuseChannelPosts(refused, 50013);
	const admin = await h.discord.invoke('relaydance-admin', { channel: channelOption(auditChannel) }, { subcommand: ['audit-channel'], memberPermissions: ADMIN });
	await admin.waitFor((handle) => textOf(handle.original).includes('Audit lines'));
});
afterAll(() => h?.close());

/** PATCHes of the job's reply that Discord took. */
const replyEdits = (handle: Awaited<ReturnType<Harness['discord']['invoke']>>) => handle.requests.filter((request) => request.method === 'PATCH' && request.status === 200);

describe("Discord's invalid-request limit", () => {
	it('edits progress as usual while Discord refuses little', async () => {
		const handle = await h.discord.invoke('video', { prompt: 'a calm sea, before any refusal' });
		await handle.finished();
		expect(replyEdits(handle).length).toBeGreaterThan(1);
	});

	it('at half the limit warns, tells the audit channel once, and pauses progress edits but still delivers', async () => {
		for (let count = 0; count < 4; count++) {
			await h.bot.client.rest.post(Routes.channelMessages(refused), { body: { content: 'x' } }).catch(() => {});
		}
		await h.discord.waitFor(() => h.discord.messagesIn(auditChannel).some((message) => message.content.includes('Discord refused')));
		expect(h.logs.lines.filter((line) => line.includes("as gets the bot's IP banned"))).toHaveLength(1);
		expect(h.discord.messagesIn(auditChannel).filter((message) => message.content.includes('Discord refused'))).toHaveLength(1);

		const handle = await h.discord.invoke('video', { prompt: 'a storm, while Discord refuses' });
		await handle.finished();
		const edits = replyEdits(handle);
		expect(edits).toHaveLength(1);
		expect(handle.original!.files).toHaveLength(1);
		expect(textOf(handle.original!)).not.toMatch(/failed/i);
		expect(h.discord.violations).toEqual([]);
	});
});
