import { existsSync } from 'node:fs';
import { z } from 'zod';

export const DISCORD_API_DEFAULT = 'https://discord.com/api';
const snowflake = z.string().regex(/^\d{17,20}$/, 'a Discord id (17–20 digits)');
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const bool = (fallback: boolean) =>
	z
		.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { message: 'true or false' })
		.default(fallback ? 'true' : 'false')
		.transform((value) => ['true', '1', 'yes', 'on'].includes(value));
const list = (fallback: string) =>
	z
		.string()
		.default(fallback)
		.transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
		.pipe(z.array(z.string()).min(1, 'at least one comma-separated value'));

/**
 * Every setting the bot reads, with its default. The variable names are public interface:
 * `.env.example` lists each one, and renaming one breaks every deployment.
 */
export const configSchema = z.object({
	DISCORD_TOKEN: z.string({ message: 'the bot token from the Developer Portal (Bot → Reset Token)' }),
	/** Derived from the token when unset (the token's first segment is the application id). */
	DISCORD_APPLICATION_ID: snowflake.optional(),
	/** Only `npm run register` reads it: set it to register commands in one guild instantly. */
	DISCORD_GUILD_ID: snowflake.optional(),
	/** Base of Discord's REST API; tests and the demo point it at the local stand-in. */
	DISCORD_API_URL: z.url().default(DISCORD_API_DEFAULT),
	RELAYDANCE_API_KEY: z.string({ message: 'your RelayDance API key (relaydance.com/console)' }),
	RELAYDANCE_BASE_URL: z.url().default('https://relaydance.com/v1'),
	/** Where every record lives: `sqlite://path` (the default: nothing to install) or `redis://host:port/db`. */
	STORE_URL: z.string().default('sqlite://data/relaydance-bot.sqlite'),
	/** First poll delay; each later one is 1.3× longer, up to POLL_MAX_INTERVAL_MS (gateways refresh every ~15 s). */
	POLL_INTERVAL_MS: positiveInt(3_000),
	POLL_MAX_INTERVAL_MS: positiveInt(15_000),
	/** A task still unfinished after this long is given up on, and its quota refunded; failed reads (5xx, 429, resets) before it never end a task. */
	POLL_TIMEOUT_MS: positiveInt(30 * 60_000),
	/** Least time between two progress edits of one reply (Discord rate-limits webhook edits). */
	EDIT_INTERVAL_MS: positiveInt(4_000),
	/** Seconds of video each user may generate per quota window. */
	QUOTA_VIDEO_SECONDS: positiveInt(60),
	/** Images each user may generate per quota window (`/image`; a partial result charges what was made). */
	QUOTA_IMAGES: positiveInt(20),
	QUOTA_WINDOW_HOURS: positiveInt(24),
	/** Seconds of video and images the whole bot may make per window, across every server; unset: no cap. */
	QUOTA_GLOBAL_VIDEO_SECONDS: z.coerce.number().int().positive().optional(),
	QUOTA_GLOBAL_IMAGES: z.coerce.number().int().positive().optional(),
	/**
	 * Each server's budget per window, whatever its admins set (they may set less, not more); unset:
	 * only what they set. With the bot-wide budget this keeps one server from draining the account.
	 */
	QUOTA_SERVER_VIDEO_SECONDS: z.coerce.number().int().positive().optional(),
	QUOTA_SERVER_IMAGES: z.coerce.number().int().positive().optional(),
	/** Discord user ids of the bot's owners: only they change bot-wide settings (`/relaydance-admin where access`). */
	BOT_OWNER_IDS: z
		.string()
		.default('')
		.transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean)),
	/** Gateway shards in all: `auto` takes Discord's recommendation (`GET /gateway/bot`); required past 2,500 servers. */
	SHARD_COUNT: z.union([z.literal('auto'), z.coerce.number().int().positive()]).default('auto'),
	/** This process's shards (comma-separated ids, e.g. `0,1`); unset: every shard. Needs a numeric SHARD_COUNT. */
	SHARD_IDS: z
		.string()
		.optional()
		.transform((value) => value?.split(',').map((item) => item.trim()).filter(Boolean).map(Number))
		.pipe(z.array(z.number().int().min(0)).min(1, 'at least one shard id').optional()),
	/** Tasks in flight at RelayDance at once, bot-wide; the rest wait in line, taking turns between servers. */
	MAX_CONCURRENT_TASKS: positiveInt(50),
	/** On Redis: jobs one worker process runs at once (most of a job is waiting on RelayDance); unset: MAX_CONCURRENT_TASKS. */
	WORKER_CONCURRENCY: z.coerce.number().int().positive().optional(),
	/** On Redis: how long a worker that stopped answering keeps its jobs before another worker takes them up. */
	WORKER_LOCK_MS: positiveInt(30_000),
	/** On Redis: how often one process sweeps for jobs in no queue, reservations and slots of jobs gone, and data Redis lost. */
	RECONCILE_INTERVAL_MS: positiveInt(60_000),
	/** Testing only: `kill-before-queue` makes a gateway kill itself between writing a job's record and queueing it, `kill-before-record` between deferring and writing the record. */
	FAULT_INJECT: z.enum(['kill-before-queue', 'kill-before-record']).optional(),
	/** When RelayDance says the balance is spent, new submissions pause this long, then the bot tries again on its own. */
	CREDIT_RETRY_MS: positiveInt(10 * 60_000),
	/** Estimated spend: price per second of video or per image, by model (`model=price,model=price`). */
	MODEL_PRICES: z
		.string()
		.default('')
		.transform((value, context) => {
			const prices: Record<string, number> = {};
			for (const entry of value.split(',').map((item) => item.trim()).filter(Boolean)) {
				const [model, price] = entry.split('=').map((part) => part.trim());
				const amount = Number(price);
				if (!model || !price || !Number.isFinite(amount) || amount < 0) {
					context.addIssue({ code: 'custom', message: `\`${entry}\` is not model=price` });
					return z.NEVER;
				}
				prices[model] = amount;
			}
			return prices;
		}),
	MAX_ACTIVE_JOBS_PER_USER: positiveInt(2),
	/** Jobs uploading references and submitting to RelayDance at once; the rest wait, shown as queued. */
	MAX_SUBMITTING: positiveInt(8),
	/** Reference bytes all jobs together may hold in memory at once; jobs wait for room, shown as queued. */
	REFERENCE_MEMORY_MB: positiveInt(256),
	/**
	 * On SIGTERM/SIGINT the process exits within this long, whatever hangs: submits already in flight
	 * may finish, every other job stays in the store and resumes at the next start.
	 */
	SHUTDOWN_GRACE_MS: positiveInt(10_000),
	/** Finished jobs' records are deleted this many days after their last change (`/jobs` shows them until then). */
	JOB_RETENTION_DAYS: positiveInt(7),
	/** A result reported by this many members is hidden (its media shown as a spoiler) until a moderator decides. */
	REPORTS_TO_HIDE: positiveInt(3),
	/**
	 * Public base URL at which RelayDance can reach this bot (e.g. `https://bot.example.com`).
	 * When set, tasks carry a `callback_url` and the bot waits for the callback instead of polling,
	 * with one safety poll every WEBHOOK_FALLBACK_POLL_MS in case a callback is lost.
	 */
	WEBHOOK_PUBLIC_URL: z.url().optional(),
	WEBHOOK_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
	WEBHOOK_HOST: z.string().default('127.0.0.1'),
	WEBHOOK_FALLBACK_POLL_MS: positiveInt(120_000),
	/**
	 * The ops server (`/livez`, `/readyz`, `/metrics`, and the operator page): off while unset. Keep it
	 * private (loopback, an SSH tunnel, or a reverse proxy with TLS and the scraper's auth).
	 */
	OPS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
	OPS_HOST: z.string().default('127.0.0.1'),
	/** Turns on the operator page and its API on the ops port; off while unset. */
	OPS_TOKEN: z.string().min(16, 'at least 16 characters (openssl rand -hex 24 makes one)').optional(),
	/**
	 * What a video (image) task takes at RelayDance, until the bot has timed three of a model's own.
	 * Where the bot is not in the server (a user install) it can deliver only within the interaction's
	 * 15 minutes: a job expected to take longer, line included, is refused up front.
	 */
	TYPICAL_VIDEO_SECONDS: positiveInt(180),
	TYPICAL_IMAGE_SECONDS: positiveInt(30),
	DEFAULT_VIDEO_MODEL: z.string().default('doubao-seedance-2-0-1080p'),
	/** Offered by autocomplete whenever `GET /v1/models` cannot be reached. */
	VIDEO_MODELS: list('doubao-seedance-2-0-1080p,seedance-1-5-pro-with-audio'),
	DEFAULT_IMAGE_MODEL: z.string().default('grok-imagine-image'),
	/** Offered by `/image` autocomplete whenever `GET /v1/models` cannot be reached. */
	IMAGE_MODELS: list('grok-imagine-image,grok-imagine-image-quality'),
	DEFAULT_SECONDS: positiveInt(5),
	DEFAULT_AUDIO: bool(true),
	/** Hard cap on any one reference attachment, whatever its kind allows. */
	MAX_ATTACHMENT_MB: positiveInt(50),
	/** Hard cap on a finished video the bot downloads before delivering it. */
	MAX_OUTPUT_MB: positiveInt(500),
	LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})
	.refine((config) => config.QUOTA_WINDOW_HOURS <= config.JOB_RETENTION_DAYS * 24, {
		path: ['JOB_RETENTION_DAYS'],
		message: 'must cover QUOTA_WINDOW_HOURS: a job record pruned inside its quota window would take its charge with it',
	})
	.refine((config) => !config.SHARD_IDS || (config.SHARD_COUNT !== 'auto' && config.SHARD_IDS.every((id) => id < (config.SHARD_COUNT as number))), {
		path: ['SHARD_IDS'],
		message: 'needs a numeric SHARD_COUNT, and every id below it',
	});

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {
	override name = 'ConfigError';
	constructor(readonly problems: string[]) {
		super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
	}
}

