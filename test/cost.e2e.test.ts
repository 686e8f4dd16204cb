import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { buttonsOf, numberOption, startDiscordStandIn, textOf, type DiscordStandIn, type InteractionHandle, type SentMessage } from '../stand-ins/discord/stand-in.js';
import { startRelayDanceSimulator, type RelayDanceSimulator } from '../stand-ins/relaydance/simulator.js';
import { PERMISSIONS, startTestBot, type ScriptRun } from './support/bot-process.js';

/**
 * Cost before spending (issue 16), through the real bot process and both stand-ins: with
 * MODEL_PRICES set, a job's message shows its estimate; with `confirm_above` set, a request
 * estimated above it waits, ephemerally, for its member's Start, which works until the asking
 * interaction's token dies, after a restart too, and starts one job however often it is pressed.
 */
let discord: DiscordStandIn;
let relaydance: RelayDanceSimulator;
let bot: ScriptRun;
const store = `sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-cost-')), 'store.sqlite')}`;
const ADMIN = PERMISSIONS.admin;
/** 0.20 a second of video, 0.50 an image; `seedance-1-5-pro-with-audio` has no price. */
const PRICES = 'doubao-seedance-2-0-1080p=0.2,grok-imagine-image=0.5';

function startBot(): Promise<ScriptRun> {
	return startTestBot({ discord, relaydance }, store, { EDIT_INTERVAL_MS: '50', MODEL_PRICES: PRICES });
}

beforeAll(async () => {
	[discord, relaydance] = await Promise.all([startDiscordStandIn(), startRelayDanceSimulator({ queuedMs: 200, durationMs: 600, imageMs: 50 })]);
	bot = await startBot();
	const set = await admin({ confirm_above: numberOption(1.5) });
	expect(set).toContain('A member confirms any job estimated above 1.50');
	expect(set).toContain('Confirm above:** 1.50');
});
afterEach(() => expect(discord.violations).toEqual([]));
afterAll(async () => {
	bot?.child.kill('SIGKILL');
	await Promise.all([discord?.close(), relaydance?.close()]);
});

const marker = () => `m${randomUUID().slice(0, 8)}`;
/** Every call to RelayDance that names `tag` (uploads, submits): none may happen before Start. */
const callsFor = (tag: string) => relaydance.requestsFor(tag);
const png = (name: string) => ({ data: readFileSync(new URL('../stand-ins/fixtures/cat.png', import.meta.url)), name: `${name}.png`, contentType: 'image/png' });
const uploadsOf = (name: string) => relaydance.requests.filter((request) => request.path === '/v1/files' && (request.body as { name: string }).name === name);
const videoSubmits = (tag: string) => callsFor(tag).filter((request) => request.path === '/v1/video/generations');

async function admin(values: Parameters<DiscordStandIn['invoke']>[1]): Promise<string> {
	const handle = await discord.invoke('relaydance-admin', values, { subcommand: ['defaults'], memberPermissions: ADMIN });
	await handle.waitFor((h) => h.original !== undefined && textOf(h.original) !== '');
	return textOf(handle.original);
}

/** The ephemeral cost prompt a request was answered with, once it is there. */
async function promptOf(handle: InteractionHandle): Promise<SentMessage> {
	await handle.waitFor((h) => h.original !== undefined && textOf(h.original) !== '', 10_000);
	expect(handle.callback?.type).toBe(4);
	expect(handle.original!.ephemeral).toBe(true);
	return handle.original!;
}

function buttonId(message: SentMessage | undefined, label: string): string {
	const found = buttonsOf(message).find((candidate) => candidate.label === label);
	if (!found?.custom_id) throw new Error(`no ${label} button on ${JSON.stringify(message?.components)}`);
	return found.custom_id;
}

/** What the member has left of their video seconds, as `/quota` tells them. */
async function videoLeft(userId: string): Promise<string> {
	const quota = await discord.invoke('quota', {}, { userId });
	await quota.waitFor((h) => h.original !== undefined && textOf(h.original) !== '', 10_000);
	return /Video: \*\*(\d+ s)\*\* left/.exec(textOf(quota.original))?.[1] ?? textOf(quota.original);
}

