import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runs a built script (`dist/index.js`, `dist/register.js`) as its own process, the way `npm start`
 * does, with exactly `env`: no .env file unless `dotEnv` is given, since cwd is an empty folder.
 * `npm test` builds before vitest runs.
 */
export function runScript(script: string, env: Record<string, string>, dotEnv?: string, args: string[] = []) {
	const cwd = mkdtempSync(join(tmpdir(), 'rd-proc-'));
	if (dotEnv !== undefined) writeFileSync(join(cwd, '.env'), dotEnv);
	const child = spawn(process.execPath, [join(root, script), ...args], { cwd, env: { PATH: process.env.PATH!, ...env } });
	let stdout = '';
	let stderr = '';
	const lineWaiters = new Set<() => void>();
	child.stdout.on('data', (chunk) => {
		stdout += chunk;
		for (const check of lineWaiters) check();
	});
	child.stderr.on('data', (chunk) => (stderr += chunk));
	const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
	/** Log lines (pino JSON) written so far, parsed. */
	const logs = () => stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown> & { msg: string; level: number });
	return {
		child,
		exit,
		output: () => ({ stdout, stderr }),
		logs,
		/** Resolves once a log line whose message contains `text` appears; rejects if the process exits first. */
		waitForLog(text: string | ((line: Record<string, unknown> & { msg: string }) => boolean), timeoutMs = 15_000): Promise<void> {
			const seen = typeof text === 'string' ? () => stdout.includes(text) : () => logs().some(text);
			return new Promise((resolve, reject) => {
				const timer = setTimeout(() => done(new Error(`no log line with "${text}" in ${timeoutMs} ms:\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`)), timeoutMs);
				const check = () => seen() && done();
				const done = (error?: Error) => {
					clearTimeout(timer);
					lineWaiters.delete(check);
					if (error) reject(error);
					else resolve();
				};
				lineWaiters.add(check);
				void exit.then(() => done(new Error(`process exited before logging "${text}":\n${stderr.slice(-2000)}`)));
				check();
			});
		},
	};
}
export type ScriptRun = ReturnType<typeof runScript>;

/** Member permission sets the end-to-end tests act with (Discord's permission bits, as strings). */
export const PERMISSIONS = {
	/** Manage Server: the admin command. */
	admin: String(1n << 5n),
	/** View, send and Manage Messages: Delete, Hide, Approve. */
	moderator: String((1n << 10n) | (1n << 11n) | (1n << 13n)),
	/** View and send only. */
	member: String((1n << 10n) | (1n << 11n)),
} as const;

/**
 * The built bot on both stand-ins and `store`, tuned for tests (polls every 50 ms, edits every
 * 100 ms, 30 s of video and 10 images per member, 3 jobs at once, a 3 s shutdown grace); `env`
 * adds to it or overrides it. Resolves once the bot is ready.
 */
export async function startTestBot(
	stands: { discord: { botToken: string; apiUrl: string }; relaydance: { apiUrl: string } },
	store: string,
	env: Record<string, string> = {},
): Promise<ReturnType<typeof runScript>> {
	const run = runScript('dist/index.js', {
		DISCORD_TOKEN: stands.discord.botToken,
		DISCORD_API_URL: stands.discord.apiUrl,
		RELAYDANCE_API_KEY: 'sk-e2e-test',
		RELAYDANCE_BASE_URL: stands.relaydance.apiUrl,
		STORE_URL: store,
		POLL_INTERVAL_MS: '50',
		POLL_MAX_INTERVAL_MS: '200',
		EDIT_INTERVAL_MS: '100',
		QUOTA_VIDEO_SECONDS: '30',
		QUOTA_IMAGES: '10',
		MAX_ACTIVE_JOBS_PER_USER: '3',
		SHUTDOWN_GRACE_MS: '3000',
		...env,
	});
	await run.waitForLog('bot ready');
	return run;
}
