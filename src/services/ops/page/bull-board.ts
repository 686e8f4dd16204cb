import type { IncomingMessage, ServerResponse } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express from 'express';
import { QUEUES_PATH } from './operator-page.js';

/**
 * BullMQ's own UI for the shared queue (bull-board), as a plain request handler: the operator page
 * puts it behind the same login. Its pages carry their own scripts, so they get no page CSP.
 */
export function bullBoard(queue: Queue): (request: IncomingMessage, response: ServerResponse) => void {
	const adapter = new ExpressAdapter();
	adapter.setBasePath(QUEUES_PATH);
	createBullBoard({ queues: [new BullMQAdapter(queue, { readOnlyMode: false })], serverAdapter: adapter, options: { uiConfig: { boardTitle: 'relaydance-bot' } } });
	const app = express();
	app.disable('x-powered-by');
	app.use(QUEUES_PATH, adapter.getRouter());
	return (request, response) => app(request as express.Request, response as express.Response);
}
