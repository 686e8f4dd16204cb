import { REST } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InteractionReplyView, TOKEN_LIFETIME_MS } from '../../src/discord/interaction-view.js';
import { createLogger } from '../../src/logger.js';
import { asInteractionAddress, type InteractionAddress } from '../../src/discord/reply-address.js';
import { APP_PERMISSIONS } from '../../stand-ins/discord/payloads.js';
import type { Job } from '../../src/services/jobs/job.js';
import { startDiscordStandIn, textOf, type DiscordStandIn } from '../../stand-ins/discord/stand-in.js';

let discord: DiscordStandIn;
beforeAll(async () => {
	discord = await startDiscordStandIn();
});
afterAll(() => discord?.close());

function jobFor(createdAt: number): Job {
	return {
		id: 'a1b2c3d4-0000-0000-0000-000000000000',
		state: 'failed',
		createdAt,
		updatedAt: createdAt,
		requester: { userId: '123456789012345678', guildId: discord.world.guildId },
		reply: {
			applicationId: discord.world.applicationId,
			interactionId: '1',
			credential: 'expired-token',
			interactionCreatedAt: createdAt,
			userId: '123456789012345678',
			guildId: discord.world.guildId,
			channelId: discord.world.channelId,
			attachmentSizeLimit: 10 * 1024 * 1024,
			appPermissions: APP_PERMISSIONS,
		} satisfies InteractionAddress,
		settings: { prompt: 'a slow render', apiPrompt: 'a slow render', model: 'doubao-seedance-2-0-1080p', seconds: 5, audio: true, references: [] },
		quota: { userId: '123456789012345678', amount: 5, windowStart: createdAt },
		failure: { kind: 'Timeout', message: 'RelayDance had not finished after 30 minutes, so the bot stopped waiting.' },
		refunded: true,
	};
}

describe('InteractionReplyView', () => {
	it('posts the final word in the channel with the bot token once the interaction token has expired', async () => {
		const rest = new REST({ api: discord.apiUrl }).setToken(discord.botToken);
		const createdAt = Date.now() - TOKEN_LIFETIME_MS - 1_000;
		const view = new InteractionReplyView({ interactions: rest, bot: rest, api: discord.apiUrl, botToken: discord.botToken }, asInteractionAddress(jobFor(createdAt).reply), 10, createLogger('silent'));
		await view.fail(jobFor(createdAt));
		const posted = discord.channelMessages.at(-1);
		expect(textOf(posted)).toContain('RelayDance had not finished after 30 minutes');
		expect(posted!.pinged).toBe(false);
		expect(discord.violations).toEqual([]);
	});
});
