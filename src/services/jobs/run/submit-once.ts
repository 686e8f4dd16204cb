import type { Logger } from '../../../logger.js';
import { fetchReferences, type FetchedReference } from '../../media/references.js';
import type { RelayDanceClient } from '../../relaydance/client.js';
import type { JobContext } from './job-context.js';

/** Sends the job to RelayDance, with the URLs RelayDance gave its references; the record already says `submitting`. */
export type Send = (uploaded: string[]) => Promise<void>;

export interface SubmitOptions {
	/** `false`: the submission slot is given back before `send` (a generation that takes minutes holds none). */
	holdSlot?: boolean;
}

/**
 * One try at the submit: fetches the references from their saved URLs (those RelayDance holds
 * are cited as they are), waits for a submission slot, uploads them, and calls `send` once the
 * record saying `submitting` is in the store.
 */
export async function submitOnce(
	ctx: JobContext,
	send: Send,
	options: SubmitOptions,
	inLine: { signal: AbortSignal; onPosition: (position: number) => void },
): Promise<void> {
	const { job, deps, log, effects } = ctx;
	const { signal } = inLine;
	// References RelayDance already holds (a job started again) are cited, not fetched again.
	const toFetch = job.settings.references.filter((reference) => !reference.hostedUrl);
	const bytes = toFetch.reduce((sum, reference) => sum + Math.min(reference.size, deps.maxReferenceBytes), 0);
	const releaseMemory = bytes > 0 ? await ctx.referenceMemory.acquire(bytes, inLine) : () => {};
	let release = () => {};
	try {
		const references = await fetchReferences(toFetch, deps.maxReferenceBytes, { signal, allowedHosts: deps.referenceHosts });
		release = await ctx.submitting.acquire(1, inLine);
		signal.throwIfAborted(); // never create a task the bot will not wait for
		job.queuePosition = undefined;
		job.paused = false;
		effects.move(job, 'uploading');
		await uploadReferences(deps.client, references, log, signal);
		releaseMemory();
		// Cancel is accepted until the job says `submitting`, and nothing is awaited between this check
		// and that move: a Cancel pressed at any moment before it is honoured, one after it is "too late".
		signal.throwIfAborted();
		effects.move(job, 'submitting');
		// On Redis the write is fenced: a worker that lost the job sends nothing to RelayDance.
		await effects.write(job, { now: true });
		if (options.holdSlot === false) release();
		await send(job.settings.references.map((reference) => reference.hostedUrl!));
	} finally {
		releaseMemory();
		release();
	}
}

/**
 * Hands each fetched reference to RelayDance (`POST /v1/files`) and keeps the URL it returns as the reference's `hostedUrl`.
 * Each one leaves `references` once uploaded, so its bytes can be collected while the rest go.
 */
async function uploadReferences(client: RelayDanceClient, references: FetchedReference[], log: Logger, signal: AbortSignal): Promise<void> {
	for (let next = references.shift(); next; next = references.shift()) {
		const { reference, data, contentType } = next;
		// Kept in the job's settings: Again cites RelayDance's copy after Discord's link has expired.
		reference.hostedUrl = await client.uploadFile({ data, name: reference.name, contentType }, signal);
		log.debug({ kind: reference.kind, slot: reference.slot, bytes: data.length }, 'reference uploaded');
	}
}
