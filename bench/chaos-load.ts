/**
 * The chaos soak's load: `/video` (and some `/image`) interactions sent over the gateways at a
 * steady rate, from many members in a few guilds, each with a render time of a few seconds drawn
 * from a seeded generator, so the same seed sends the same load with and without faults.
 */
import { performance } from 'node:perf_hooks';
import { isFinal, textOf } from '../stand-ins/discord/interaction-handle.js';
import { snowflake } from '../stand-ins/discord/payloads.js';
import type { DiscordStandIn } from '../stand-ins/discord/stand-in.js';
import type { TrackedRequest } from '../test/support/delivery-ledger.js';

export interface LoadOptions {
	jobs: number;
	/** Interactions per second. */
	rate: number;
	/** Share of the jobs that are `/image` (the rest `/video`). */
	imageShare: number;
	members: number;
	/** Render time of a video (`sim:duration`), drawn uniformly between these, ms. */
	renderMs: [number, number];
	/** Generation time of an image request (`sim:imagems`), ms. */
	imageMs: [number, number];
	random: () => number;
	/** Distinguishes one run's tags from another's in the same stand-ins' records. */
	runTag: string;
}

/** One interaction sent, with when (ms after the load began) its reply first held a final word. */
export interface SentJob extends TrackedRequest {
	sentAtMs: number;
	finalAtMs?: number;
	/** The invoke itself failed (the stand-in refused to send it); not a job. */
	sendError?: string;
}

/** A generator of numbers in [0, 1) from a 32-bit seed (mulberry32): same seed, same sequence. */
export function seeded(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/**
 * Sends the load and resolves once every interaction has been handed to the stand-in's gateway,
 * with each job as it was sent; `finalAtMs` fills in as replies reach a final word.
 */
export async function sendLoad(discord: DiscordStandIn, guilds: Array<{ guildId: string; channelId: string }>, options: LoadOptions): Promise<{ jobs: SentJob[]; startedAt: number }> {
	const { random } = options;
	const between = ([low, high]: [number, number]) => Math.round(low + random() * (high - low));
	const members = Array.from({ length: options.members }, (_, index) => ({ userId: snowflake(), place: guilds[index % guilds.length]! }));
	const startedAt = performance.now();
	const jobs: SentJob[] = [];
	const sends: Array<Promise<void>> = [];
	for (let index = 0; index < options.jobs; index++) {
		const member = members[Math.floor(random() * members.length)]!;
		const image = random() < options.imageShare;
		const tag = `${options.runTag}n${String(index).padStart(5, '0')}z`;
		const units = image ? 1 + Math.floor(random() * 2) : [4, 5, 6, 8][Math.floor(random() * 4)]!;
		const prompt = image ? `a paper lantern, chaos ${tag} sim:imagems=${between(options.imageMs)}` : `a lighthouse at dusk, chaos ${tag} sim:duration=${between(options.renderMs)}`;
		const wait = startedAt + (index * 1000) / options.rate - performance.now();
		if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
		const sentAtMs = performance.now() - startedAt;
		sends.push(
			discord.invoke(image ? 'image' : 'video', image ? { prompt, count: units } : { prompt, seconds: units }, { userId: member.userId, ...member.place }).then(
				(handle) => {
					const job: SentJob = { handle, tag, kind: image ? 'image' : 'video', units, guildId: member.place.guildId, sentAtMs };
					jobs.push(job);
					const check = () => {
						if (job.finalAtMs === undefined && isFinal(handle.original)) job.finalAtMs = performance.now() - startedAt;
					};
					handle.on('change', check);
					check();
				},
				(error: unknown) => {
					jobs.push({ tag, kind: image ? 'image' : 'video', units, guildId: member.place.guildId, sentAtMs, sendError: String(error) } as SentJob);
				},
			),
		);
	}
	await Promise.all(sends);
	return { jobs, startedAt };
}

/** True once the reply says the job is done (ready), as against failed or cancelled. */
export function deliveredText(job: SentJob): boolean {
	return /Video ready|Images ready|images ready/.test(textOf(job.handle?.original));
}