/**
 * Validates the environment in one pass and reports every problem together. `KEY=` counts as
 * unset, as in t3-env's `emptyStringAsUndefined`, so a blank line in `.env` falls back to the default.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
	const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
	const result = configSchema.safeParse(cleaned);
	if (!result.success) {
		throw new ConfigError(
			result.error.issues.map((issue) => {
				const key = issue.path.join('.');
				const missing = issue.code === 'invalid_type' && cleaned[key] === undefined;
				return missing ? `${key} is required: ${issue.message}` : `${key}: ${issue.message}`;
			}),
		);
	}
	return result.data;
}

/** The application id is the base64 first segment of a bot token. */
export function applicationIdOf(config: Pick<Config, 'DISCORD_TOKEN' | 'DISCORD_APPLICATION_ID'>): string {
	if (config.DISCORD_APPLICATION_ID) return config.DISCORD_APPLICATION_ID;
	const decoded = Buffer.from(config.DISCORD_TOKEN.split('.')[0] ?? '', 'base64').toString('utf8');
	if (!/^\d{17,20}$/.test(decoded)) throw new ConfigError(['DISCORD_APPLICATION_ID is required: it cannot be read from this token']);
	return decoded;
}

/** Reads `.env` into the process environment when the file exists; real env vars win. */
export function loadDotEnv(path = '.env'): void {
	if (existsSync(path)) process.loadEnvFile(path);
}
