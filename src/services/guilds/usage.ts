import type { Keyv } from 'keyv';
import { FINAL_STATES, type Job } from '../jobs/job.js';
import { scanStore } from '../store/store.js';
import type { WriteBehind } from '../store/write-behind.js';

/** What a member made, all time, in one server (`dm` outside servers). */
export interface Usage {
	videoSeconds: number;
	images: number;
	/** Jobs that ended delivered. */
	jobs: number;
	failures: number;
	/** Estimated spend, from `MODEL_PRICES` (0 when no price is set). */
	spend: number;
}

export const USAGE_KEY_PREFIX = 'usage:';

export function emptyUsage(): Usage {
	return { videoSeconds: 0, images: 0, jobs: 0, failures: 0, spend: 0 };
}

/** Price per second of video or per image, by model: `MODEL_PRICES=model=price,model=price`. */
export type ModelPrices = Record<string, number>;

/** What a final job cost, estimated: its charge (seconds or images kept) times its model's price. */
export function spendOf(job: Job, prices: ModelPrices): number {
	if (job.state !== 'delivered') return 0;
	return (prices[job.settings.model] ?? 0) * job.quota.amount;
}

/** What callers use of the usage ledger, wherever it is kept (in this process, or in Redis shared by every process). */
export interface UsageBook {
	/** Counts a job that just ended (a job is counted once, however often it is reported). */
	record(job: Job): void;
	member(guildId: string | null, userId: string): Usage | Promise<Usage>;
	/** Every member of a server with their usage, and the server's total. */
	server(guildId: string): ServerUsage | Promise<ServerUsage>;
	readonly hasPrices: boolean;
}

export interface ServerUsage {
	members: Array<{ userId: string; usage: Usage }>;
	total: Usage;
}

/**
 * All-time usage per member per server, counted once when each job ends, held in memory and
 * written behind (`usage:<guild>:<user>`). The current window's figures come from the quotas.
 */
export class UsageLedger implements UsageBook {
	private readonly byMember = new Map<string, Usage>();
	private readonly counted = new Set<string>();

	constructor(
		private readonly store: Keyv,
		private readonly writer: WriteBehind,
		private readonly prices: ModelPrices,
	) {}

	async load(): Promise<this> {
		for (const [key, usage] of await scanStore<Usage>(this.store, USAGE_KEY_PREFIX)) this.byMember.set(key, { ...emptyUsage(), ...usage });
		return this;
	}

	/** Counts a job that just ended (a job is counted once, however often it is reported). */
	record(job: Job): void {
		if (!FINAL_STATES.has(job.state) || this.counted.has(job.id)) return;
		this.counted.add(job.id);
		const key = memberKey(job.requester.guildId, job.requester.userId);
		const usage = this.byMember.get(key) ?? emptyUsage();
		if (job.state === 'failed') usage.failures += 1;
		else {
			usage.jobs += 1;
			if (job.kind === 'image') usage.images += job.quota.amount;
			else usage.videoSeconds += job.quota.amount;
			usage.spend += spendOf(job, this.prices);
		}
		this.byMember.set(key, usage);
		void this.writer.write(`${USAGE_KEY_PREFIX}${key}`, () => this.byMember.get(key));
	}

	member(guildId: string | null, userId: string): Usage {
		return { ...(this.byMember.get(memberKey(guildId, userId)) ?? emptyUsage()) };
	}

	/** Every member of a server with their usage, and the server's total. */
	server(guildId: string): { members: Array<{ userId: string; usage: Usage }>; total: Usage } {
		const prefix = `${guildId}:`;
		const members: Array<{ userId: string; usage: Usage }> = [];
		const total = emptyUsage();
		for (const [key, usage] of this.byMember) {
			if (!key.startsWith(prefix)) continue;
			members.push({ userId: key.slice(prefix.length), usage: { ...usage } });
			for (const field of Object.keys(total) as Array<keyof Usage>) total[field] += usage[field];
		}
		return { members, total };
	}

	get hasPrices(): boolean {
		return Object.keys(this.prices).length > 0;
	}
}

function memberKey(guildId: string | null, userId: string): string {
	return `${guildId ?? 'dm'}:${userId}`;
}
