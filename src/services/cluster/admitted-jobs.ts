import type { AdmittedJob } from '../quota/admission.js';
import type { Reservation } from '../quota/quota.js';
import type { Job } from '../jobs/job.js';

/**
 * One entry of `ADMITTED_KEY` as the admission script writes it (`RedisAdmission`): the window
 * start of each claim, comma-separated, then `|`, then the job as admitted (`AdmittedJob`, JSON).
 * Read back as the job's record, its reservation rebuilt from those window starts; undefined when
 * the entry cannot be read.
 */
export function admittedRecord(entry: string): Job | undefined {
	const bar = entry.indexOf('|');
	if (bar < 0) return undefined;
	const starts = entry.slice(0, bar).split(',').map(Number);
	let admitted: AdmittedJob;
	try {
		admitted = JSON.parse(entry.slice(bar + 1)) as AdmittedJob;
	} catch {
		return undefined;
	}
	const { job, subjects, amount } = admitted;
	if (!job?.id || !Array.isArray(subjects) || typeof amount !== 'number' || subjects.length === 0 || subjects.length !== starts.length || starts.some((start) => !Number.isFinite(start))) return undefined;
	const [first, ...rest] = subjects;
	const reservation: Reservation = {
		userId: first!,
		jobId: job.id,
		amount,
		windowStart: starts[0]!,
		...(rest.length > 0 && { shared: rest.map((subject, index) => ({ subject, windowStart: starts[index + 1]! })) }),
	};
	return { ...job, quota: reservation } as Job;
}
