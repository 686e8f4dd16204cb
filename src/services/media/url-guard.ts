import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, type Dispatcher } from 'undici';
import { DownloadError } from './download-error.js';

/**
 * Whether a connection to `address` must be refused: anything but ordinary public unicast, as
 * ipaddr.js classifies it (loopback, private, link-local (so 169.254.169.254), CGNAT,
 * unique-local (so fd00:ec2::254), multicast, unspecified, broadcast, reserved, documentation and
 * transition ranges). An IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
 */
export function isBlockedAddress(address: string): boolean {
	if (!ipaddr.isValid(address)) return true;
	let parsed = ipaddr.parse(address);
	if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
	return parsed.range() !== 'unicast';
}

/** `Host`, `host:port`, `[v6]` or `[v6]:port`, lower-cased, without port or brackets. */
export function normalizeHost(host: string): string {
	const trimmed = host.trim().toLowerCase();
	const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(trimmed);
	if (bracketed) return bracketed[1]!;
	if (isIP(trimmed) === 6) return trimmed;
	return trimmed.replace(/:\d+$/, '').replace(/\.$/, '');
}

/** Exact host match against a list (ports ignored on both sides). */
export function hostAllowed(host: string, allowedHosts: readonly string[]): boolean {
	const wanted = normalizeHost(host);
	return allowedHosts.some((allowed) => normalizeHost(allowed) === wanted);
}

/**
 * Refuses, before any request, a URL that is not http(s) or whose host is an IP literal in a
 * blocked range (Node never calls `lookup` for literals, so the connector cannot see them).
 * Hostnames are checked at connect time by {@link guardedDispatcher}.
 */
export function checkUrl(url: URL, allowedHosts: readonly string[]): void {
	if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new DownloadError(`refused a ${url.protocol} URL`, 'bad-scheme');
	if (hostAllowed(url.hostname, allowedHosts)) return;
	const host = normalizeHost(url.hostname);
	if (isIP(host) && isBlockedAddress(host)) throw new DownloadError(`refused ${host}: not a public address`, 'blocked-address');
}

/** Raised inside the connector when a host resolves to a blocked address. */
export class BlockedAddressError extends Error {
	override name = 'BlockedAddressError';
	constructor(readonly host: string, readonly address: string) {
		super(`${host} resolves to ${address}, not a public address`);
	}
}

/**
 * A `lookup` for `net.connect` that resolves every address and refuses the connection when any of
 * them is blocked. Since it runs for the connection itself, a name that resolves to a public
 * address when checked and to 127.0.0.1 when connecting (DNS rebinding) cannot slip past.
 */
function guardedLookup(allowedHosts: readonly string[]): LookupFunction {
	return (hostname, options, callback) => {
		dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
			if (error) return callback(error, '', 0);
			const allowed = hostAllowed(hostname, allowedHosts);
			const blocked = allowed ? undefined : addresses.find((entry) => isBlockedAddress(entry.address));
			if (blocked) return callback(Object.assign(new BlockedAddressError(hostname, blocked.address), { code: 'EBLOCKED' }), '', 0);
			if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
			if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
			callback(null, addresses[0]!.address, addresses[0]!.family);
		});
	};
}

const agents = new Map<string, Dispatcher>();

/**
 * An undici dispatcher whose every connection goes through {@link guardedLookup}. Shared per
 * allow-list (the bot has one), so connections are pooled as usual.
 */
export function guardedDispatcher(allowedHosts: readonly string[]): Dispatcher {
	const key = allowedHosts.map(normalizeHost).sort().join(' ');
	let agent = agents.get(key);
	if (!agent) {
		agent = new Agent({ connect: { lookup: guardedLookup(allowedHosts) } });
		agents.set(key, agent);
	}
	return agent;
}

/** The BlockedAddressError somewhere in an error's cause chain, if any. */
export function blockedCause(error: unknown): BlockedAddressError | undefined {
	for (let current = error, depth = 0; current && depth < 8; current = (current as { cause?: unknown }).cause, depth++) {
		if (current instanceof BlockedAddressError) return current;
	}
	return undefined;
}
