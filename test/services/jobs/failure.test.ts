import { describe, expect, it } from 'vitest';
import { errorFailure, taskFailure } from '../../../src/services/jobs/failure.js';
import { DownloadError, OutputDownloadError } from '../../../src/services/media/download-error.js';
import { APIConnectionError, APIError } from '../../../src/services/relaydance/errors.js';

describe('what a member is told', () => {
	it('never shows raw network text, only the reason in words', () => {
		const raw = 'getaddrinfo ENOTFOUND cdn.example.internal';
		for (const error of [
			new OutputDownloadError(raw, 'network'),
			new DownloadError(raw, 'network'),
			new APIConnectionError(`Could not reach RelayDance (${raw})`, true),
			new Error(raw),
		]) {
			expect(errorFailure(error, 'ref1').message).not.toContain('ENOTFOUND');
		}
	});

	it('names why a finished video could not be fetched', () => {
		expect(errorFailure(new OutputDownloadError('x', 'blocked-address'), 'ref1').message).toContain('points into a private network');
		expect(errorFailure(new OutputDownloadError('x', 'not-video'), 'ref1').message).toContain('is not a video file');
		expect(errorFailure(new OutputDownloadError('x', 'too-many-redirects'), 'ref1').message).toContain('redirected too many times');
	});

	it('tells the member to pick another model when the gateway has none for it', () => {
		expect(errorFailure(APIError.from(503, 'no channel', 'model_not_found'), 'ref1')).toMatchObject({ kind: 'ModelUnavailable' });
	});

	it('words known task failures, and gives only the code of an unknown one', () => {
		const task = { taskId: 't', status: 'failed' as const, progress: undefined, url: undefined };
		expect(taskFailure({ ...task, errorCode: 'OutputVideoSensitiveContentDetected', errorMessage: 'x' }).message).toContain('safety filter');
		const unknown = taskFailure({ ...task, errorCode: 'E1234', errorMessage: 'upstream said: internal trace abc at host-17' });
		expect(unknown.message).toContain('E1234');
		expect(unknown.message).not.toContain('host-17');
	});
});
