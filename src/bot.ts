import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Events, GatewayIntentBits, Options, REST, Status } from 'discord.js';
import { commands, messageCommands } from './commands/index.js';
import { applicationIdOf, ConfigError, DISCORD_API_DEFAULT, type Config } from './config.js';
import type { Cluster } from './services/cluster/cluster.js';
import { FencedJobWriter } from './services/cluster/fenced-job-writer.js';
import { SHOWING_MS } from './services/cluster/fenced-records.js';
import type { ClusterSignals } from './services/cluster/signals.js';
import { LocalDispatch, type JobDispatch } from './services/jobs/job-dispatch.js';
import type { BotContext } from './context.js';
import { discordAgent } from './discord/rest-agent.js';
import { InteractionViews } from './discord/interaction-views.js';
import { routeInteractions } from './discord/router.js';
import type { Logger } from './logger.js';
import { ActiveJobs } from './services/quota/active-jobs.js';
import { LocalAdmission } from './services/quota/admission.js';
import { startCallbackServer } from './services/relaydance/callback-server.js';
import { CallbackSigner } from './services/relaydance/callback-signer.js';
import { JobRunner } from './services/jobs/job-runner.js';
import { JOB_KEY_PREFIX, JobStore } from './services/jobs/job-store.js';
import { recoverJobs } from './services/jobs/recovery.js';
import { ModelCatalog } from './services/relaydance/model-catalog.js';
import { IMAGES, QuotaService, VIDEO_SECONDS, type QuotaRecord, type QuotaUnit } from './services/quota/quota.js';
import { DraftStore } from './services/jobs/drafts.js';
import { StoredPendingStarts } from './services/jobs/pending-starts.js';
import { FairLine } from './services/jobs/fair-line.js';
import { CreditGate, type CreditPause } from './services/relaydance/credit-gate.js';
import { GuildSettingsStore } from './services/guilds/guild-settings.js';
import { UsageLedger } from './services/guilds/usage.js';
import { AuditLog } from './discord/audit-log.js';
import { StoredReports } from './services/moderation/reports.js';
import { ReviewDesk } from './discord/review-desk.js';
import { DEFAULT_ACCESS } from './commands/registration.js';
import { makesImages } from './services/relaydance/image-models.js';
import { RelayDanceClient } from './services/relaydance/client.js';
import { isRedisUrl, openStore, scanStore } from './services/store/store.js';
import { TaskWaker } from './services/relaydance/task-waker.js';
import { WriteBehind } from './services/store/write-behind.js';
import { MB } from './services/text.js';
import { within } from './services/sleep.js';
import { TaskTimings } from './services/jobs/task-timings.js';
import { BotMetrics } from './services/ops/metrics.js';
import { InvalidRequestWindow, INVALID_REQUEST_LIMIT } from './services/ops/invalid-requests.js';
import { startOpsServer, type OpsServer } from './services/ops/ops-server.js';
import { DiscordAnswers } from './discord/discord-answers.js';
import { IntakePause } from './services/ops/page/intake-pause.js';
import { setUpOperatorPage } from './services/ops/page/setup.js';

/** Where a credit pause is kept across restarts. */
const CREDIT_KEY = 'bot:credit';
/** Largest generated image the bot holds in memory (four per job). */
const MAX_IMAGE_MB = 50;
/** Store writes made within this span go out as one statement. */
const STORE_WRITE_DELAY_MS = 50;
const DAY_MS = 24 * 60 * 60_000;
const PRUNE_INTERVAL_MS = 6 * 60 * 60_000;
/**
 * Of the shutdown grace, what is kept after submits in flight are cut off (at most 60 % of it):
 * the runner's own cut-off, flushing the store and closing connections share it.
 */
const CLOSE_MARGIN_MS = 3_000;
/** How long a stopping process waits for the interactions it is answering (Discord's own deadline is 3 s). */
const ANSWERING_MS = 3_000;

