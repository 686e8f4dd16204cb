import { describe, expect, it } from 'vitest';
import { mayHaveBilled } from '../../../src/services/jobs/billing.js';
import { APIConnectionError, APIError, APITimeoutError, InvalidResponseError } from '../../../src/services/relaydance/errors.js';
import { PollTimeoutError } from '../../../src/services/jobs/task-poller.js';
import { OutputDownloadError } from '../../../src/services/media/download-error.js';

const status = (code: number) => APIError.from(code, 'message');

describe('mayHaveBilled', () => {
	it('says nothing was billed before the submit was sent', () => {
		expect(mayHaveBilled('queued', new Error('reference gone'))).toBe(false);
		expect(mayHaveBilled('uploading', status(500))).toBe(false);
	});

	it.each([
		['a refused connection', new APIConnectionError('refused', false), false],
		['a 400', status(400), false],
		['a 403', status(403), false],
		['a 429 (after retries)', status(429), false],
		['a 503 (not taken)', status(503), false],
		['a connection broken after sending', new APIConnectionError('reset', true), true],
		['a timeout', new APITimeoutError(), true],
		['a 500', status(500), true],
		['a 504', status(504), true],
		['a 2xx off the contract', new InvalidResponseError('/video/generations', 'no task_id'), true],
	])('a submit that ended in %s: billed %s', (_name, error, billed) => {
		expect(mayHaveBilled('submitting', error)).toBe(billed);
	});

	it('counts anything that ends a job after RelayDance took it as possibly billed', () => {
		expect(mayHaveBilled('running', new PollTimeoutError(1000))).toBe(true);
		expect(mayHaveBilled('delivering', new OutputDownloadError('blocked', 'blocked-address'))).toBe(true);
	});
});
