import { createBot, type Role } from './bot.js';
import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { createLogger } from './logger.js';

loadDotEnv();
// `npm start` runs everything; `npm run gateway` and `npm run worker` one part each (on Redis).
const role = (process.argv[2] ?? 'all') as Role;
if (!['all', 'gateway', 'worker'].includes(role)) {
	console.error(`Unknown role "${role}": run with no argument (everything), gateway or worker.`);
	process.exit(1);
}
let config;
try {
	config = loadConfig();
} catch (error) {
	if (!(error instanceof ConfigError)) throw error;
	console.error(`${error.message}\n\nSet these in the environment or in .env (see .env.example).`);
	console.error('To see the bot work with no credentials at all, run: npm run demo');
	process.exit(1);
}

const logger = createLogger(config.LOG_LEVEL);
let bot;
try {
	bot = await createBot(config, logger, role);
} catch (error) {
	console.error(`The bot could not start: ${error instanceof Error ? error.message : String(error)}`);
	process.exit(1);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		logger.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS }, 'shutting down; unfinished jobs resume at the next start');
		// Whatever hangs, the process is gone within the grace period.
		setTimeout(() => {
			logger.error('shutdown overran its grace period; exiting now');
			process.exit(1);
		}, config.SHUTDOWN_GRACE_MS).unref();
		void bot.stop().then(() => process.exit(0));
	});
}
try {
	await bot.start();
} catch (error) {
	// A port in use, a token Discord refuses: say what, in one line, and leave the jobs for the next start.
	console.error(`The bot could not start: ${error instanceof Error ? error.message : String(error)}`);
	logger.error({ err: error }, 'start failed');
	await bot.stop(2_000).catch(() => {});
	process.exit(1);
}
