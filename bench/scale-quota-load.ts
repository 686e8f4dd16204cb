/**
 * What `scale-quota` asks of a quota, the same in every process and in the in-memory baseline:
 * reservation `i` claims its member's budget, its server's and the bot's. The bot-wide budget is
 * 95 % of the demand, so the last reservations meet a spent budget while every process is still
 * taking: the point where two processes could overspend it.
 */
import type { Claim } from '../src/services/quota/quota.js';

export const QUOTA_AMOUNT = 5;
export const QUOTA_WINDOW_MS = 60 * 60_000;
const MEMBER_LIMIT = 60;
const SERVERS = 100;
const SERVER_LIMIT = 1_000_000_000;

/** One process's share: reservations `first` … `first + count - 1` of `total`, `inFlight` at a time. */
export interface QuotaLoad {
	process: number;
	first: number;
	count: number;
	total: number;
	inFlight: number;
}

export interface QuotaResult {
	/** Epoch ms (fractional) when the first reservation was sent and the last answered. */
	start: number;
	end: number;
	/** Seconds granted in all. */
	granted: number;
	refused: number;
	/** Each reservation's time from call to answer, ms. */
	latencies: number[];
}

export function botLimit(total: number): number {
	return Math.floor(total * 0.95) * QUOTA_AMOUNT;
}

/** Every budget with its limit, by subject kind: the check that none was overspent reads them. */
export function limitOf(subject: string, total: number): number {
	if (subject === 'bot') return botLimit(total);
	if (subject.startsWith('server:')) return SERVER_LIMIT;
	return MEMBER_LIMIT;
}

export function claimsOf(index: number, load: Pick<QuotaLoad, 'total'>): Claim[] {
	const members = Math.max(1, Math.floor(load.total / 4));
	const guild = `guild-${index % SERVERS}`;
	return [
		{ subject: `${guild}:user-${index % members}`, limit: MEMBER_LIMIT, scope: 'member' },
		{ subject: `server:${guild}`, limit: SERVER_LIMIT, scope: 'server' },
		{ subject: 'bot', limit: botLimit(load.total), scope: 'bot' },
	];
}
