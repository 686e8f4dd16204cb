import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The session cookie's name. */
export const SESSION_COOKIE = 'rd_ops_session';
/** The header the page's script sends its CSRF token in. */
export const CSRF_HEADER = 'x-ops-csrf';
/** A login lasts a working day; the operator logs in again after. */
const SESSION_MS = 12 * 60 * 60_000;

export interface OpsAuthOptions {
	sessionMs?: number;
	now?: () => number;
}

/** Who a request is: a script with the token (`bearer`), a logged-in browser (`cookie`), or nobody. */
export type Caller = { via: 'bearer' } | { via: 'cookie'; session: string; csrf: string } | undefined;

/** Why an action was refused: not logged in (401), or a cookie session without its CSRF proof (403). */
export type Refusal = { status: 401 | 403; reason: string };

/**
 * Logging in to the operator page with `OPS_TOKEN`. Every secret here is an HMAC under a key derived
 * from the token, so every process of a cluster issues and accepts the same sessions with nothing
 * shared but the token, and changing the token logs everyone out. Comparisons go through HMAC
 * digests of equal length and `timingSafeEqual`, so neither the token's length nor how much of a
 * guess was right leaks through timing.
 */
export class OpsAuth {
	private readonly key: Buffer;
	private readonly expected: Buffer;
	private readonly sessionMs: number;
	private readonly now: () => number;

	constructor(token: string, options: OpsAuthOptions = {}) {
		this.key = createHmac('sha256', token).update('relaydance-bot operator page v1').digest();
		this.expected = this.mac(`token:${token}`);
		this.sessionMs = options.sessionMs ?? SESSION_MS;
		this.now = options.now ?? Date.now;
	}

	/** True when `given` is the token, compared in constant time. */
	tokenMatches(given: string): boolean {
		return timingSafeEqual(this.mac(`token:${given}`), this.expected);
	}

	/** A new session value: `<expiry>.<nonce>.<signature>`, valid until its expiry in any process with the token. */
	newSession(): string {
		const body = `${this.now() + this.sessionMs}.${randomBytes(12).toString('base64url')}`;
		return `${body}.${this.mac(`session:${body}`).toString('base64url')}`;
	}

	/** True for a session this token signed that has not expired. */
	sessionValid(value: string): boolean {
		const last = value.lastIndexOf('.');
		if (last < 0) return false;
		const body = value.slice(0, last);
		const given = Buffer.from(value.slice(last + 1), 'base64url');
		const expected = this.mac(`session:${body}`);
		if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
		return Number(body.split('.')[0]) > this.now();
	}

	/** The CSRF token of a session: the page's script sends it back in `x-ops-csrf` with every action. */
	csrfFor(session: string): string {
		return this.mac(`csrf:${session}`).toString('base64url');
	}

	/** Who sent the request: the bearer token wins, else a valid session cookie. */
	callerOf(request: IncomingMessage): Caller {
		const authorization = request.headers.authorization;
		if (authorization?.startsWith('Bearer ')) return this.tokenMatches(authorization.slice('Bearer '.length).trim()) ? { via: 'bearer' } : undefined;
		const session = cookiesOf(request)[SESSION_COOKIE];
		if (!session || !this.sessionValid(session)) return undefined;
		return { via: 'cookie', session, csrf: this.csrfFor(session) };
	}

	/**
	 * Lets an action (a POST) through, or says why not: a script with the bearer token needs nothing
	 * more; a browser session must send its CSRF token and come from the page's own origin.
	 */
	mayAct(request: IncomingMessage, caller: Caller): Refusal | undefined {
		if (!caller) return { status: 401, reason: 'log in first' };
		if (caller.via === 'bearer') return undefined;
		if (sameOrigin(request) !== true) return { status: 403, reason: 'this request did not come from the operator page' };
		const given = Buffer.from(String(request.headers[CSRF_HEADER] ?? ''));
		const expected = Buffer.from(caller.csrf);
		if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { status: 403, reason: 'missing or wrong CSRF token' };
		return undefined;
	}

	/** `Set-Cookie` for a new session. `Secure` when the request came through a TLS proxy that says so. */
	sessionCookie(session: string, request: IncomingMessage): string {
		return `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(this.sessionMs / 1000)}${secure(request)}`;
	}

	/** `Set-Cookie` that ends the session in the browser. */
	clearedCookie(request: IncomingMessage): string {
		return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${secure(request)}`;
	}

	private mac(text: string): Buffer {
		return createHmac('sha256', this.key).update(text).digest();
	}
}

/**
 * Whether the browser says the request comes from the page's own origin: `Origin` naming the host
 * the request was sent to (behind a reverse proxy that rewrites `Host`, the proxy's
 * `X-Forwarded-Host` is what the browser saw), or, where the browser sends `Origin: null` (as it
 * does for same-origin requests under `Referrer-Policy: no-referrer`), `Sec-Fetch-Site:
 * same-origin`. Undefined when the request says neither (not a browser).
 */
export function sameOrigin(request: IncomingMessage): boolean | undefined {
	const origin = request.headers.origin;
	if (origin && origin !== 'null') {
		const host = firstValue(request.headers['x-forwarded-host']) ?? request.headers.host;
		try {
			return new URL(origin).host === host;
		} catch {
			return false;
		}
	}
	const site = request.headers['sec-fetch-site'];
	if (site) return site === 'same-origin';
	return origin === 'null' ? false : undefined;
}

function cookiesOf(request: IncomingMessage): Record<string, string> {
	const cookies: Record<string, string> = {};
	for (const part of (request.headers.cookie ?? '').split(';')) {
		const equals = part.indexOf('=');
		if (equals > 0) cookies[part.slice(0, equals).trim()] = part.slice(equals + 1).trim();
	}
	return cookies;
}

function secure(request: IncomingMessage): string {
	return firstValue(request.headers['x-forwarded-proto']) === 'https' ? '; Secure' : '';
}

function firstValue(header: string | string[] | undefined): string | undefined {
	const value = Array.isArray(header) ? header[0] : header;
	return value?.split(',')[0]?.trim() || undefined;
}
