import { describe, expect, it } from 'vitest';
import type { Job } from '../../../../src/services/jobs/job.js';
import type { JobView } from '../../../../src/services/jobs/job-view.js';
import { JobEffects, unlessMoved } from '../../../../src/services/jobs/run/job-effects.js';
import { JobMovedError } from '../../../../src/services/jobs/run/run-errors.js';

const job = { id: 'j1', kind: 'video', state: 'queued' } as Job;

/** A view that counts what it was asked to show. */
function countingView() {
	const calls: string[] = [];
	const view: JobView = {
		update: () => void calls.push('update'),
		deliver: async () => (calls.push('deliver'), { delivery: 'attachment' }),
		deliverImages: async () => (calls.push('deliverImages'), { delivery: 'attachment', shown: 1 }),
		fail: async () => void calls.push('fail'),
	};
	return { view, calls };
}

/** A store that refuses writes once `refusing` is set, as a fenced store refuses a worker that lost the job. */
function fencedStore() {
	const state = { refusing: false, written: 0 };
	const save = async () => {
		if (state.refusing) throw new JobMovedError();
		state.written += 1;
	};
	return { state, store: { save } };
}

describe('JobEffects', () => {
	it('writes and shows while the job is held', async () => {
		const { state, store } = fencedStore();
		const { view, calls } = countingView();
		const effects = new JobEffects(job.id, store);
		effects.attachView(view);
		effects.move(job, 'uploading');
		await effects.write(job, { now: true });
		await effects.fail(job);
		expect(state.written).toBe(2);
		expect(calls).toEqual(['update', 'fail']);
		expect(effects.lost).toBe(false);
	});

	it('is lost after a write it did not wait for was refused: it shows nothing more and every awaited step throws', async () => {
		const { state, store } = fencedStore();
		const { view, calls } = countingView();
		const effects = new JobEffects(job.id, store);
		effects.attachView(view);
		state.refusing = true;
		effects.save(job);
		await new Promise((resolve) => setImmediate(resolve));

		expect(effects.lost).toBe(true);
		effects.update(job);
		await expect(effects.write(job)).rejects.toBeInstanceOf(JobMovedError);
		await expect(effects.deliver(job as never, {} as never)).rejects.toBeInstanceOf(JobMovedError);
		await expect(effects.fail(job)).rejects.toBeInstanceOf(JobMovedError);
		expect(calls).toEqual([]);
	});

	it('is lost when an awaited write is refused, and passes the refusal on', async () => {
		const { state, store } = fencedStore();
		const effects = new JobEffects(job.id, store);
		state.refusing = true;
		await expect(effects.write(job, { now: true })).rejects.toBeInstanceOf(JobMovedError);
		expect(effects.lost).toBe(true);
	});

	it('lets a stage outlive a failed write, but not a lost job', async () => {
		const effects = new JobEffects(job.id, { save: async () => Promise.reject(new Error('disk full')) });
		await expect(effects.write(job).catch(unlessMoved)).resolves.toBeUndefined();
		expect(effects.lost).toBe(false);
		expect(() => unlessMoved(new JobMovedError())).toThrow(JobMovedError);
	});
});
