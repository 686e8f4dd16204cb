import { describe, expect, it } from 'vitest';
import { admittedRecord } from '../../../src/services/cluster/admitted-jobs.js';

const job = { id: 'job-1', kind: 'video', state: 'queued', createdAt: 1, updatedAt: 1, requester: { userId: 'u1', guildId: 'g1' }, reply: { credential: 't' }, settings: { prompt: 'p', apiPrompt: 'p', model: 'm', seconds: 5, audio: true, references: [] } };

describe('a job as its admission kept it', () => {
	it('reads back as its record, its reservation rebuilt from the window start of each claim', () => {
		const entry = `1796537026471,1796530000000|${JSON.stringify({ job, subjects: ['g1:u1', 'server:g1'], amount: 5 })}`;
		expect(admittedRecord(entry)).toEqual({
			...job,
			quota: { userId: 'g1:u1', jobId: 'job-1', amount: 5, windowStart: 1796537026471, shared: [{ subject: 'server:g1', windowStart: 1796530000000 }] },
		});
	});

	it('reads as nothing when it cannot be read whole', () => {
		expect(admittedRecord('no bar here')).toBeUndefined();
		expect(admittedRecord('1|{not json')).toBeUndefined();
		expect(admittedRecord(`1|${JSON.stringify({ job, subjects: ['a', 'b'], amount: 5 })}`)).toBeUndefined();
		expect(admittedRecord(`x|${JSON.stringify({ job, subjects: ['a'], amount: 5 })}`)).toBeUndefined();
	});
});
