import { describe, expect, it } from 'vitest';
import { hostAllowed, isBlockedAddress } from '../../../src/services/media/url-guard.js';

describe('isBlockedAddress', () => {
	it.each([
		['127.0.0.1', 'loopback'],
		['::1', 'IPv6 loopback'],
		['10.1.2.3', 'private'],
		['172.16.0.1', 'private'],
		['192.168.1.1', 'private'],
		['169.254.169.254', 'cloud metadata (link-local)'],
		['fd00:ec2::254', 'EC2 metadata (unique-local)'],
		['fe80::1', 'IPv6 link-local'],
		['100.64.0.1', 'CGNAT'],
		['fc00::1', 'unique-local'],
		['224.0.0.1', 'multicast'],
		['ff02::1', 'IPv6 multicast'],
		['0.0.0.0', 'unspecified'],
		['::', 'IPv6 unspecified'],
		['255.255.255.255', 'broadcast'],
		['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
		['::ffff:10.0.0.1', 'IPv4-mapped private'],
		['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
		['not an address', 'garbage'],
	])('blocks %s (%s)', (address) => {
		expect(isBlockedAddress(address)).toBe(true);
	});

	it.each(['8.8.8.8', '151.101.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('lets public %s through', (address) => {
		expect(isBlockedAddress(address)).toBe(false);
	});
});

describe('hostAllowed', () => {
	it('matches exact host names, ignoring port, case and IPv6 brackets', () => {
		expect(hostAllowed('127.0.0.1', ['127.0.0.1:8787'])).toBe(true);
		expect(hostAllowed('Relay.Example.com', ['relay.example.com'])).toBe(true);
		expect(hostAllowed('[::1]', ['[::1]:8787'])).toBe(true);
		expect(hostAllowed('relay.example.com.evil.net', ['relay.example.com'])).toBe(false);
		expect(hostAllowed('sub.relay.example.com', ['relay.example.com'])).toBe(false);
		expect(hostAllowed('127.0.0.2', ['127.0.0.1'])).toBe(false);
	});
});