/**
 * What this process does: everything (`npm start`), or, on Redis, only take interactions
 * (`npm run gateway`: defer, check, reserve, queue) or only run queued jobs (`npm run worker`: no
 * gateway connection; it talks to Discord through interaction webhooks and the bot token).
 */
export type Role = 'all' | 'gateway' | 'worker';

/** What tests may set that no operator should: Discord's own limits. */
export interface BotTuning {
	/** Discord's invalid-request limit (10,000 in 10 minutes); a test lowers it to reach half quickly. */
	invalidRequestLimit?: number;
}

/** Builds every service and the Discord client; `start` logs in, `stop` shuts down cleanly. */
export async function createBot(config: Config, logger: Logger, role: Role = 'all', tuning: BotTuning = {}) {
	if (role !== 'all' && !isRedisUrl(config.STORE_URL)) {
		throw new ConfigError([`npm run ${role} needs STORE_URL=redis://host:port/db: processes share jobs and quotas through Redis (the SQLite default runs everything in one process: npm start)`]);
	}
	const store = await openStore(config.STORE_URL);
	// On Redis, every process decides quotas, active jobs and the queue together.
	// Loaded only there: BullMQ, ioredis and the queue UI are about 30 MB of memory one process never uses.
	const cluster: Cluster | undefined = isRedisUrl(config.STORE_URL) ? new (await import('./services/cluster/cluster.js')).Cluster(config, logger) : undefined;
	if (cluster) {
		try {
			await cluster.check();
		} catch (error) {
			await Promise.allSettled([cluster.close(), store.disconnect()]);
			throw error;
		}
	}
	const tmpDir = await mkdtemp(join(tmpdir(), 'relaydance-bot-'));
	const client = new Client({
		intents: [GatewayIntentBits.Guilds],
		// discord.js's own sharding: `auto` asks Discord how many; SHARD_IDS picks this process's share.
		...(config.SHARD_COUNT === 'auto' ? { shards: 'auto' as const } : { shardCount: config.SHARD_COUNT, shards: config.SHARD_IDS ?? [...Array(config.SHARD_COUNT).keys()] }),
		rest: { api: config.DISCORD_API_URL, agent: discordAgent() },
		allowedMentions: { parse: [] },
		// Every interaction would otherwise keep its member and user cached for good. The bot reads
		// them only from the interaction itself (roles included), so it keeps none but its own.
		makeCache: Options.cacheWithLimits({
			...Options.DefaultMakeCacheSettings,
			GuildMemberManager: { maxSize: 0, keepOverLimit: (member) => member.id === member.client.user?.id },
			UserManager: { maxSize: 0, keepOverLimit: (user) => user.id === user.client.user?.id },
		}),
	});
	// Jobs resumed at start may post with the bot token before login() would set it.
	client.rest.setToken(config.DISCORD_TOKEN);
	// Metrics are kept only when the ops server can show them.
	const metrics = config.OPS_PORT === undefined ? undefined : new BotMetrics(config.MODEL_PRICES);
	const relaydance = new RelayDanceClient({
		baseUrl: config.RELAYDANCE_BASE_URL,
		apiKey: config.RELAYDANCE_API_KEY,
		...(metrics && { onAnswer: (method: string, route: string, status: number | 'error') => metrics.relaydanceAnswered(method, route, status) }),
	});
	const writer = new WriteBehind(store, STORE_WRITE_DELAY_MS, (error) => logger.error({ err: error }, 'could not write to the store'));
	// On Redis each record write carries this process's claim on the job, checked in Redis (the fence).
	const jobWriter = cluster ? new FencedJobWriter(store, cluster.fences, JOB_KEY_PREFIX, STORE_WRITE_DELAY_MS, (error) => logger.error({ err: error }, 'could not write a job record; writing it again until Redis answers')) : writer;
	const jobs = new JobStore(store, jobWriter);
	const windowMs = config.QUOTA_WINDOW_HOURS * 60 * 60_000;
	const openQuota = async (unit: QuotaUnit, limit: number) =>
		new QuotaService(writer, limit, windowMs, undefined, unit).load(await scanStore<QuotaRecord>(store, unit.keyPrefix));
	const localQuotas = cluster ? undefined : { video: await openQuota(VIDEO_SECONDS, config.QUOTA_VIDEO_SECONDS), image: await openQuota(IMAGES, config.QUOTA_IMAGES) };
	const quotas = cluster?.quotas ?? localQuotas!;
	const localActiveJobs = cluster ? undefined : new ActiveJobs(config.MAX_ACTIVE_JOBS_PER_USER);
	const guilds = await new GuildSettingsStore(store, writer, DEFAULT_ACCESS).load();
	const usage = cluster?.usage ?? (await new UsageLedger(store, writer, config.MODEL_PRICES).load());
	const audit = new AuditLog(client.rest, guilds, config.MODEL_PRICES, logger);
	// Discord bans the IP at 10,000 401/403/429s in 10 minutes: at half, progress edits wait and the audit channels hear of it.
	const invalidRequestLimit = tuning.invalidRequestLimit ?? INVALID_REQUEST_LIMIT;
	const invalidRequests = new InvalidRequestWindow({
		limit: invalidRequestLimit,
		onHigh: (count) => {
			logger.warn({ count, limit: invalidRequestLimit }, "Discord refused half as many requests in 10 minutes as gets the bot's IP banned: progress edits pause until the rate falls");
			audit.invalidRequestsHigh(count, invalidRequestLimit);
		},
		onCalm: (count) => logger.info({ count }, "Discord's invalid-request count fell: progress edits resume"),
	});
	const discordAnswers = new DiscordAnswers(invalidRequests, metrics);
	let signals: ClusterSignals | undefined;
	const credit = new CreditGate(
		config.CREDIT_RETRY_MS,
		() => audit.creditExhausted(Math.max(1, Math.round(config.CREDIT_RETRY_MS / 60_000))),
		undefined,
		(state) => {
			void (state ? store.set(CREDIT_KEY, state) : store.delete(CREDIT_KEY)).catch((error: unknown) => logger.warn({ err: error }, 'could not store the credit pause'));
			// Every other process pauses at once: gateways refuse new requests rather than reserve for them.
			if (state) void signals?.creditPaused(state.pausedUntil).catch((error: unknown) => logger.warn({ err: error }, 'could not announce the credit pause'));
		},
	).resume(await store.get<CreditPause>(CREDIT_KEY));
	const signer = config.WEBHOOK_PUBLIC_URL ? new CallbackSigner(config.RELAYDANCE_API_KEY, config.WEBHOOK_PUBLIC_URL) : undefined;
	const waker = new TaskWaker();
	let callbackServer: Awaited<ReturnType<typeof startCallbackServer>> | undefined;
	let stopped: Promise<void> | undefined;
	const discordRest = {
		interactions: new REST({ api: config.DISCORD_API_URL, globalRequestsPerSecond: Number.MAX_SAFE_INTEGER, agent: discordAgent() }),
		bot: client.rest,
		api: config.DISCORD_API_URL,
		botToken: config.DISCORD_TOKEN,
		onAnswer: (status: number, scope?: string | null) => discordAnswers.answered(status, scope),
		progressAllowed: () => !invalidRequests.high,
	};
	discordAnswers.watch(discordRest.bot);
	discordAnswers.watch(discordRest.interactions);
	const views = new InteractionViews(discordRest, config.EDIT_INTERVAL_MS, logger, cluster?.fences);
	const taskSlots = new FairLine(config.MAX_CONCURRENT_TASKS);
	const timings = new TaskTimings({ video: config.TYPICAL_VIDEO_SECONDS * 1000, image: config.TYPICAL_IMAGE_SECONDS * 1000 });
	const runner = new JobRunner({
		client: relaydance,
		jobs,
		quotas,
		logger,
		poll: { intervalMs: config.POLL_INTERVAL_MS, maxIntervalMs: config.POLL_MAX_INTERVAL_MS, timeoutMs: config.POLL_TIMEOUT_MS },
		maxReferenceBytes: config.MAX_ATTACHMENT_MB * MB,
		maxOutputBytes: config.MAX_OUTPUT_MB * MB,
		maxImageBytes: Math.min(config.MAX_OUTPUT_MB, MAX_IMAGE_MB) * MB,
		outputHosts: [new URL(config.RELAYDANCE_BASE_URL).hostname],
		referenceHosts: config.DISCORD_API_URL === DISCORD_API_DEFAULT ? [] : [new URL(config.DISCORD_API_URL).hostname],
		tmpDir,
		maxSubmitting: config.MAX_SUBMITTING,
		referenceMemoryBytes: config.REFERENCE_MEMORY_MB * MB,
		views,
		taskSlots,
		credit,
		onFinal: (job) => {
			usage.record(job);
			timings.record(job);
			metrics?.jobEnded(job);
			audit.jobFinished(job);
			// Locally the runner's caller gives the slot back; on Redis, whichever process ends the job does.
			cluster?.activeJobs.release(job.requester.userId, job.id);
		},
		leaseOf: cluster && ((jobId) => () => cluster.fences.leaseHolds(jobId, SHOWING_MS)),
		callbacks: signer && { urlFor: (jobId) => signer.urlFor(jobId), waker, fallbackPollMs: config.WEBHOOK_FALLBACK_POLL_MS },
	});
	// The operator's pause of new requests: in the store, and on Redis announced to every process.
	const intake = await new IntakePause(store, async (paused) => void (await signals?.intakeChanged(paused))).load();
	signals = await cluster?.listen({
		cancel: (jobId, by) => runner.cancel(jobId, by),
		intake: (paused) => void intake.heard(paused),
		creditPaused: (pausedUntil) => credit.pauseHeard({ pausedUntil }),
		wake: (jobId) => void waker.wake(jobId),
		settings: (key) => void guilds.refresh(key).catch((error: unknown) => logger.warn({ err: error, key }, 'could not read changed settings')),
	});
	// An admin's change made in one process reaches every other at once.
	if (signals) guilds.onChange = (key) => void signals.settingsChanged(key).catch((error: unknown) => logger.warn({ err: error, key }, 'could not announce changed settings'));
	const context: BotContext = {
		config,
		logger,
		rest: client.rest,
		interactionRest: discordRest.interactions,
		applicationId: applicationIdOf(config),
		quotas,
		jobs,
		guilds,
		usage,
		audit,
		reports: cluster?.reports ?? new StoredReports(store, config.JOB_RETENTION_DAYS * 24 * 60 * 60_000),
		reviews: new ReviewDesk({
			jobs,
			views,
			tmpDir,
			maxOutputBytes: config.MAX_OUTPUT_MB * MB,
			maxImageBytes: Math.min(config.MAX_OUTPUT_MB, MAX_IMAGE_MB) * MB,
			// The review message's files come from Discord's CDN (the stand-in's host in tests), the rest from RelayDance.
			mediaHosts: [new URL(config.RELAYDANCE_BASE_URL).hostname, ...(config.DISCORD_API_URL === DISCORD_API_DEFAULT ? [] : [new URL(config.DISCORD_API_URL).hostname])],
			logger,
		}),
		credit,
		intake,
		drafts: new DraftStore(store),
		pendingStarts: cluster?.pendingStarts ?? new StoredPendingStarts(store),
		catalog: new ModelCatalog(() => relaydance.listModels(), config.VIDEO_MODELS, logger),
		imageCatalog: new ModelCatalog(() => relaydance.listModels(), config.IMAGE_MODELS, logger, undefined, makesImages),
		admission: cluster?.admission ?? new LocalAdmission(localActiveJobs!, localQuotas!),
		timings,
		lineAhead: cluster ? () => cluster.queue.getWaitingCount() : () => taskSlots.waiting,
		dispatch: countStarts(cluster ? cluster.dispatch(jobs, runner) : new LocalDispatch(runner), metrics),
	};
	metrics?.watch({
		tasks: () => ({ inFlight: taskSlots.running, waiting: taskSlots.waiting }),
		creditPaused: () => credit.paused,
		invalidRequests: () => invalidRequests.count(),
		intakePaused: () => intake.paused,
		...(cluster && { queue: () => cluster.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed') }),
	});
	let opsServer: OpsServer | undefined;
	const route = routeInteractions(commands, messageCommands, context);
	// Interactions being answered: a stopping process lets them finish (the job written and queued, or refused) before it closes the store.
	const answering = new Set<Promise<void>>();
	client.on(Events.InteractionCreate, (interaction) => {
		discordAnswers.receive(interaction);
		const answered = route(interaction)
			.catch((error: unknown) => logger.error({ err: error }, 'interaction not handled'))
			.finally(() => answering.delete(answered));
		answering.add(answered);
	});
	client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));

	const retentionMs = config.JOB_RETENTION_DAYS * DAY_MS;
	const prune = async () => {
		const pruned = await jobs.prune((await jobs.scan()).jobs, Date.now() - retentionMs);
		if (pruned > 0) logger.info({ pruned }, 'pruned finished job records');
	};
	let pruner: NodeJS.Timeout | undefined;

	/**
	 * Redis lost its data: the jobs this process runs are written back (their runs go on and end
	 * them), then those it queued that Redis no longer has (the reconciler queues them again), so are the settings it holds (every process reads them again) and a credit pause, and
	 * one process tells every audit channel.
	 */
	const onDataLoss = async (lost: string) => {
		const held = (cluster?.fences.held() ?? []).map((id) => runner.find(id)).filter((job) => job !== undefined);
		const written = await Promise.allSettled(held.map((job) => jobs.save(job, { now: true })));
		// Then the jobs it queued that no worker had yet (only Redis held them), where no fresher record is: the reconciler queues them again.
		const queued = await (cluster?.writeBackLaunched() ?? Promise.resolve([])).catch((error: unknown) => (logger.error({ err: error }, 'could not write back the jobs this process queued'), []));
		// Their charges went with the data too: each is taken again in the window it was taken in.
		await cluster?.restoreCharges([...held, ...queued]).catch((error: unknown) => logger.error({ err: error }, 'could not take the charges of the jobs written back again'));
		const restored = await guilds.restore().catch((error: unknown) => (logger.error({ err: error }, 'could not write back the settings'), 0));
		if (credit.paused) await store.set(CREDIT_KEY, { pausedUntil: credit.reopensAt }).catch(() => {});
		logger.warn({ jobs: written.filter((result) => result.status === 'fulfilled').length, queued: queued.length, settings: restored }, 'wrote back what this process held after Redis lost its data');
		if (await cluster?.firstToAnnounce(lost)) audit.dataLost();
	};
	/** Back on Redis after it was away: a credit pause another process stored meanwhile holds here too. */
	const onReconnect = () => {
		void store.get<CreditPause>(CREDIT_KEY).then(
			(state) => state && credit.pauseHeard(state),
			() => {},
		);
	};

	return {
		client,
		context,
		/** The ops server's address once started (`OPS_PORT` set), e.g. `http://127.0.0.1:9464`. */
		opsUrl: () => opsServer?.url,
		/**
		 * Resumes the jobs the store holds (on Redis, a worker queues every unfinished one and takes
		 * its share), then connects to Discord (not a worker alone: it needs no gateway).
		 */
		async start(): Promise<void> {
			const runsJobs = role !== 'gateway';
			if (metrics) {
				opsServer = await startOpsServer({
					port: config.OPS_PORT!,
					host: config.OPS_HOST,
					metrics,
					logger,
					...(config.OPS_TOKEN && {
						page: await setUpOperatorPage({
							token: config.OPS_TOKEN,
							jobs,
							dispatch: context.dispatch,
							intake,
							credit,
							invalidRequests,
							prices: config.MODEL_PRICES,
							...(cluster && { cluster: { queue: cluster.queue, processes: () => cluster.processes() } }),
							views,
							tmpDir,
							maxOutputBytes: config.MAX_OUTPUT_MB * MB,
							outputHosts: [new URL(config.RELAYDANCE_BASE_URL).hostname],
							role,
							logger,
						}),
					}),
					checks: {
						store: async () => (await store.get('store:ping'), true),
						...(cluster && { redis: () => cluster.ping() }),
						...(role !== 'worker' && { discord: () => client.isReady() && client.ws.status === Status.Ready }),
					},
				});
			}
			if (signer && runsJobs) {
				// On Redis the callback may reach any worker: every process hears it, and the one waiting wakes.
				const onCallback = signals ? (jobId: string) => (void signals.wake(jobId).catch(() => {}), true) : (jobId: string) => waker.wake(jobId);
				callbackServer = await startCallbackServer({ port: config.WEBHOOK_PORT, host: config.WEBHOOK_HOST, signer, onCallback, logger });
			}
			if (!cluster) await recoverJobs({ jobs, quotas: localQuotas!, runner, activeJobs: localActiveJobs!, logger, retentionMs });
			else {
				await jobs.load();
				await cluster.watch(jobs, onDataLoss, onReconnect);
				if (runsJobs) await cluster.startWorker(runner, role, views);
			}
			if (runsJobs) pruner = setInterval(() => void prune().catch((error: unknown) => logger.warn({ err: error }, 'could not prune job records')), PRUNE_INTERVAL_MS).unref();
			if (role === 'worker') {
				await Promise.all([context.catalog.refresh(), context.imageCatalog.refresh()]);
				logger.info({ concurrency: config.WORKER_CONCURRENCY ?? config.MAX_CONCURRENT_TASKS }, 'worker ready');
				return;
			}
			const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
			await Promise.all([context.catalog.refresh(), context.imageCatalog.refresh(), client.login(config.DISCORD_TOKEN), ready]);
			logger.info({ user: client.user?.tag, guilds: client.guilds.cache.size, role }, 'bot ready');
		},
		/**
		 * Stops taking interactions, lets submits in flight finish for up to `graceMs` less a margin
		 * for the rest, leaves every other job in the store for the next start, flushes and closes.
		 * Calling it again waits for the first call.
		 */
		stop(graceMs = config.SHUTDOWN_GRACE_MS): Promise<void> {
			stopped ??= (async () => {
				client.removeAllListeners(Events.InteractionCreate);
				clearInterval(pruner);
				await within(Promise.allSettled(answering), Math.min(ANSWERING_MS, graceMs / 3));
				// Submits get the grace period less a margin; the cut-off and each closing step get a
				// bounded share of the margin, so a short grace is kept too.
				const margin = Math.min(CLOSE_MARGIN_MS, graceMs * 0.6);
				// A worker's unfinished jobs go back to the queue as the runner lets them go.
				await Promise.all([runner.stop(graceMs - margin, margin / 3), within(cluster?.closeWorker() ?? Promise.resolve(), graceMs - margin / 2)]);
				await within(Promise.all([writer.flush(), jobWriter.flush()]), margin / 3);
				await within(Promise.all([client.destroy(), callbackServer?.close(), opsServer?.close()]), margin / 6);
				discordAnswers.close();
				await within(Promise.all([store.disconnect(), cluster?.close()]), margin / 12);
				await within(rm(tmpDir, { recursive: true, force: true }), margin / 24);
			})();
			return stopped;
		},
	};
}

/** Counts each job handed on as started, by kind and model. */
function countStarts(dispatch: JobDispatch, metrics: BotMetrics | undefined): JobDispatch {
	if (!metrics) return dispatch;
	return {
		launch: (job, release) => {
			metrics.jobStarted(job);
			return dispatch.launch(job, release);
		},
		find: (jobId) => dispatch.find(jobId),
		cancel: (jobId, by) => dispatch.cancel(jobId, by),
	};
}
