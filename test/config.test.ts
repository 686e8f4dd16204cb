import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applicationIdOf, ConfigError, configSchema, loadConfig } from '../src/config.js';

const required = { DISCORD_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.x.y', RELAYDANCE_API_KEY: 'sk-1' };

describe('loadConfig', () => {
	it('applies every default from a minimal environment', () => {
		const config = loadConfig(required);
		expect(config).toMatchObject({
			DISCORD_API_URL: 'https://discord.com/api',
			RELAYDANCE_BASE_URL: 'https://relaydance.com/v1',
			STORE_URL: 'sqlite://data/relaydance-bot.sqlite',
			POLL_INTERVAL_MS: 3000,
			QUOTA_VIDEO_SECONDS: 60,
			DEFAULT_AUDIO: true,
			VIDEO_MODELS: ['doubao-seedance-2-0-1080p', 'seedance-1-5-pro-with-audio'],
		});
	});

	it('reports every problem at once, naming each variable', () => {
		const error = (() => {
			try {
				loadConfig({ POLL_INTERVAL_MS: 'soon', DEFAULT_AUDIO: 'maybe', DISCORD_API_URL: 'not a url' });
			} catch (caught) {
				return caught as ConfigError;
			}
		})();
		expect(error).toBeInstanceOf(ConfigError);
		const variables = error!.problems.map((problem) => problem.split(/[ :]/)[0]);
		expect(variables.sort()).toEqual(['DEFAULT_AUDIO', 'DISCORD_API_URL', 'DISCORD_TOKEN', 'POLL_INTERVAL_MS', 'RELAYDANCE_API_KEY']);
		expect(error!.message).toContain('DISCORD_TOKEN is required');
	});

	it('treats KEY= as unset, so a blank line in .env falls back to the default', () => {
		expect(loadConfig({ ...required, POLL_INTERVAL_MS: '', LOG_LEVEL: '  ' }).POLL_INTERVAL_MS).toBe(3000);
	});

	it('parses booleans and lists', () => {
		const config = loadConfig({ ...required, DEFAULT_AUDIO: 'off', VIDEO_MODELS: ' a , b ,' });
		expect(config.DEFAULT_AUDIO).toBe(false);
		expect(config.VIDEO_MODELS).toEqual(['a', 'b']);
	});

	it('never echoes a secret in its messages', () => {
		let message = '';
		try {
			loadConfig({ DISCORD_TOKEN: 'secret-token', RELAYDANCE_API_KEY: 'sk-secret', POLL_INTERVAL_MS: '-1', DISCORD_APPLICATION_ID: 'secret-id' });
		} catch (error) {
			message = (error as Error).message;
		}
		expect(message).toContain('POLL_INTERVAL_MS');
		expect(message).not.toMatch(/secret/);
	});
});

describe('applicationIdOf', () => {
	it('reads the application id from the token when it is not set', () => {
		expect(applicationIdOf(loadConfig(required))).toBe('123456789012345678');
	});
	it('prefers DISCORD_APPLICATION_ID', () => {
		expect(applicationIdOf(loadConfig({ ...required, DISCORD_APPLICATION_ID: '987654321098765432' }))).toBe('987654321098765432');
	});

	it('refuses a job retention shorter than the quota window', () => {
		expect(() => loadConfig({ ...required, QUOTA_WINDOW_HOURS: '200', JOB_RETENTION_DAYS: '7' })).toThrow(/JOB_RETENTION_DAYS: must cover QUOTA_WINDOW_HOURS/);
		expect(loadConfig({ ...required, QUOTA_WINDOW_HOURS: '168', JOB_RETENTION_DAYS: '7' }).JOB_RETENTION_DAYS).toBe(7);
	});

	it('documents every setting in .env.example and in the README', () => {
		const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
		const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
		for (const key of Object.keys(configSchema.shape)) {
			expect(example, key).toMatch(new RegExp(`^${key}=`, 'm'));
			expect(readme, key).toContain(`| \`${key}\` |`);
		}
	});
});
