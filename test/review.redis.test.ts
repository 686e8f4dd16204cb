import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REVIEW_WAITING } from '../src/discord/render-review.js';
import { JobStore, type RecordWriter } from '../src/services/jobs/job-store.js';
import type { Job } from '../src/services/jobs/job.js';
import { ReviewDecisions } from '../src/services/moderation/reviews.js';
import { openStore } from '../src/services/store/store.js';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { buttonsOf, channelOption, galleryOf, startDiscordStandIn, textOf, type DiscordStandIn } from '../stand-ins/discord/stand-in.js';
import { startRelayDanceSimulator, type RelayDanceSimulator } from '../stand-ins/relaydance/simulator.js';
import { runScript, type ScriptRun, PERMISSIONS } from './support/bot-process.js';
import { REDIS_URL, redisDb, warnIfSkipped } from './support/redis.js';

/**
 * Review before posting on Redis: a worker posts the result for review, and the Approve press is
 * carried out by the gateway process alone (the worker gone); two processes deciding at once on the
 * shared record decide once. Runs when `REDIS_URL` is set (CI sets it and fails without a Redis),
 * always in database 3, this suite's own.
 */
warnIfSkipped('Review on Redis');
const STORE = REDIS_URL && redisDb(3);
const ADMIN = PERMISSIONS.admin;
const MODERATOR = PERMISSIONS.moderator;

describe.skipIf(!REDIS_URL)('review before posting on Redis', () => {
	let discord: DiscordStandIn;
	let relaydance: RelayDanceSimulator;
	let redis: Redis;
	let gateway: ScriptRun | undefined;
	let worker: ScriptRun | undefined;

	const env = () => ({
		DISCORD_TOKEN: discord.botToken,
		DISCORD_API_URL: discord.apiUrl,
		RELAYDANCE_API_KEY: 'sk-review-redis',
		RELAYDANCE_BASE_URL: relaydance.apiUrl,
		STORE_URL: STORE!,
		POLL_INTERVAL_MS: '50',
		POLL_MAX_INTERVAL_MS: '100',
		EDIT_INTERVAL_MS: '100',
		SHARD_COUNT: '1',
		SHUTDOWN_GRACE_MS: '3000',
	});

	beforeAll(async () => {
		[discord, relaydance] = await Promise.all([startDiscordStandIn(), startRelayDanceSimulator({ queuedMs: 50, durationMs: 300 })]);
		redis = new Redis(STORE!);
		await redis.flushdb(); // this suite's own database
	});
	afterEach(() => expect(discord.violations).toEqual([]));
	afterAll(async () => {
		for (const run of [gateway, worker]) run?.child.kill('SIGKILL');
		await Promise.all([discord?.close(), relaydance?.close(), redis?.quit()]);
	});

	it("a worker posts the result for review; the gateway alone carries out Approve (the worker gone) into the member's reply", async () => {
		gateway = runScript('dist/index.js', env(), undefined, ['gateway']);
		worker = runScript('dist/index.js', env(), undefined, ['worker']);
		await Promise.all([gateway.waitForLog('bot ready'), worker.waitForLog('worker ready')]);
		const requests = discord.addChannel(undefined, 'creations');
		const review = discord.addChannel(undefined, 'mod-review');
		const set = await discord.invoke('relaydance-admin', { channel: channelOption(requests), review_channel: channelOption(review) }, { subcommand: ['review', 'on'], memberPermissions: ADMIN });
		await set.waitFor((h) => textOf(h.original) !== '');

		const tag = `m${randomUUID().slice(0, 8)}`;
		const handle = await discord.invoke('video', { prompt: `a harbour ${tag}`, seconds: 4 }, { userId: snowflake(), channelId: requests });
		await handle.waitFor((h) => textOf(h.original).includes(REVIEW_WAITING), 20_000);
		const held = discord.messagesIn(review).find((message) => textOf(message).includes(tag))!;
		expect(held.files).toHaveLength(1);
		// The worker ran it (and ended it: the record says it waits for review).
		await worker.waitForLog('video delivered');
		expect(galleryOf(handle.original)).toEqual([]);

		worker.child.kill('SIGTERM');
		await worker.exit;
		const approve = buttonsOf(held).find((button) => button.label === 'Approve')!.custom_id!;
		await discord.press(held, approve, { userId: snowflake(), memberPermissions: MODERATOR });
		await handle.waitFor((h) => galleryOf(h.original).length === 1, 20_000);
		expect(textOf(handle.original)).toContain('Video ready');
		await gateway.waitForLog((line) => line.msg === 'review decided' && line.verdict === 'approve');
		await discord.waitFor(() => buttonsOf(discord.findMessage(held.id)).length === 0);
	});

	it('two processes claiming one decision at once on the shared record: exactly one claims it, every time', async () => {
		const noWrites: RecordWriter = { write: async () => {}, delete: async () => {}, writeNow: async () => {} };
		const [one, two] = await Promise.all([openStore(STORE!), openStore(STORE!)]);
		try {
			const desks = [one, two].map((store) => new ReviewDecisions(new JobStore(store, noWrites)));
			for (let round = 0; round < 20; round++) {
				const id = randomUUID();
				const now = Date.now();
				const job = {
					id,
					kind: 'video',
					state: 'delivered',
					createdAt: now,
					updatedAt: now,
					requester: { userId: '1', guildId: '2' },
					reply: { credential: 'token' },
					quota: { userId: '1', amount: 4, windowStart: now },
					settings: { prompt: 'p', apiPrompt: 'p', model: 'm', seconds: 4, references: [] },
					review: { channelId: '3', messageId: '4' },
				} as unknown as Job;
				await one.set(`job:${id}`, job);
				const claims = await Promise.all([desks[0]!.claim(id, 'approve', 'a'), desks[1]!.claim(id, 'reject', 'b')]);
				expect(claims.map((claim) => claim.outcome).sort()).toEqual(['busy', 'claimed']);
			}
		} finally {
			await Promise.all([one.disconnect(), two.disconnect()]);
		}
	});
});
