/**
 * The chaos soak's counts, taken after the load settles from what the member saw (the Discord
 * stand-in), what RelayDance made (the simulator) and what the quota holds (Redis), through the
 * fault suite's ledger. Lost, delivered twice and charged wrong must each be 0.
 */
import { isFinal, textOf } from '../stand-ins/discord/interaction-handle.js';
import type { DeliveryLedger, LedgerLine } from '../test/support/delivery-ledger.js';
import { deliveredText, type SentJob } from './chaos-load.js';

export interface ChaosTally {
	sent: number;
	/** Deferred (callback type 5): the bot took the job on. */
	accepted: number;
	/** Answered at once without a job (a refusal, e.g. "try again in a minute"), by reply text. */
	refused: Map<string, number>;
	/** Never answered: sent to a gateway that was dead or stopped past the 3 s window. Not jobs. */
	unanswered: number;
	delivered: number;
	/** Accepted, never delivered, and told a failure (or cancelled): not lost, but counted. */
	failed: number;
	/** Delivered, but the reply no longer shows it at the end (a stale progress edit wrote over it). */
	stripped: number;
	/** Accepted, and neither delivered nor told a failure. */
	lost: number;
	/** More than one message with files for one job, or its reply turned "ready" more than once. */
	deliveredTwice: number;
	/** Delivered jobs whose files were sent into their reply more than once (one message: not delivered twice, counted to be seen). */
	replyResent: number;
	/** Quota charged ≠ what was delivered (0 when not delivered), or RelayDance tasks ≠ 1 for a delivered video (> 1 for any job). */
	chargedWrong: number;
	/** Milliseconds from the first interaction sent to the last delivery (a reply turning "ready"). */
	lastDeliveryMs: number;
	/** One line per bad job (the first few), for the report. */
	examples: string[];
}

export async function tallyChaos(jobs: SentJob[], ledger: DeliveryLedger): Promise<ChaosTally> {
	const sentJobs = jobs.filter((job) => job.handle !== undefined);
	const accepted = sentJobs.filter((job) => job.handle.callback?.type === 5);
	const refused = new Map<string, number>();
	let unanswered = 0;
	for (const job of sentJobs) {
		const { callback } = job.handle;
		if (callback === undefined) unanswered++;
		else if (callback.type !== 5) {
			const text = textOf(job.handle.original).split('\n')[0]!.slice(0, 80) || `callback type ${callback.type}`;
			refused.set(text, (refused.get(text) ?? 0) + 1);
		}
	}
	await ledger.settled(accepted, 10_000);
	const lines = new Map<string, LedgerLine>((await ledger.tally(accepted)).lines.map((line) => [line.tag, line]));
	const tally: ChaosTally = { sent: jobs.length, accepted: accepted.length, refused, unanswered, delivered: 0, failed: 0, lost: 0, stripped: 0, deliveredTwice: 0, replyResent: 0, chargedWrong: 0, lastDeliveryMs: 0, examples: [] };
	for (const job of accepted) {
		const line = lines.get(job.tag)!;
		const { history } = job.handle;
		// Delivered once the member saw it: a reply turned "ready" or a message with its files, even if
		// a stale edit later took it back; the current reply alone would hide exactly that fault.
		const delivered = line.readyShown > 0 || line.fileDeliveries > 0;
		const toldFailed = !delivered && history.some((state) => isFinal(state));
		const lost = !delivered && !toldFailed;
		const twice = line.fileDeliveries > 1 || line.readyShown > 1;
		const stripped = delivered && !isFinal(job.handle.original);
		const shownImages = Math.max(0, ...history.map((state) => state.files.length));
		const expected = delivered ? (job.kind === 'video' ? job.units : shownImages || job.units) : 0;
		const wrongTasks = (job.kind === 'video' && delivered && line.tasks !== 1) || line.tasks > 1;
		const chargedWrong = line.charged !== expected || wrongTasks;
		if (delivered) tally.delivered++;
		if (toldFailed) tally.failed++;
		if (lost) tally.lost++;
		if (twice) tally.deliveredTwice++;
		if (line.replyResent > 0) {
			tally.replyResent++;
			if (tally.examples.length < 12) tally.examples.push(`${job.tag} (${job.kind}, job ${line.jobId ?? 'no record'}): its files went into its reply ${line.replyResent + 1} times (one message)`);
		}
		if (stripped) tally.stripped++;
		if (chargedWrong) tally.chargedWrong++;
		if (delivered && job.finalAtMs !== undefined) tally.lastDeliveryMs = Math.max(tally.lastDeliveryMs, job.finalAtMs);
		if ((lost || twice || chargedWrong || stripped) && tally.examples.length < 12) {
			const what = [lost && 'lost', twice && 'delivered twice', chargedWrong && 'charged wrong', stripped && 'reply taken back'].filter(Boolean).join(', ');
			tally.examples.push(
				`${job.tag} (${job.kind}, job ${line.jobId ?? 'no record'}, record ${line.state ?? '-'}): ${what}; files ${line.fileDeliveries}, ready ${line.readyShown}, tasks ${line.tasks}, charged ${line.charged}/${expected}; reply now "${textOf(job.handle.original).split('\n')[0]!.slice(0, 60)}"`,
			);
		}
	}
	return tally;
}
