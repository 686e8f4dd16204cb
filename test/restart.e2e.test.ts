import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../src/services/jobs/job.js';
import { IMAGES, QUOTA_KEY_PREFIX, type QuotaRecord } from '../src/services/quota/quota.js';
import { openStore, scanStore } from '../src/services/store/store.js';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { startDiscordStandIn, textOf, type DiscordStandIn, type InteractionHandle } from '../stand-ins/discord/stand-in.js';
import { startRelayDanceSimulator, type RelayDanceSimulator } from '../stand-ins/relaydance/simulator.js';
import { runScript, type ScriptRun } from './support/bot-process.js';

/**
 * The promise to members, tested with real processes killed the way deploys and crashes kill
 * them: a job that was accepted is delivered once, or its member is told; the charge matches.
 */
let discord: DiscordStandIn;
let relaydance: RelayDanceSimulator;
const processes: ScriptRun[] = [];
beforeAll(async () => {
	[discord, relaydance] = await Promise.all([startDiscordStandIn(), startRelayDanceSimulator({ queuedMs: 50, durationMs: 300 })]);
});
afterEach(async () => {
	for (const run of processes.splice(0)) {
		run.child.kill('SIGKILL');
		await run.exit;
	}
});
afterAll(async () => {
	await Promise.all([discord?.close(), relaydance?.close()]);
});

const GRACE_MS = 3_000;
/** A member's quota subject in the stand-in's server. */
const member = (userId: string) => `${discord.world.guildId}:${userId}`;
const marker = () => `m${randomUUID().slice(0, 8)}`;
const submissions = (tag: string) => relaydance.requestsFor(tag).filter((request) => request.path === '/v1/video/generations');
const storeUrl = () => `sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-restart-')), 'store.sqlite')}`;

/** Starts the real bot process on `store` and waits until it is connected. */
async function startBot(store: string, extra: Record<string, string> = {}): Promise<ScriptRun> {
	const run = runScript('dist/index.js', {
		DISCORD_TOKEN: discord.botToken,
		DISCORD_API_URL: discord.apiUrl,
		RELAYDANCE_API_KEY: 'sk-restart-test',
		RELAYDANCE_BASE_URL: relaydance.apiUrl,
		STORE_URL: store,
		POLL_INTERVAL_MS: '50',
		POLL_MAX_INTERVAL_MS: '200',
		EDIT_INTERVAL_MS: '100',
		QUOTA_VIDEO_SECONDS: '30',
		SHUTDOWN_GRACE_MS: String(GRACE_MS),
		...extra,
	});
	processes.push(run);
	await run.waitForLog('bot ready');
	return run;
}

async function stopBot(run: ScriptRun): Promise<void> {
	run.child.kill('SIGTERM');
	await run.exit;
}

/** What the store says once no process holds it. */
async function readStore(store: string) {
	const keyv = await openStore(store);
	try {
		const quotas = Object.fromEntries((await scanStore<QuotaRecord>(keyv, QUOTA_KEY_PREFIX)).map(([userId, record]) => [userId, record.charges]));
		const imageQuotas = Object.fromEntries((await scanStore<QuotaRecord>(keyv, IMAGES.keyPrefix)).map(([userId, record]) => [userId, record.charges]));
		const jobs = (await scanStore<Job>(keyv, 'job:')).map(([, job]) => job);
		return { quotas, imageQuotas, jobs };
	} finally {
		await keyv.disconnect();
	}
}

const generating = (handle: InteractionHandle) => /Generating your video/.test(textOf(handle.original));
const deliveredFiles = (handle: InteractionHandle) => [...handle.history, ...discord.channelMessages].filter((message) => message.files.length > 0 && textOf(message).includes('Video ready'));

