import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../../logger.js';
import { send, type OpsHandler } from '../ops-server.js';
import { ActionRefused } from './action-refused.js';
import type { OperatorActions } from './actions.js';
import { sameOrigin, type Caller, type OpsAuth } from './auth.js';
import type { Snapshots } from './snapshot.js';
import { escapeHtml, loadStaticFiles } from './static-files.js';
import { OverviewStream } from './stream.js';

/** Where bull-board lives on the ops port. */
export const QUEUES_PATH = '/queues';

export interface OperatorPageOptions {
	auth: OpsAuth;
	snapshots: Snapshots;
	actions: OperatorActions;
	/** On Redis: bull-board, behind the same login. */
	queues?: (request: IncomingMessage, response: ServerResponse) => void;
	logger: Logger;
}

/** The page's own answers: its scripts come only from its own origin, and it is never framed or told where links came from. */
const PAGE_HEADERS = {
	'content-security-policy': "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
	'x-frame-options': 'DENY',
	'referrer-policy': 'no-referrer',
	'x-content-type-options': 'nosniff',
};
/** bull-board's pages carry inline scripts of their own: everything but the CSP. */
const QUEUES_HEADERS = { 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff' };
const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json';
/** A login form or an action's body is a few bytes: anything larger is refused unread. */
const MAX_BODY = 4_096;

const JOB_ACTION = /^\/api\/jobs\/([\w-]{1,64})\/(cancel|redeliver)$/;

/**
 * The operator page on the ops port, when `OPS_TOKEN` is set: the page and its login (`/`,
 * `/login`, `/logout`), its static files, its API (`/api/overview`, the live `/api/stream`, and the
 * actions, each a POST), and bull-board at `/queues` on Redis. Everything but the login form and
 * the static files needs a session cookie or the bearer token; an action from a browser session
 * needs its CSRF token too.
 */
export function operatorPage(options: OperatorPageOptions): OpsHandler {
	const { auth, snapshots, actions, logger } = options;
	const { files, indexHtml, loginHtml } = loadStaticFiles();
	const stream = new OverviewStream(snapshots, logger);

	const page = (response: ServerResponse, status: number, body: string, extra: Record<string, string> = {}) => {
		for (const [name, value] of Object.entries({ ...PAGE_HEADERS, ...extra })) response.setHeader(name, value);
		send(response, status, HTML, body);
	};
	const json = (response: ServerResponse, status: number, body: unknown) => {
		for (const [name, value] of Object.entries(PAGE_HEADERS)) response.setHeader(name, value);
		send(response, status, JSON_TYPE, JSON.stringify(body));
	};
	const login = (response: ServerResponse, status: number, message = '', extra: Record<string, string> = {}) =>
		page(response, status, loginHtml.replace('{{message}}', message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ''), extra);

	return async (request, response, url) => {
		const path = url.pathname;
		const method = request.method ?? 'GET';
		const read = method === 'GET' || method === 'HEAD';
		const file = read ? files.get(path) : undefined;
		if (file) {
			for (const [name, value] of Object.entries(PAGE_HEADERS)) response.setHeader(name, value);
			send(response, 200, file.type, file.body);
			return true;
		}
		const caller = auth.callerOf(request);
		if (path === '/' && read) {
			if (!caller || caller.via !== 'cookie') login(response, 200);
			else page(response, 200, indexHtml.replace('{{csrf}}', escapeHtml(caller.csrf)));
			return true;
		}
		if (path === '/login' && method === 'POST') {
			await logIn(request, response);
			return true;
		}
		if (path === '/logout' && method === 'POST') {
			const refused = auth.mayAct(request, caller);
			if (refused) return refuse(response, refused.status, refused.reason), true;
			response.setHeader('set-cookie', auth.clearedCookie(request));
			json(response, 200, { loggedOut: true });
			return true;
		}
		if (options.queues && (path === QUEUES_PATH || path.startsWith(`${QUEUES_PATH}/`))) {
			queues(request, response, caller, read);
			return true;
		}
		if (!path.startsWith('/api/')) return false;
		if (!caller) return refuse(response, 401, 'log in first'), true;
		if (read && path === '/api/overview') return json(response, 200, await snapshots.read()), true;
		if (read && path === '/api/stream') return stream.add(request, response, () => auth.callerOf(request) !== undefined, PAGE_HEADERS), true;
		if (method !== 'POST') return false;
		const refused = auth.mayAct(request, caller);
		if (refused) return refuse(response, refused.status, refused.reason), true;
		await act(request, response, path);
		return true;
	};

	async function logIn(request: IncomingMessage, response: ServerResponse): Promise<void> {
		// A login posted from another site would log the operator's browser in to a session of the attacker's choosing.
		if (sameOrigin(request) === false) return login(response, 403, 'This login did not come from this page.');
		const body = await readBody(request).catch(() => undefined);
		const token = body === undefined ? undefined : new URLSearchParams(body).get('token');
		if (!token || !auth.tokenMatches(token)) {
			logger.warn({ from: request.socket.remoteAddress }, 'operator page: wrong token');
			return login(response, 401, 'That token is not right.');
		}
		logger.info({ from: request.socket.remoteAddress }, 'operator logged in');
		response.setHeader('set-cookie', auth.sessionCookie(auth.newSession(), request));
		response.setHeader('location', '/');
		page(response, 303, '');
	}

	function queues(request: IncomingMessage, response: ServerResponse, caller: Caller, read: boolean): void {
		if (!caller) {
			if (read) return void (response.setHeader('location', '/'), send(response, 303, 'text/plain; charset=utf-8', 'log in first\n'));
			return refuse(response, 401, 'log in first');
		}
		// bull-board's own requests carry no CSRF token: its changes must at least come from this origin.
		if (!read && caller.via === 'cookie' && sameOrigin(request) !== true) return refuse(response, 403, 'this request did not come from the operator page');
		for (const [name, value] of Object.entries(QUEUES_HEADERS)) response.setHeader(name, value);
		options.queues!(request, response);
	}

	async function act(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
		try {
			const job = JOB_ACTION.exec(path);
			let answer: unknown;
			if (job?.[2] === 'cancel') answer = await actions.cancel(job[1]!);
			else if (job?.[2] === 'redeliver') answer = await actions.redeliver(job[1]!);
			else if (path === '/api/intake/pause') answer = await actions.setIntake(true);
			else if (path === '/api/intake/resume') answer = await actions.setIntake(false);
			else return refuse(response, 404, 'no such action');
			snapshots.forget();
			stream.push();
			json(response, 200, answer);
		} catch (error) {
			if (error instanceof ActionRefused) return refuse(response, error.status, error.message);
			logger.error({ err: error, path }, 'operator action failed');
			refuse(response, 500, 'the action failed; the bot log says why');
		}
	}

	function refuse(response: ServerResponse, status: number, error: string): void {
		json(response, status, { error });
	}
}

function readBody(request: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		request.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size > MAX_BODY) {
				reject(new Error('body too large'));
				request.destroy();
			} else chunks.push(chunk);
		});
		request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		request.on('error', reject);
	});
}
