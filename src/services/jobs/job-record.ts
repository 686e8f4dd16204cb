import { z } from 'zod';
import type { Job } from './job.js';

const common = {
	id: z.string(),
	state: z.enum(['queued', 'uploading', 'submitting', 'submitted', 'running', 'delivering', 'delivered', 'failed']),
	createdAt: z.number(),
	updatedAt: z.number(),
	requester: z.object({ userId: z.string(), guildId: z.string().nullable() }),
	reply: z.looseObject({}),
	quota: z.looseObject({ userId: z.string(), amount: z.number(), windowStart: z.number() }),
};

/** What every job record must hold for the bot to act on it; the rest is trusted as written. A record without `kind` is a video's (written before `/image`). */
const videoRecord = z.looseObject({
	...common,
	kind: z.literal('video').default('video'),
	settings: z.looseObject({ prompt: z.string(), apiPrompt: z.string(), model: z.string(), seconds: z.number(), references: z.array(z.looseObject({})) }),
});
const imageRecord = z.looseObject({
	...common,
	kind: z.literal('image'),
	settings: z.looseObject({ prompt: z.string(), model: z.string(), count: z.number(), size: z.string(), references: z.array(z.looseObject({})) }),
});
const current = z.union([imageRecord, videoRecord]);

/**
 * Records written before jobs carried a requester and a reply address (they held an `origin` with
 * the interaction token, and settings without the reference URLs or the API prompt).
 */
const legacy = z.looseObject({
	id: z.string(),
	origin: z.looseObject({
		applicationId: z.string(),
		interactionId: z.string(),
		interactionToken: z.string(),
		interactionCreatedAt: z.number(),
		userId: z.string(),
		guildId: z.string().nullable(),
		channelId: z.string().nullable(),
		attachmentSizeLimit: z.number(),
	}),
	settings: z.looseObject({ prompt: z.string(), references: z.array(z.looseObject({ url: z.string().optional() })) }),
	quota: z.looseObject({ userId: z.string(), amount: z.number(), windowStart: z.number() }),
});

/**
 * A stored record as a job the bot can run, or undefined when it is not one. A record from before
 * the reply address is upgraded: its interaction becomes the address, its quota reservation is
 * keyed by the job, and its references (saved without their links) cannot be fetched again, so a
 * job of that age that never reached RelayDance fails, refunded, when it restarts.
 */
export function readJobRecord(raw: unknown): Job | undefined {
	const parsed = current.safeParse(raw);
	if (parsed.success) return parsed.data as unknown as Job;
	const old = legacy.safeParse(raw);
	if (!old.success) return undefined;
	const { origin, settings, quota, ...rest } = old.data;
	const upgraded = current.safeParse({
		...rest,
		requester: { userId: origin.userId, guildId: origin.guildId },
		reply: {
			applicationId: origin.applicationId,
			interactionId: origin.interactionId,
			credential: origin.interactionToken,
			interactionCreatedAt: origin.interactionCreatedAt,
			userId: origin.userId,
			guildId: origin.guildId,
			channelId: origin.channelId,
			attachmentSizeLimit: origin.attachmentSizeLimit,
		},
		settings: { ...settings, apiPrompt: settings.prompt, references: settings.references.map((reference) => ({ url: '', ...reference })) },
		quota: { ...quota, jobId: old.data.id, legacy: true },
	});
	return upgraded.success ? (upgraded.data as unknown as Job) : undefined;
}
