import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { CSRF_HEADER, OpsAuth, SESSION_COOKIE } from '../../../../src/services/ops/page/auth.js';

const TOKEN = 'a-long-operator-token-0123456789';
const request = (headers: Record<string, string>) => ({ headers: { host: '127.0.0.1:9464', ...headers } }) as unknown as IncomingMessage;

describe('OpsAuth', () => {
	it('matches the token and nothing else, whatever the length of the guess', () => {
		const auth = new OpsAuth(TOKEN);
		expect(auth.tokenMatches(TOKEN)).toBe(true);
		for (const guess of ['', 'a', TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase()]) expect(auth.tokenMatches(guess)).toBe(false);
	});

	it('accepts a session another process with the same token issued, until it expires', () => {
		let now = 1_000_000;
		const issuer = new OpsAuth(TOKEN, { sessionMs: 60_000, now: () => now });
		const other = new OpsAuth(TOKEN, { now: () => now });
		const session = issuer.newSession();
		expect(other.sessionValid(session)).toBe(true);
		expect(new OpsAuth(`${TOKEN}-rotated`, { now: () => now }).sessionValid(session)).toBe(false);
		now += 60_001;
		expect(other.sessionValid(session)).toBe(false);
	});

	it('refuses a session whose expiry or signature was changed', () => {
		const auth = new OpsAuth(TOKEN);
		const [expires, nonce, signature] = auth.newSession().split('.');
		expect(auth.sessionValid(`${Number(expires) + 1_000_000}.${nonce}.${signature}`)).toBe(false);
		expect(auth.sessionValid(`${expires}.${nonce}.${signature!.slice(0, -2)}AA`)).toBe(false);
		expect(auth.sessionValid('garbage')).toBe(false);
	});

	it('sets the session as an HttpOnly, SameSite=Strict cookie on /, Secure behind a TLS proxy', () => {
		const auth = new OpsAuth(TOKEN);
		const cookie = auth.sessionCookie('value', request({}));
		expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=value; HttpOnly; SameSite=Strict; Path=/; Max-Age=\\d+$`));
		expect(auth.sessionCookie('value', request({ 'x-forwarded-proto': 'https' }))).toMatch(/; Secure$/);
		expect(auth.clearedCookie(request({}))).toContain('Max-Age=0');
	});

	it('knows a browser by its cookie and a script by its bearer token, and nobody else', () => {
		const auth = new OpsAuth(TOKEN);
		const session = auth.newSession();
		expect(auth.callerOf(request({ cookie: `other=1; ${SESSION_COOKIE}=${session}` }))).toEqual({ via: 'cookie', session, csrf: auth.csrfFor(session) });
		expect(auth.callerOf(request({ authorization: `Bearer ${TOKEN}` }))).toEqual({ via: 'bearer' });
		expect(auth.callerOf(request({ authorization: 'Bearer wrong' }))).toBeUndefined();
		expect(auth.callerOf(request({ cookie: `${SESSION_COOKIE}=forged.value.sig` }))).toBeUndefined();
		expect(auth.callerOf(request({}))).toBeUndefined();
	});

	it("lets a script with the bearer token act without CSRF, and a browser session only with its CSRF token from the page's origin", () => {
		const auth = new OpsAuth(TOKEN);
		const session = auth.newSession();
		const csrf = auth.csrfFor(session);
		const cookie = `${SESSION_COOKIE}=${session}`;
		const act = (headers: Record<string, string>) => auth.mayAct(request(headers), auth.callerOf(request(headers)));
		expect(act({ authorization: `Bearer ${TOKEN}` })).toBeUndefined();
		expect(act({ cookie, origin: 'http://127.0.0.1:9464', [CSRF_HEADER]: csrf })).toBeUndefined();
		// Browsers send Origin: null under Referrer-Policy no-referrer; Sec-Fetch-Site then tells.
		expect(act({ cookie, origin: 'null', 'sec-fetch-site': 'same-origin', [CSRF_HEADER]: csrf })).toBeUndefined();
		expect(act({ cookie, origin: 'http://127.0.0.1:9464' })?.status).toBe(403);
		expect(act({ cookie, origin: 'http://127.0.0.1:9464', [CSRF_HEADER]: auth.csrfFor(auth.newSession()) })?.status).toBe(403);
		expect(act({ cookie, origin: 'https://evil.example', [CSRF_HEADER]: csrf })?.status).toBe(403);
		expect(act({ cookie, 'sec-fetch-site': 'cross-site', [CSRF_HEADER]: csrf })?.status).toBe(403);
		expect(act({ cookie, [CSRF_HEADER]: csrf })?.status).toBe(403);
		expect(act({})?.status).toBe(401);
	});
});
