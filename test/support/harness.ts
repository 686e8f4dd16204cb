import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createBot, type BotTuning } from '../../src/bot.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startDiscordStandIn, type CommandAttachment } from '../../stand-ins/discord/stand-in.js';
import { freePort } from '../../stand-ins/free-port.js';
import { startRelayDanceSimulator, type SimulatorKnobs } from '../../stand-ins/relaydance/simulator.js';

const FIXTURES = fileURLToPath(new URL('../../stand-ins/fixtures/', import.meta.url));

export const fixtures = {
	catPng: (): CommandAttachment => ({ data: readFileSync(join(FIXTURES, 'cat.png')), name: 'cat.png', contentType: 'image/png' }),
	beatMp3: (): CommandAttachment => ({ data: readFileSync(join(FIXTURES, 'beat.mp3')), name: 'beat.mp3', contentType: 'audio/mpeg' }),
	sampleMp4: (): CommandAttachment => ({ data: readFileSync(join(FIXTURES, 'sample.mp4')), name: 'clip.mp4', contentType: 'video/mp4' }),
};

/** Log lines the bot wrote, parsed, so tests can check what reaches a log. */
export class LogCapture extends Writable {
	readonly lines: string[] = [];
	override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
		this.lines.push(...String(chunk).split('\n').filter(Boolean));
		callback();
	}
}

/**
 * Both stand-ins and the real bot, wired as in production but on loopback: one set per test
 * file, shared by its tests. Each test uses its own user id, so quotas never collide.
 * `simulator` overrides the RelayDance simulator's knobs (its `timeScale`, say).
 */
export async function startHarness(
	overrides: Partial<Record<keyof Config, string>> | ((ports: { free: number }) => Partial<Record<keyof Config, string>>) = {},
	simulator: Partial<SimulatorKnobs> = {},
	tuning: BotTuning = {},
) {
	const discord = await startDiscordStandIn();
	const relaydance = await startRelayDanceSimulator({ queuedMs: 50, durationMs: 300, ...simulator });
	const logs = new LogCapture();
	const config = loadConfig({
		DISCORD_TOKEN: discord.botToken,
		DISCORD_API_URL: discord.apiUrl,
		RELAYDANCE_API_KEY: 'sk-test-secret-key',
		RELAYDANCE_BASE_URL: relaydance.apiUrl,
		STORE_URL: `sqlite://${join(mkdtempSync(join(tmpdir(), 'rd-test-')), 'store.sqlite')}`,
		POLL_INTERVAL_MS: '40',
		POLL_MAX_INTERVAL_MS: '100',
		EDIT_INTERVAL_MS: '30',
		QUOTA_VIDEO_SECONDS: '30',
		MAX_ACTIVE_JOBS_PER_USER: '3',
		LOG_LEVEL: 'info',
		...(typeof overrides === 'function' ? overrides({ free: await freePort() }) : overrides),
	});
	const bot = await createBot(config, createLogger(config.LOG_LEVEL, logs), 'all', tuning);
	await bot.start();
	return {
		discord,
		relaydance,
		bot,
		config,
		logs,
		async close(): Promise<void> {
			await bot.stop(5_000);
			await Promise.all([discord.close(), relaydance.close()]);
		},
	};
}
export type Harness = Awaited<ReturnType<typeof startHarness>>;

