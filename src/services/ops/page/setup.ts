import type { Queue } from 'bullmq';
import type { Logger } from '../../../logger.js';
import type { QueueFigures, WorkerFigures } from '../../cluster/status-report.js';
import type { ModelPrices } from '../../guilds/usage.js';
import type { JobDispatch } from '../../jobs/job-dispatch.js';
import type { JobStore } from '../../jobs/job-store.js';
import type { JobViews } from '../../jobs/job-view.js';
import type { OpsHandler } from '../ops-server.js';
import { OperatorActions } from './actions.js';
import { OpsAuth } from './auth.js';
import type { IntakePause } from './intake-pause.js';
import { operatorPage } from './operator-page.js';
import { Redeliverer } from './redeliver.js';
import { Snapshots, type SnapshotSources } from './snapshot.js';

/** What the operator page reads and acts through, as `src/bot.ts` builds it. */
export interface OperatorPageParts {
	token: string;
	jobs: JobStore;
	dispatch: JobDispatch;
	intake: IntakePause;
	credit: SnapshotSources['credit'];
	invalidRequests: SnapshotSources['invalidRequests'];
	prices: ModelPrices;
	/** On Redis: the shared queue (bull-board) and the workers' heartbeats. */
	cluster?: { queue: Queue; processes: () => Promise<{ workers: WorkerFigures; queue: QueueFigures }> };
	views: JobViews;
	tmpDir: string;
	maxOutputBytes: number;
	outputHosts: string[];
	role: string;
	logger: Logger;
}

/** The operator page's handler for the ops server, built from the bot's services. */
export async function setUpOperatorPage(parts: OperatorPageParts): Promise<OpsHandler> {
	const logger = parts.logger.child({ component: 'operator-page' });
	const snapshots = new Snapshots({
		jobs: async () => (await parts.jobs.scan()).jobs,
		live: (jobId) => parts.dispatch.find(jobId),
		prices: parts.prices,
		credit: parts.credit,
		intake: parts.intake,
		invalidRequests: parts.invalidRequests,
		...(parts.cluster && { cluster: parts.cluster.processes }),
		role: parts.role,
	});
	const redeliverer = new Redeliverer({ jobs: parts.jobs, views: parts.views, tmpDir: parts.tmpDir, maxOutputBytes: parts.maxOutputBytes, outputHosts: parts.outputHosts, logger });
	return operatorPage({
		auth: new OpsAuth(parts.token),
		snapshots,
		actions: new OperatorActions(parts.dispatch, parts.intake, redeliverer, logger),
		// bull-board (and Express under it) is loaded only on Redis, where there is a queue to show.
		...(parts.cluster && { queues: (await import('./bull-board.js')).bullBoard(parts.cluster.queue) }),
		logger,
	});
}
