import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { shardOf } from '../stand-ins/discord/gateway.js';
import { snowflake } from '../stand-ins/discord/payloads.js';
import type { SentMessage } from '../stand-ins/discord/stand-in.js';
import { buttonsOf, channelOption, startDiscordStandIn, textOf, userOption, type DiscordStandIn, type InteractionHandle, type OptionValue } from '../stand-ins/discord/stand-in.js';
import { startRelayDanceSimulator, type RelayDanceSimulator } from '../stand-ins/relaydance/simulator.js';
import { BOT_SUBJECT, VIDEO_SECONDS } from '../src/services/quota/quota.js';
import { quotaHashPrefix } from '../src/services/quota/redis-quota.js';
import { runScript, type ScriptRun } from './support/bot-process.js';
import { REDIS_URL, redisDb, warnIfSkipped } from './support/redis.js';

/**
 * Several processes on one real Redis, as `npm run gateway` and `npm run worker` run them: two
 * gateways (one shard each) take the interactions, two workers run the jobs. Runs when `REDIS_URL`
 * is set (`.ci/run` sets it, and fails when no Redis answers); says so when skipped.
 */
warnIfSkipped('Multi-process (Redis) suite');
const STORE = REDIS_URL && redisDb(13);
/** Room for ten 4-second videos, bot-wide (the budget is emptied before each test). */
const BOT_BUDGET = 40;
const MANAGE_SERVER = String(1n << 5n);

