import { existsSync, mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snowflake } from '../stand-ins/discord/payloads.js';
import { textOf } from '../stand-ins/discord/stand-in.js';
import { startHarness, type Harness } from './support/harness.js';

/**
 * The operator page in a real browser (Debian's chromium, driven by playwright-core) against the
 * real bot on SQLite: login, a job seen live from waiting to delivered, the charts, the operator's
 * Cancel and the intake pause.
 */
const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'operator-token-for-tests-0123456789';
const MODEL = 'doubao-seedance-2-0-1080p';
const PRICE = 0.25;
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && !process.env.CI) console.warn(`operator page browser suite skipped: ${CHROMIUM} is missing (apt-get install chromium); in CI this fails instead`);

describe.runIf(hasChromium || process.env.CI)('operator page in a browser', () => {
	let h: Harness;
	let browser: Browser;
	let page: Page;
	let opsUrl: string;

	beforeAll(async () => {
		if (!hasChromium) throw new Error(`${CHROMIUM} is missing: the CI image must install Debian's chromium for the operator page suite`);
		// One submit at a time: a job behind a slow submit waits queued, long enough to see (and cancel) on the page.
		[h, browser] = await Promise.all([
			startHarness({ OPS_PORT: '0', OPS_TOKEN: TOKEN, MAX_SUBMITTING: '1', MODEL_PRICES: `${MODEL}=${PRICE}` }),
			chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] }),
		]);
		opsUrl = h.bot.opsUrl()!;
		page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
	});
	afterAll(async () => {
		await browser?.close();
		await h?.close();
	});

	const marker = () => `m${randomUUID().slice(0, 8)}`;
	/** A job that holds the only submit slot for a while, so the next one waits queued behind it. */
	const holdSubmitSlot = async (tag: string) => {
		const slow = await h.discord.invoke('video', { prompt: `slow sim:submitdelay=2500 ${tag}`, seconds: 5 });
		await h.relaydance.waitForRequest((request) => JSON.stringify(request.body ?? '').includes(`slow sim:submitdelay=2500 ${tag}`));
		return slow;
	};
	const waitingRow = (member: string) => page.locator('#waiting tbody tr', { hasText: member });

	it('refuses a wrong token with the form and a plain message, then logs in with the right one', async () => {
		const first = await page.goto(opsUrl);
		expect(first!.headers()['content-security-policy']).toContain("default-src 'self'");
		expect(first!.headers()['x-frame-options']).toBe('DENY');
		await page.fill('#token', 'not-the-token-at-all');
		const [refused] = await Promise.all([page.waitForResponse((response) => response.url().endsWith('/login')), page.click('button[type=submit]')]);
		expect(refused.status()).toBe(401);
		await expect(page.locator('.error').textContent()).resolves.toContain('That token is not right.');

		await page.fill('#token', TOKEN);
		await Promise.all([page.waitForURL(`${opsUrl}/`), page.click('button[type=submit]')]);
		await page.locator('#connection.live').waitFor();
		await page.locator('body[data-updated-at]').waitFor({ state: 'attached' });
		const cookies = await page.context().cookies();
		expect(cookies.find((cookie) => cookie.name === 'rd_ops_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
		await expect(page.locator('#processes').textContent()).resolves.toContain('This process does everything');
	});

	it('shows a waiting job move to delivered without a reload, and draws its points on the charts', async () => {
		const tag = marker();
		const userId = snowflake();
		const slow = await holdSubmitSlot(tag);
		await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
		const watched = await h.discord.invoke('video', { prompt: `watched ${tag}`, seconds: 8 }, { userId });
		const row = waitingRow(userId);
		await row.waitFor();
		await expect(row.textContent()).resolves.toContain('queued');
		const jobId = (await row.getAttribute('data-job-id'))!;

		await page.locator(`#ended tr[data-job-id="${jobId}"][data-outcome="delivered"]`).waitFor({ timeout: 15_000 });
		expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
		await Promise.all([watched.finished(), slow.finished()]);
		expect(textOf(watched.original)).toContain('Video ready');

		const guildId = h.discord.world.guildId;
		const series = (canvasId: string) =>
			page.evaluate((id) => {
				const chart = (window as unknown as { Chart: { getChart(canvas: HTMLCanvasElement): { data: { datasets: Array<{ label: string; data: number[] }> } } } }).Chart.getChart(document.getElementById(id) as HTMLCanvasElement);
				return Object.fromEntries(chart.data.datasets.map((dataset) => [dataset.label, dataset.data.reduce((total, value) => total + value, 0)]));
			}, canvasId);
		// Both jobs of this test are in (5 s and 8 s), at the model's price.
		await expect.poll(() => series('chart-seconds-server'), { timeout: 5_000 }).toMatchObject({ [guildId]: expect.any(Number) });
		expect((await series('chart-seconds-server'))[guildId]).toBeGreaterThanOrEqual(13);
		expect((await series('chart-seconds-model'))[MODEL]).toBeGreaterThanOrEqual(13);
		expect((await series('chart-spend-server'))[guildId]).toBeCloseTo(PRICE * (await series('chart-seconds-server'))[guildId]!, 5);
		expect((await series('chart-spend-model'))[MODEL]).toBeGreaterThanOrEqual(PRICE * 13);
		await expect(page.locator('#outcomes li[data-outcome="delivered"]').textContent()).resolves.toMatch(/delivered: \d+/);
		await expect(page.locator('#stages tbody').textContent()).resolves.toContain('submitted_to_finished');

		mkdirSync('test-artifacts', { recursive: true });
		await page.screenshot({ path: 'test-artifacts/operator-page.png', fullPage: true });
	});

	it("cancels a waiting job from the page: its quota comes back and its message says the bot's operator cancelled it", async () => {
		const tag = marker();
		const userId = snowflake();
		const slow = await holdSubmitSlot(tag);
		const waiting = await h.discord.invoke('video', { prompt: `to cancel ${tag}`, seconds: 10 }, { userId });
		const row = waitingRow(userId);
		await row.waitFor();
		expect((await h.bot.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used).toBe(10);

		await row.locator('button[data-action="cancel"]').click();
		await waiting.waitFor((handle) => textOf(handle.original).includes("Cancelled by the bot's operator"));
		expect(textOf(waiting.original)).toContain('Your 10 s of quota were given back.');
		expect((await h.bot.context.quotas.video.status(`${h.discord.world.guildId}:${userId}`)).used).toBe(0);
		await page.locator('#notice', { hasText: 'cancelled' }).waitFor();
		await page.locator('#failures tbody tr', { hasText: 'Cancelled' }).first().waitFor();
		expect(h.relaydance.requestsFor(`to cancel ${tag}`)).toHaveLength(0);
		await slow.finished();
	});

	it('pauses intake bot-wide (new requests refused with a plain message, the gauge at 1) and resumes it', async () => {
		page.once('dialog', (dialog) => void dialog.accept());
		await page.click('#intake-toggle[data-action="pause"]');
		await page.locator('#intake-state.warn').waitFor();
		expect(h.bot.context.intake.paused).toBe(true);
		const refused = await h.discord.invoke('video', { prompt: `while paused ${marker()}`, seconds: 5 });
		await refused.waitFor((handle) => handle.original !== undefined);
		expect(refused.original!.ephemeral).toBe(true);
		expect(textOf(refused.original)).toContain('paused new requests');
		const metrics = await (await fetch(`${opsUrl}/metrics`)).text();
		expect(metrics).toMatch(/^relaydance_bot_intake_paused 1$/m);

		await page.click('#intake-toggle[data-action="resume"]');
		await page.locator('#intake-toggle[data-action="pause"]').waitFor();
		expect(h.bot.context.intake.paused).toBe(false);
		const accepted = await h.discord.invoke('video', { prompt: `after resume ${marker()}`, seconds: 5 });
		await accepted.finished();
		expect(textOf(accepted.original)).toContain('Video ready');
	});

	it('refuses an action from the session without its CSRF token, and takes a script with the bearer token', async () => {
		const withoutCsrf = await page.evaluate(async () => (await fetch('/api/intake/pause', { method: 'POST' })).status);
		expect(withoutCsrf).toBe(403);
		expect(h.bot.context.intake.paused).toBe(false);
		expect((await fetch(`${opsUrl}/api/overview`)).status).toBe(401);
		const overview = await fetch(`${opsUrl}/api/overview`, { headers: { authorization: `Bearer ${TOKEN}` } });
		expect(overview.status).toBe(200);
		expect(await overview.json()).toMatchObject({ intake: { paused: false }, processes: { mode: 'single' } });
		const missing = await fetch(`${opsUrl}/api/jobs/${randomUUID()}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
		expect(missing.status).toBe(409);
	});
});