describe('a job survives the bot process', () => {
	it('is delivered once and charged once when the bot is killed (SIGKILL) while it waits for RelayDance; /jobs lists it after the restart', async () => {
		const store = storeUrl();
		const tag = marker();
		const userId = snowflake();
		const first = await startBot(store);
		const handle = await discord.invoke('video', { prompt: `a long take sim:duration=4000 ${tag}`, seconds: 5 }, { userId });
		await handle.waitFor(generating);
		first.child.kill('SIGKILL');
		await first.exit;

		const second = await startBot(store);
		await handle.finished(20_000);
		// The reply shows the video a moment before the job record says delivered.
		await second.waitForLog('video delivered');
		expect(textOf(handle.original)).toContain('✅ Video ready');
		expect(deliveredFiles(handle)).toHaveLength(1);
		expect(submissions(tag)).toHaveLength(1);

		const listing = await discord.invoke('jobs', {}, { userId });
		await listing.waitFor((listed) => listed.original !== undefined);
		expect(listing.original!.ephemeral).toBe(true);
		expect(textOf(listing.original)).toMatch(/delivered.*\n> a long take/);
		expect(textOf(listing.original)).toContain(tag);

		await stopBot(second);
		const { quotas, jobs } = await readStore(store);
		const job = jobs.find((candidate) => candidate.settings.prompt.includes(tag))!;
		expect(quotas[member(userId)]).toEqual({ [job.id]: 5 });
		expect(job.state).toBe('delivered');
		expect(job.reply.credential).toBeUndefined();
	});

	it('keeps the line across a restart: waiting jobs are submitted after it in the order they were asked', async () => {
		const store = storeUrl();
		const tag = marker();
		const limits = { MAX_CONCURRENT_TASKS: '1' };
		const first = await startBot(store, limits);
		const running = await discord.invoke('video', { prompt: `holds the line sim:duration=3000 ${tag}`, seconds: 4 }, { userId: snowflake() });
		await running.waitFor(generating);
		const waiting: InteractionHandle[] = [];
		for (const name of ['first', 'second', 'third']) {
			const handle = await discord.invoke('video', { prompt: `${name} in line ${tag}`, seconds: 4 }, { userId: snowflake() });
			await handle.waitFor((h) => /in line/.test(textOf(h.original)));
			waiting.push(handle);
		}
		first.child.kill('SIGTERM');
		expect(await first.exit).toBe(0);
		expect(submissions(tag)).toHaveLength(1);

		await startBot(store, limits);
		await Promise.all([running, ...waiting].map((handle) => handle.finished(30_000)));
		const sent = submissions(tag);
		expect(sent.map((request) => /(\w+) in line|holds/.exec(JSON.stringify(request.body))![1] ?? 'holds')).toEqual(['holds', 'first', 'second', 'third']);
		// One task at a time after the restart too: each went out only once the one before it had run its course.
		const runsFor = (index: number) => (index === 0 ? 3_000 : 300);
		for (let index = 1; index < sent.length; index++) expect(sent[index]!.at - sent[index - 1]!.at).toBeGreaterThanOrEqual(runsFor(index - 1));
	});

	it('tells the member plainly, and charges nothing, when a restart cuts an /image generation off', async () => {
		const store = storeUrl();
		const tag = marker();
		const userId = snowflake();
		const first = await startBot(store);
		const handle = await discord.invoke('image', { prompt: `a slow painting sim:imagems=20000 ${tag}`, count: 2 }, { userId });
		await relaydance.waitForRequest((request) => request.path === '/v1/images/generations' && JSON.stringify(request.body).includes(tag));
		first.child.kill('SIGTERM');
		expect(await first.exit).toBe(0);

		const second = await startBot(store);
		await handle.waitFor((reply) => /Images failed/.test(textOf(reply.original)), 20_000);
		expect(textOf(handle.original)).toContain('restarted while RelayDance was making your images');
		expect(textOf(handle.original)).toContain('Your 2 images of quota were given back.');
		await stopBot(second);
		const { imageQuotas } = await readStore(store);
		expect(imageQuotas[member(userId)] ?? {}).toEqual({});
	});

	it('posts an /image whose answer comes during the shutdown grace, and charges it', async () => {
		const store = storeUrl();
		const tag = marker();
		const userId = snowflake();
		const first = await startBot(store);
		// The answer comes at once; the bot is told to stop while it is still fetching and posting.
		const handle = await discord.invoke('image', { prompt: `a quick sketch sim:b64 ${tag}`, count: 2 }, { userId });
		await relaydance.waitForRequest((request) => request.path === '/v1/images/generations' && JSON.stringify(request.body).includes(tag));
		first.child.kill('SIGTERM');
		expect(await first.exit).toBe(0);
		expect(handle.original?.files ?? []).toHaveLength(2);
		expect(textOf(handle.original)).toContain('Images ready');
		const { imageQuotas, jobs } = await readStore(store);
		const job = jobs.find((candidate) => candidate.settings.prompt.includes(tag))!;
		expect(job.state).toBe('delivered');
		expect(imageQuotas[member(userId)]).toEqual({ [job.id]: 2 });
	});

	it('exits within the grace period on SIGTERM, and the next start delivers without resubmitting or refunding', async () => {
		const store = storeUrl();
		const tag = marker();
		const userId = snowflake();
		const first = await startBot(store);
		const handle = await discord.invoke('video', { prompt: `a sunset sim:duration=4000 ${tag}`, seconds: 6 }, { userId });
		await handle.waitFor(generating);
		const stoppedAt = Date.now();
		first.child.kill('SIGTERM');
		expect(await first.exit).toBe(0);
		expect(Date.now() - stoppedAt).toBeLessThan(GRACE_MS);
		expect(textOf(handle.original)).not.toContain('failed');

		const second = await startBot(store);
		await handle.finished(20_000);
		expect(textOf(handle.original)).toContain('✅ Video ready');
		expect(submissions(tag)).toHaveLength(1);
		await stopBot(second);
		const { quotas } = await readStore(store);
		expect(Object.values(quotas[member(userId)]!)).toEqual([6]);
	});

	it('exits within the grace period on SIGTERM while a submit hangs, and the next start tells the member and refunds', async () => {
		const store = storeUrl();
		const tag = marker();
		const userId = snowflake();
		const first = await startBot(store, { SHUTDOWN_GRACE_MS: '5000' });
		const handle = await discord.invoke('video', { prompt: `a gateway that never answers sim:submitdelay=60000 ${tag}`, seconds: 4 }, { userId });
		await relaydance.waitForRequest((request) => request.path === '/v1/video/generations' && JSON.stringify(request.body).includes(tag));
		const stoppedAt = Date.now();
		first.child.kill('SIGTERM');
		expect(await first.exit).toBe(0);
		expect(Date.now() - stoppedAt).toBeLessThan(5_000);

		const second = await startBot(store);
		await handle.finished(20_000);
		expect(textOf(handle.original)).toContain('restarted while it was sending your request to RelayDance');
		await stopBot(second);
		expect(submissions(tag)).toHaveLength(1);
		expect((await readStore(store)).quotas[member(userId)] ?? {}).toEqual({});
	});

	it('exits within the grace period on SIGTERM while Discord never answers the upload, and the next start delivers once', async () => {
		const store = storeUrl();
		const tag = marker();
		const userId = snowflake();
		const first = await startBot(store, { SHUTDOWN_GRACE_MS: '5000' });
		// An interaction older than its token: the video goes to the channel with the bot token.
		const handle = await discord.invoke('video', { prompt: `posted late ${tag}`, seconds: 4 }, { userId, createdAt: Date.now() - 16 * 60_000 });
		discord.failChannelPosts(discord.world.channelId, 'no-answer');
		await discord.waitFor(() => discord.unansweredChannelPosts.length > 0, 20_000);
		const stoppedAt = Date.now();
		first.child.kill('SIGTERM');
		expect(await first.exit).toBe(0);
		expect(Date.now() - stoppedAt).toBeLessThan(5_000);

		const second = await startBot(store);
		const delivered = () => discord.channelMessages.filter((message) => message.files.length > 0 && textOf(message).includes(tag));
		await discord.waitFor(() => delivered().length > 0, 20_000);
		await stopBot(second);
		expect(delivered()).toHaveLength(1);
		expect(submissions(tag)).toHaveLength(1);
		expect(Object.values((await readStore(store)).quotas[member(userId)]!)).toEqual([4]);
		expect(handle.requests).toEqual([]);
	});

	it('tells the member and refunds, without resubmitting, when the bot was killed during a slow submit', async () => {
		const store = storeUrl();
		const tag = marker();
		const userId = snowflake();
		const first = await startBot(store);
		const handle = await discord.invoke('video', { prompt: `a slow gateway sim:submitdelay=3000 ${tag}`, seconds: 4 }, { userId });
		await relaydance.waitForRequest((request) => request.path === '/v1/video/generations' && JSON.stringify(request.body).includes(tag));
		first.child.kill('SIGKILL');
		await first.exit;

		const second = await startBot(store);
		await handle.finished(20_000);
		const text = textOf(handle.original);
		expect(text).toContain('restarted while it was sending your request to RelayDance');
		expect(text).toContain('Your 4 s of quota were given back.');
		expect(second.logs().some((line) => line.level === 40 && /may have been billed/.test(line.msg))).toBe(true);
		await stopBot(second);
		expect(submissions(tag)).toHaveLength(1);
		const { quotas } = await readStore(store);
		expect(quotas[member(userId)] ?? {}).toEqual({});
	});

	it('leaks no reservation and starts again a job killed before its submit', async () => {
		const store = storeUrl();
		const userId = snowflake();
		const orphan = await openStore(store);
		await orphan.set(`${QUOTA_KEY_PREFIX}${member(userId)}`, { windowStart: Date.now(), charges: { 'job-that-never-saved': 7 } });
		await orphan.disconnect();

		const first = await startBot(store, { MAX_SUBMITTING: '1' });
		const blockerTag = marker();
		const waitingTag = marker();
		const blocker = await discord.invoke('video', { prompt: `hogs the slot sim:submitdelay=4000 ${blockerTag}`, seconds: 4 }, { userId });
		await relaydance.waitForRequest((request) => request.path === '/v1/video/generations' && JSON.stringify(request.body).includes(blockerTag));
		const waiting = await discord.invoke('video', { prompt: `waits its turn ${waitingTag}`, seconds: 5 }, { userId });
		await waiting.waitFor((handle) => /Queued/.test(textOf(handle.original)));
		first.child.kill('SIGKILL');
		await first.exit;

		const second = await startBot(store, { MAX_SUBMITTING: '1' });
		await Promise.all([blocker.finished(20_000), waiting.finished(20_000)]);
		expect(textOf(waiting.original)).toContain('✅ Video ready');
		expect(submissions(waitingTag)).toHaveLength(1);
		await stopBot(second);
		const { quotas, jobs } = await readStore(store);
		const delivered = jobs.find((job) => job.settings.prompt.includes(waitingTag))!;
		expect(quotas[member(userId)]).toEqual({ [delivered.id]: 5 });
	});
});
