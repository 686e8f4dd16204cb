import { isCreditExhausted } from '../../relaydance/credit-gate.js';
import { shownPlace } from '../job.js';
import type { JobContext } from './job-context.js';
import { submitOnce, type Send, type SubmitOptions } from './submit-once.js';

/**
 * From `queued` (or `uploading`, left by a stopped process) to `submitted`: waits for a task
 * slot, then tries the submit, and while RelayDance's balance is spent waits, queued, for the
 * credit pause to end and tries again. Cancel and the bot stopping abort it until `send` starts.
 */
export async function submit(ctx: JobContext, send: Send, options: SubmitOptions = {}): Promise<void> {
	const { job, stopping, inSubmit } = ctx;
	// Cancel pressed before the submit began left its controller here, aborted.
	const controller = inSubmit.get(job.id) ?? new AbortController();
	const stop = () => controller.abort(stopping.reason);
	if (stopping.aborted) stop();
	else stopping.addEventListener('abort', stop, { once: true });
	inSubmit.set(job.id, controller);
	try {
		await submitUntilAccepted(ctx, send, options, controller.signal);
	} finally {
		stopping.removeEventListener('abort', stop);
		inSubmit.delete(job.id);
	}
}

async function submitUntilAccepted(ctx: JobContext, send: Send, options: SubmitOptions, signal: AbortSignal): Promise<void> {
	const { job, deps, log, effects } = ctx;
	// A new job is already `queued`: it shows so once it has a place in line to show, and its
	// first save costs nothing while a burst of commands is still being deferred.
	if (job.state === 'queued') effects.save(job);
	else effects.move(job, 'queued');
	const inLine = { signal, onPosition: (position: number) => showPlace(ctx, position) };
	if (!ctx.taskSlots.holds(job)) await ctx.taskSlots.take(job, inLine);
	for (;;) {
		if (deps.credit.paused) {
			job.paused = true;
			effects.update(job);
			await deps.credit.whenOpen(signal);
			job.paused = false;
		}
		try {
			await submitOnce(ctx, send, options, inLine);
			deps.credit.succeeded();
			return;
		} catch (error) {
			if (!isCreditExhausted(error)) throw error;
			// RelayDance took nothing: the job waits, queued, for the pause to end and tries again.
			log.warn({ err: error }, 'RelayDance says the balance is spent: submissions paused bot-wide');
			deps.credit.exhausted();
			job.paused = true;
			effects.move(job, 'queued', { now: true });
		}
	}
}

/** A waiting job shows its place in line (1: next), when the place it shows changes. */
function showPlace({ job, effects }: JobContext, position: number): void {
	const shown = shownPlace(position);
	if (shown === job.queuePosition) return;
	job.queuePosition = shown;
	effects.update(job);
}