describe('the estimate on a job’s message', () => {
	it('shows the estimate from the first progress to the result when MODEL_PRICES prices the model, and no confirmation at or under confirm_above', async () => {
		const tag = marker();
		const userId = snowflake();
		// 5 s at 0.20: 1.00, under 1.50.
		const handle = await discord.invoke('video', { prompt: `a lighthouse ${tag}`, seconds: 5 }, { userId });
		await handle.finished(20_000);
		expect(handle.callback?.type).toBe(5);
		// Every edit between the deferral ("thinking…", no text) and the result.
		const progress = handle.history.filter((message) => textOf(message) !== '' && !textOf(message).includes('✅'));
		expect(progress.length).toBeGreaterThan(0);
		for (const message of progress) expect(textOf(message)).toContain('Estimated cost: 1.00');
		expect(textOf(handle.original)).toContain('✅ Video ready');
		expect(textOf(handle.original)).toContain('Estimated cost: 1.00');
		expect(videoSubmits(tag)).toHaveLength(1);
		expect(await videoLeft(userId)).toBe('25 s');
	});

	it('shows no estimate, and never asks, where the model has no price', async () => {
		const tag = marker();
		// 12 s would be far above 1.50 at any price: the model has none, so it goes ahead.
		const handle = await discord.invoke('video', { prompt: `a river ${tag}`, seconds: 12, model: 'seedance-1-5-pro-with-audio' });
		await handle.finished(20_000);
		expect(handle.callback?.type).toBe(5);
		for (const message of handle.history) expect(textOf(message)).not.toContain('Estimated cost');
		expect(videoSubmits(tag)).toHaveLength(1);
	});

	it('shows the estimate in the member’s server language, written the locale’s way', async () => {
		const tag = marker();
		const handle = await discord.invoke('image', { prompt: `a plum ${tag}`, count: 3 }, { locale: 'de', guildLocale: 'de' });
		await handle.finished(20_000);
		// 3 images at 0.50: 1,50 in German, at the threshold: no confirmation.
		expect(handle.callback?.type).toBe(5);
		expect(textOf(handle.original)).toContain('Geschätzte Kosten: 1,50');
	});
});