describe.skipIf(!REDIS_URL)('several processes on one Redis', () => {
	let discord: DiscordStandIn;
	let relaydance: RelayDanceSimulator;
	let redis: Redis;
	const guilds: Array<{ guildId: string; channelId: string }> = [];
	const gateways: ScriptRun[] = [];
	const workers: ScriptRun[] = [];
	const all = () => [...gateways, ...workers];

	const env = (extra: Record<string, string> = {}) => ({
		DISCORD_TOKEN: discord.botToken,
		DISCORD_API_URL: discord.apiUrl,
		RELAYDANCE_API_KEY: 'sk-cluster',
		RELAYDANCE_BASE_URL: relaydance.apiUrl,
		STORE_URL: STORE!,
		POLL_INTERVAL_MS: '50',
		POLL_MAX_INTERVAL_MS: '100',
		EDIT_INTERVAL_MS: '100',
		SHARD_COUNT: '2',
		QUOTA_GLOBAL_VIDEO_SECONDS: String(BOT_BUDGET),
		MAX_ACTIVE_JOBS_PER_USER: '2',
		// One submit at a time per worker, so a job behind a slow one waits, queued, in its worker.
		MAX_SUBMITTING: '1',
		// A killed worker's jobs go to the other within seconds (long enough that a busy machine's pauses do not look like a death).
		WORKER_LOCK_MS: '3000',
		SHUTDOWN_GRACE_MS: '3000',
		// Four tasks at once across both workers: the fifth waits in the shared queue.
		MAX_CONCURRENT_TASKS: '4',
		...extra,
	});
	async function startGateway(shard: number): Promise<ScriptRun> {
		const run = runScript('dist/index.js', env({ SHARD_IDS: String(shard) }), undefined, ['gateway']);
		gateways[shard] = run;
		await run.waitForLog('bot ready');
		return run;
	}
	async function startWorker(slot: number): Promise<ScriptRun> {
		const run = runScript('dist/index.js', env(), undefined, ['worker']);
		workers[slot] = run;
		await run.waitForLog('worker ready');
		return run;
	}
	const startAll = () => Promise.all([startGateway(0), startGateway(1), startWorker(0), startWorker(1)]);
	async function stopAll(signal: NodeJS.Signals): Promise<void> {
		const runs = all();
		for (const run of runs) run.child.kill(signal);
		await Promise.all(runs.map((run) => run.exit));
	}

	beforeAll(async () => {
		[discord, relaydance] = await Promise.all([startDiscordStandIn({ shards: 2 }), startRelayDanceSimulator({ queuedMs: 50, durationMs: 300 })]);
		guilds.push({ guildId: discord.world.guildId, channelId: discord.world.channelId });
		while (new Set(guilds.map((guild) => shardOf(guild.guildId, 2))).size < 2) {
			const added = await discord.addGuild({ name: `Guild ${guilds.length}` });
			guilds.push({ guildId: added.guildId, channelId: added.channelIds[0]! });
		}
		redis = new Redis(STORE!);
		await redis.flushdb(); // this suite's own database
		await startAll();
	});
	beforeEach(async () => {
		await redis.del(quotaHashPrefix(VIDEO_SECONDS) + BOT_SUBJECT);
	});
	afterEach(() => {
		expect(discord.violations).toEqual([]);
	});
	afterAll(async () => {
		for (const run of all()) run.child.kill('SIGKILL');
		await Promise.all([discord?.close(), relaydance?.close(), redis?.quit()]);
	});

	const onShard = (shard: number) => guilds.find((guild) => shardOf(guild.guildId, 2) === shard)!;
	const marker = () => `m${randomUUID().slice(0, 8)}`;
	const submissions = (tag: string) => relaydance.requestsFor(tag).filter((request) => request.path === '/v1/video/generations');
	const ask = (shard: number, prompt: string, userId = snowflake(), seconds = 4) => discord.invoke('video', { prompt, seconds }, { userId, ...onShard(shard) });
	const submittedBy = (run: ScriptRun, userId: string) => run.logs().some((line) => line.userId === userId && line.msg === 'task submitted');
	const answered = (handle: InteractionHandle) => handle.waitFor((h) => h.callback !== undefined);
		const cancelButton = (handle: InteractionHandle) => buttonsOf(handle.original).find((button) => button.label === 'Cancel')?.custom_id;

	it('delivers /video from both shards: each guild reaches only its shard\'s gateway, and a worker runs the job', async () => {
		const tag = marker();
		const users = [snowflake(), snowflake()];
		const routedBefore = discord.routed.length;
		const handles = await Promise.all([0, 1].map((shard) => ask(shard, `shard ${shard} ${tag}`, users[shard])));
		await Promise.all(handles.map((handle) => handle.finished(20_000)));
		for (const handle of handles) expect(textOf(handle.original)).toContain('Video ready');
		expect(submissions(tag)).toHaveLength(2);
		const interactions = discord.routed.slice(routedBefore).filter((entry) => entry.event === 'INTERACTION_CREATE');
		expect(interactions.map((entry) => entry.shards).sort()).toEqual([[0], [1]]);
		for (const userId of users) {
			expect(gateways.some((run) => submittedBy(run, userId))).toBe(false);
			expect(workers.filter((run) => submittedBy(run, userId))).toHaveLength(1);
		}
	});

	it('lets exactly 10 of 50 members in two servers through when the bot-wide budget has room for 10', async () => {
		const tag = marker();
		const handles = await Promise.all(Array.from({ length: 50 }, (_, index) => ask(index % 2, `budget ${index} ${tag}`)));
		await Promise.all(handles.map(answered));
		const refused = handles.filter((handle) => handle.original?.ephemeral && /The bot's budget for now is spent/.test(textOf(handle.original)));
		const accepted = handles.filter((handle) => !refused.includes(handle));
		expect(refused).toHaveLength(40);
		expect(accepted).toHaveLength(10);
		await Promise.all(accepted.map((handle) => handle.finished(30_000)));
		expect(submissions(tag)).toHaveLength(10);
		expect(await redis.hget(quotaHashPrefix(VIDEO_SECONDS) + BOT_SUBJECT, '@used')).toBe(String(BOT_BUDGET));
	});

	it('holds one member to their 2 active jobs across both gateways, and frees a slot when a worker ends a job', async () => {
		const tag = marker();
		const userId = snowflake();
		const wave = await Promise.all([0, 1, 0, 1].map((shard, index) => ask(shard, `${index === 0 ? 'sim:fail=InternalError ' : 'sim:duration=3000 '}racing ${index} ${tag}`, userId)));
		await Promise.all(wave.map(answered));
		const refused = wave.filter((handle) => /You already have 2 generations running/.test(textOf(handle.original)));
		expect(refused).toHaveLength(wave.length - 2);
		// The worker that ends the failing job refunds it and frees its slot: a gateway takes the next request.
		const failing = wave.find((handle) => !refused.includes(handle) && textOf(handle.original).includes('racing 0'));
		if (failing) await failing.finished(20_000);
		else await Promise.all(wave.filter((handle) => !refused.includes(handle)).map((handle) => handle.finished(20_000)));
		const next = await ask(1, `after the failure ${tag}`, userId);
		await answered(next);
		expect(textOf(next.original)).not.toMatch(/You already have/);
		await Promise.all([next, ...wave.filter((handle) => !refused.includes(handle))].map((handle) => handle.finished(20_000)));
		expect(textOf(next.original)).toContain('Video ready');
	});

	it('cancels a job waiting in a worker when its member presses Cancel on a gateway', async () => {
		const tag = marker();
		// Four jobs, as many as MAX_CONCURRENT_TASKS: the workers take them all, none waits in the shared
		// queue. Each submit takes 2.5 s and each worker submits one at a time, so however they are
		// spread, at least two wait in a worker, queued, with their place and a Cancel button.
		const askers = [0, 1, 0, 1].map((shard) => ({ shard, userId: snowflake() }));
		const handles = await Promise.all(askers.map(({ shard, userId }, index) => ask(shard, `held ${index} sim:submitdelay=2500 ${tag}`, userId)));
		const waitingInWorker = (handle: InteractionHandle) => cancelButton(handle) !== undefined && /in line/.test(textOf(handle.original));
		const target = await Promise.race(handles.map((handle) => handle.waitFor(waitingInWorker).then(() => handle)));
		const asker = askers[handles.indexOf(target)]!;
		const press = await discord.press(target.original!, cancelButton(target)!, { userId: asker.userId, ...onShard(asker.shard) });
		await answered(press);
		expect(press.callback!.type).toBe(6);
		await target.waitFor((handle) => /Cancelled/.test(textOf(handle.original)));
		expect(textOf(target.original)).toContain('Your 4 s of quota were given back.');
		// The worker holding it ended it: the gateway that took the press asked, over Redis.
		expect(workers.some((run) => run.logs().some((line) => line.userId === asker.userId && line.msg === 'cancelled before anything was sent' && line.by === 'requester'))).toBe(true);
		await Promise.all(handles.filter((handle) => handle !== target).map((handle) => handle.finished(20_000)));
		expect(submissions(`held ${handles.indexOf(target)} sim:submitdelay=2500 ${tag}`)).toHaveLength(0);
		expect(submissions(tag)).toHaveLength(3);
	});

	it('shows a job waiting in the shared queue its place, and Cancel on a gateway takes it out, refunded, before any worker has it', async () => {
		const tag = marker();
		const running = await Promise.all([0, 1, 0, 1].map((shard, index) => ask(shard, `running ${index} sim:duration=2500 ${tag}`)));
		await Promise.all(running.map((handle) => handle.waitFor((h) => /Generating your video/.test(textOf(h.original)))));
		const userId = snowflake();
		const waiting = await ask(1, `waiting in the queue ${tag}`, userId);
		await waiting.waitFor((h) => /next in line/.test(textOf(h.original)) && cancelButton(h) !== undefined);
		const press = await discord.press(waiting.original!, cancelButton(waiting)!, { userId, ...onShard(1) });
		await answered(press);
		await waiting.waitFor((handle) => /Cancelled/.test(textOf(handle.original)));
		expect(textOf(waiting.original)).toContain('Your 4 s of quota were given back.');
		await Promise.all(running.map((handle) => handle.finished(20_000)));
		expect(submissions(`waiting in the queue ${tag}`)).toHaveLength(0);
		expect(await redis.hget(`${quotaHashPrefix(VIDEO_SECONDS)}${onShard(1).guildId}:${userId}`, '@used')).toBe('0');
	});

	it('carries an admin\'s change made through a gateway to the workers at once, and shows on the gateway the usage the workers counted', async () => {
		const tag = marker();
		const userId = snowflake();
		const { guildId } = onShard(1);
		const auditChannel = discord.addChannel(guildId, `audit-${tag}`);
		const admin = async (subcommand: [string], values: Record<string, OptionValue>) => {
			const handle = await discord.invoke('relaydance-admin', values, { subcommand, memberPermissions: MANAGE_SERVER, ...onShard(1) });
			await handle.waitFor((h) => textOf(h.original) !== '');
			return textOf(handle.original);
		};
		await admin(['audit-channel'], { channel: channelOption(auditChannel) });
		const handle = await ask(1, `audited ${tag}`, userId);
		await handle.finished(20_000);
		// The worker that ran it posts the line: it read the audit channel the gateway saved.
		await discord.waitFor(() => discord.messagesIn(auditChannel).some((message) => message.content.includes(tag)));
		const usage = await admin(['usage'], { member: userOption(userId) });
		expect(usage).toMatch(/All time: 4 s · 0 images · 1 delivered · 0 failed/);
	});

	it('delivers once, charged once, when the worker running a job is killed (SIGKILL) and the other takes it up', async () => {
		const tag = marker();
		const userId = snowflake();
		const handle = await ask(0, `survives its worker sim:duration=3000 ${tag}`, userId, 5);
		await handle.waitFor((h) => /Generating your video/.test(textOf(h.original)));
		const slot = workers.findIndex((run) => submittedBy(run, userId));
		expect(slot).toBeGreaterThanOrEqual(0);
		workers[slot]!.child.kill('SIGKILL');
		await workers[slot]!.exit;
		await handle.finished(20_000);
		expect(textOf(handle.original)).toContain('Video ready');
		expect(submissions(tag)).toHaveLength(1);
		const survivor = workers[1 - slot]!;
		await survivor.waitForLog((line) => line.userId === userId && line.msg === 'video delivered');
		// Once: one message carries the file, and no process delivered it twice.
		expect([...handle.history, ...discord.channelMessages].filter((message) => message.files.length > 0 && textOf(message).includes(tag))).toHaveLength(1);
		expect(all().flatMap((run) => run.logs()).filter((line) => line.userId === userId && line.msg === 'video delivered')).toHaveLength(1);
		// Charged once: the member's window holds this job's 5 s and nothing else.
		const charges = await redis.hgetall(`${quotaHashPrefix(VIDEO_SECONDS)}${onShard(0).guildId}:${userId}`);
		expect(charges).toMatchObject({ '@used': '5' });
		expect(Object.keys(charges).filter((field) => !field.startsWith('@'))).toHaveLength(1);
		await startWorker(slot);
	});

	it('loses nothing when every process is restarted in the middle of jobs', async () => {
		const tag = marker();
		const handles = await Promise.all([0, 1].map((shard) => ask(shard, `restarted sim:duration=2500 ${tag}`)));
		await Promise.all(handles.map((handle) => handle.waitFor((h) => /Generating your video/.test(textOf(h.original)))));
		await stopAll('SIGTERM');
		await startAll();
		await Promise.all(handles.map((handle) => handle.finished(20_000)));
		for (const handle of handles) expect(textOf(handle.original)).toContain('Video ready');
		expect(submissions(tag)).toHaveLength(2);
	});
});
