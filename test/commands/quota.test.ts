import type { ChatInputCommandInteraction } from 'discord.js';
import type { Keyv } from 'keyv';
import { describe, expect, it } from 'vitest';
import { quotaView } from '../../src/commands/quota.js';
import type { BotContext } from '../../src/context.js';
import { GuildSettingsStore } from '../../src/services/guilds/guild-settings.js';
import type { Job, VideoJob } from '../../src/services/jobs/job.js';
import { IMAGES, QuotaService, VIDEO_SECONDS } from '../../src/services/quota/quota.js';
import type { WriteBehind } from '../../src/services/store/write-behind.js';

const GUILD = '300000000000000000';
const USER = '100000000000000000';
const ROLE = '700000000000000000';
const HOUR = 60 * 60_000;
const writer = { write: async () => {}, writeNow: async () => {} } as unknown as WriteBehind;

function job(id: string, state: Job['state']): VideoJob {
	return {
		id,
		kind: 'video',
		state,
		createdAt: 1,
		updatedAt: 1,
		requester: { userId: USER, guildId: GUILD },
		reply: {},
		settings: { prompt: 'p', apiPrompt: 'p', model: 'm', seconds: 5, audio: true, references: [] },
		quota: { userId: `${GUILD}:${USER}`, jobId: id, amount: 5, windowStart: 1 },
	};
}

async function setup(config: Record<string, number | undefined> = {}) {
	const guilds = new GuildSettingsStore({} as Keyv, writer, { dms: true, userInstall: false });
	const quotas = { video: new QuotaService(writer, 60, 24 * HOUR, undefined, VIDEO_SECONDS), image: new QuotaService(writer, 20, 24 * HOUR, undefined, IMAGES) };
	const stored = [job('queued-1', 'queued'), job('running-1', 'running'), job('done-1', 'delivered')];
	const live = new Map([['queued-1', { ...stored[0]!, queuePosition: 4 }]]);
	const context = {
		config: { QUOTA_VIDEO_SECONDS: 60, QUOTA_IMAGES: 20, ...config },
		guilds,
		quotas,
		jobs: { recent: async () => stored },
		dispatch: { find: (id: string) => live.get(id) },
		credit: { paused: false },
	} as unknown as BotContext;
	const interaction = (changes: Record<string, unknown> = {}) => ({ guildId: GUILD, user: { id: USER }, member: { roles: [ROLE] }, ...changes }) as unknown as ChatInputCommandInteraction;
	return { context, guilds, quotas, interaction };
}

describe('/quota reads what a request would be checked against', () => {
	it("the member's limit from their best role, the server's budget, the bot's budget, with what each has used", async () => {
		const { context, guilds, quotas, interaction } = await setup({ QUOTA_GLOBAL_VIDEO_SECONDS: 1000 });
		await guilds.update(GUILD, (settings) => {
			settings.roles[ROLE] = { videoSeconds: 90 };
			settings.budget = { videoSeconds: 300 };
		});
		quotas.video.reserveAll([{ subject: `${GUILD}:${USER}`, limit: 90, scope: 'member' }, { subject: `server:${GUILD}`, limit: 300, scope: 'server' }, { subject: 'bot', limit: 1000, scope: 'bot' }], 10, 'j1');
		const view = await quotaView(interaction(), context);
		expect(view.video).toMatchObject({ source: 'role', status: { limit: 90, used: 10, remaining: 80 }, server: { limit: 300, remaining: 290 }, bot: { limit: 1000, remaining: 990 } });
		expect(view.image).toMatchObject({ source: 'bot', status: { limit: 20, used: 0 } });
		expect(view.image.server).toBeUndefined();
		expect(view.image.bot).toBeUndefined();
	});

	it('a grant wins over the role', async () => {
		const { context, guilds, interaction } = await setup();
		await guilds.update(GUILD, (settings) => {
			settings.roles[ROLE] = { images: 50 };
			settings.grants[USER] = { images: 2 };
		});
		expect((await quotaView(interaction(), context)).image).toMatchObject({ source: 'grant', status: { limit: 2 } });
	});

	it("lists only jobs not final, the live one (with its place in line) over the stored record", async () => {
		const { context, interaction } = await setup();
		const view = await quotaView(interaction(), context);
		expect(view.jobs.map(({ job, place }) => [job.id, job.state, place])).toEqual([
			['queued-1', 'queued', 4],
			['running-1', 'running', undefined],
		]);
	});

	it('in DMs: the bot default and the bot budget, no server budget', async () => {
		const { context, interaction } = await setup({ QUOTA_GLOBAL_IMAGES: 100 });
		const view = await quotaView(interaction({ guildId: null, member: null }), context);
		expect(view.inServer).toBe(false);
		expect(view.image).toMatchObject({ source: 'bot', bot: { limit: 100 } });
		expect(view.video.server).toBeUndefined();
	});
});
