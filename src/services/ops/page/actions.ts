import type { Logger } from '../../../logger.js';
import type { JobDispatch } from '../../jobs/job-dispatch.js';
import { ActionRefused } from './action-refused.js';
import type { IntakePause } from './intake-pause.js';
import type { Redeliverer } from './redeliver.js';

/** What the operator can do from the page, each answering what the page shows. */
export class OperatorActions {
	constructor(
		private readonly dispatch: Pick<JobDispatch, 'cancel'>,
		private readonly intake: IntakePause,
		private readonly redeliverer: Redeliverer,
		private readonly logger: Logger,
	) {}

	/**
	 * Cancels a waiting job through the same path as the member's Cancel button (wherever it runs):
	 * refunded, and its message says the bot's operator cancelled it.
	 */
	async cancel(jobId: string): Promise<{ outcome: 'cancelled' }> {
		const outcome = await this.dispatch.cancel(jobId, 'operator');
		if (outcome === 'too-late') throw new ActionRefused(409, 'already sent to RelayDance: it can no longer be cancelled');
		if (outcome === 'not-running') throw new ActionRefused(409, 'no process runs this job: it has ended already');
		this.logger.info({ jobId }, 'job cancelled by the operator');
		return { outcome };
	}

	async setIntake(paused: boolean): Promise<{ paused: boolean }> {
		await this.intake.set(paused);
		this.logger.warn({ paused }, paused ? 'intake paused by the operator: new requests are refused' : 'intake resumed by the operator');
		return { paused: this.intake.paused };
	}

	async redeliver(jobId: string): Promise<{ delivery: string; messageUrl?: string }> {
		return this.redeliverer.redeliver(jobId);
	}
}