describe('above confirm_above', () => {
	it('asks ephemerally with the estimate, calls nothing and takes no quota; Start runs the job and delivers it in the channel', async () => {
		const tag = marker();
		const userId = snowflake();
		// 10 s at 0.20: 2.00, above 1.50.
		const asked = await discord.invoke('video', { prompt: `a comet ${tag}`, seconds: 10 }, { userId });
		const prompt = await promptOf(asked);
		expect(textOf(prompt)).toContain('estimated to cost **2.00**');
		expect(textOf(prompt)).toContain('anything above 1.50');
		expect(textOf(prompt)).toMatch(/These buttons expire <t:\d+:R>\./);
		expect(buttonsOf(prompt).map((button) => button.label)).toEqual(['Start', 'Cancel']);
		expect(callsFor(tag)).toHaveLength(0);
		expect(await videoLeft(userId)).toBe('30 s');

		const started = await discord.press(prompt, buttonId(prompt, 'Start'), { userId });
		await started.finished(20_000);
		expect(started.original!.ephemeral).toBeFalsy();
		expect(textOf(started.original)).toContain('✅ Video ready');
		expect(textOf(started.original)).toContain('Estimated cost: 2.00');
		expect(videoSubmits(tag)).toHaveLength(1);
		expect(await videoLeft(userId)).toBe('20 s');
		// The prompt says what became of it, and its buttons are gone.
		await asked.waitFor((h) => textOf(h.original).includes('Started'), 10_000);
		expect(buttonsOf(asked.original)).toEqual([]);

		// Again under that result goes through the same step: 2.00 again, asked again.
		const again = await discord.press(started.original!, buttonId(started.original, 'Again'), { userId });
		expect(textOf(await promptOf(again))).toContain('**2.00**');
		expect(videoSubmits(tag)).toHaveLength(1);
	});

	it('holds /image the same way, and Start delivers the images', async () => {
		const tag = marker();
		const userId = snowflake();
		// 4 images at 0.50: 2.00.
		const asked = await discord.invoke('image', { prompt: `four pears ${tag}`, count: 4 }, { userId });
		const prompt = await promptOf(asked);
		expect(textOf(prompt)).toContain('**2.00**');
		expect(callsFor(tag)).toHaveLength(0);
		const started = await discord.press(prompt, buttonId(prompt, 'Start'), { userId });
		await started.finished(20_000);
		expect(textOf(started.original)).toContain('✅ Images ready');
		expect(callsFor(tag).filter((request) => request.path === '/v1/images/generations')).toHaveLength(1);
	});

	it('holds Make a video’s form the same way: nothing is uploaded until Start, which sends the message’s images', async () => {
		const tag = marker();
		const userId = snowflake();
		const message = discord.postUserMessage({ userId: snowflake(), content: 'moodboard', attachments: [png(`${tag}a`), png(`${tag}b`)] });
		const menu = await discord.invokeMessageCommand('Make a video', message, { userId });
		await menu.waitFor((handle) => handle.modal !== undefined);
		const form = await discord.submitModal(menu, { prompt: `@image1 @image2 blend ${tag}`, seconds: '10' }, { userId });
		const prompt = await promptOf(form);
		expect(textOf(prompt)).toContain('**2.00**');
		expect(uploadsOf(`${tag}a.png`)).toHaveLength(0);
		expect(callsFor(tag)).toHaveLength(0);
		const started = await discord.press(prompt, buttonId(prompt, 'Start'), { userId });
		await started.finished(20_000);
		const [call] = videoSubmits(`blend ${tag}`);
		expect((call!.body as { metadata: { content: unknown[] } }).metadata.content).toHaveLength(2);
		expect(uploadsOf(`${tag}a.png`)).toHaveLength(1);
	});

	it('checks the quota when Start is pressed, not when the prompt was shown: a member who spent it meanwhile is refused, and the prompt stays', async () => {
		const tag = marker();
		const userId = snowflake();
		const asked = await discord.invoke('video', { prompt: `later ${tag}`, seconds: 10 }, { userId });
		const prompt = await promptOf(asked);
		// Meanwhile 24 of the 30 s go on a model without a price (never held): 6 s left, 10 s asked.
		for (const n of [1, 2]) await (await discord.invoke('video', { prompt: `meanwhile ${n} ${tag}`, seconds: 12, model: 'seedance-1-5-pro-with-audio' }, { userId })).finished(20_000);
		const start = await discord.press(prompt, buttonId(prompt, 'Start'), { userId });
		await start.waitFor((h) => h.original !== undefined && textOf(h.original) !== '', 10_000);
		expect(start.original!.ephemeral).toBe(true);
		expect(textOf(start.original)).toContain('Your quota resets');
		expect(videoSubmits(`later ${tag}`)).toHaveLength(0);
		expect(await videoLeft(userId)).toBe('6 s');
		expect(buttonsOf(asked.original).map((button) => button.label)).toEqual(['Start', 'Cancel']);
	});

	it('Cancel removes the buttons, says so, and nothing is spent', async () => {
		const tag = marker();
		const userId = snowflake();
		const asked = await discord.invoke('video', { prompt: `a storm ${tag}`, seconds: 10 }, { userId });
		const prompt = await promptOf(asked);
		const cancelled = await discord.press(prompt, buttonId(prompt, 'Cancel'), { userId });
		await cancelled.waitFor(() => textOf(asked.original).includes('Not started'), 10_000);
		expect(cancelled.callback?.type).toBe(7);
		expect(textOf(asked.original)).toBe('Not started: nothing was spent.');
		expect(buttonsOf(asked.original)).toEqual([]);
		expect(callsFor(tag)).toHaveLength(0);
		expect(await videoLeft(userId)).toBe('30 s');
	});

	it('refuses Start once the asking interaction’s token has run out: the prompt says it expired, and nothing is spent', async () => {
		const tag = marker();
		const userId = snowflake();
		// Asked 14.5 minutes ago: the token still answers, but the bot trusts it only 14 minutes.
		const asked = await discord.invoke('video', { prompt: `an old request ${tag}`, seconds: 10 }, { userId, createdAt: Date.now() - 14.5 * 60_000 });
		const prompt = await promptOf(asked);
		const late = await discord.press(prompt, buttonId(prompt, 'Start'), { userId });
		await late.waitFor(() => textOf(asked.original).includes('expired'), 10_000);
		expect(late.callback?.type).toBe(7);
		expect(textOf(asked.original)).toBe('⌛ This confirmation expired, and nothing was spent. Ask again to start it.');
		expect(buttonsOf(asked.original)).toEqual([]);
		expect(callsFor(tag)).toHaveLength(0);
		expect(await videoLeft(userId)).toBe('30 s');
	});

	it('starts one job when Start is pressed twice; the second press is told it already started', async () => {
		const tag = marker();
		const userId = snowflake();
		const asked = await discord.invoke('video', { prompt: `twice ${tag}`, seconds: 10 }, { userId });
		const prompt = await promptOf(asked);
		const start = buttonId(prompt, 'Start');
		const presses = await Promise.all([discord.press(prompt, start, { userId }), discord.press(prompt, start, { userId })]);
		const isRefusal = (press: InteractionHandle) => press.callback?.type === 4 && press.original?.ephemeral === true && textOf(press.original) !== '';
		await discord.waitFor(() => presses.some(isRefusal), 10_000);
		const refused = presses.find(isRefusal)!;
		expect(textOf(refused.original)).toContain('already started or cancelled');
		const ran = presses.find((press) => press !== refused)!;
		await ran.finished(20_000);
		expect(textOf(ran.original)).toContain('✅ Video ready');
		expect(videoSubmits(tag)).toHaveLength(1);
		expect(await videoLeft(userId)).toBe('20 s');
	});
});

describe('after a restart', () => {
	it('still starts the job the member confirms after the bot restarted between the prompt and Start', async () => {
		const tag = marker();
		const userId = snowflake();
		const asked = await discord.invoke('video', { prompt: `a long night ${tag}`, seconds: 10 }, { userId });
		const prompt = await promptOf(asked);

		bot.child.kill('SIGTERM');
		await bot.exit;
		bot = await startBot();

		const started = await discord.press(prompt, buttonId(prompt, 'Start'), { userId });
		await started.finished(20_000);
		expect(textOf(started.original)).toContain('✅ Video ready');
		expect(videoSubmits(tag)).toHaveLength(1);
		expect(await videoLeft(userId)).toBe('20 s');
		await asked.waitFor((h) => buttonsOf(h.original).length === 0, 10_000);
	});
});
