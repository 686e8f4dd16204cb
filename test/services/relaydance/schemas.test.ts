import { describe, expect, it } from 'vitest';
import { taskSchema } from '../../../src/services/relaydance/schemas.js';

describe('taskSchema', () => {
	it('reads the documented shapes', () => {
		expect(taskSchema.parse({ task_id: 'task_1', status: 'submitted' })).toMatchObject({ taskId: 'task_1', status: 'submitted' });
		expect(taskSchema.parse({ task_id: 'task_1', status: 'succeeded', url: 'https://x/a.mp4', format: 'mp4' })).toMatchObject({ status: 'succeeded', url: 'https://x/a.mp4' });
		expect(taskSchema.parse({ task_id: 'task_1', status: 'failed', error: { code: 'OutputVideoSensitiveContentDetected', message: 'no' } })).toMatchObject({
			status: 'failed',
			errorCode: 'OutputVideoSensitiveContentDetected',
			errorMessage: 'no',
		});
	});

	it.each([
		['queued', 'submitted'],
		['QUEUED', 'submitted'],
		['in_progress', 'running'],
		['IN_PROGRESS', 'running'],
		['completed', 'succeeded'],
		['SUCCESS', 'succeeded'],
		['FAILURE', 'failed'],
		['expired', 'failed'],
		['cancelled', 'failed'],
	])('maps the gateway status %s to %s', (raw, status) => {
		expect(taskSchema.parse({ id: 'task_2', status: raw }).status).toBe(status);
	});

	it('unwraps {code, data} and finds the url and progress wherever the gateway put them', () => {
		expect(taskSchema.parse({ code: 'success', data: { id: 'task_3', status: 'SUCCESS', result_url: 'https://x/r.mp4' } })).toMatchObject({ taskId: 'task_3', url: 'https://x/r.mp4' });
		expect(taskSchema.parse({ task_id: 't', status: 'succeeded', content: { video_url: 'https://x/c.mp4' } }).url).toBe('https://x/c.mp4');
		expect(taskSchema.parse({ task_id: 't', status: 'succeeded', metadata: { url: 'https://x/m.mp4' } }).url).toBe('https://x/m.mp4');
		expect(taskSchema.parse({ task_id: 't', status: 'running', progress: '50%' }).progress).toBe(50);
		expect(taskSchema.parse({ task_id: 't', status: 'running', progress: 'soon' }).progress).toBeUndefined();
		expect(taskSchema.parse({ task_id: 't', status: 'failed', fail_reason: 'quota' }).errorMessage).toBe('quota');
	});

	it('rejects a body with no task id or an unknown status', () => {
		expect(taskSchema.safeParse({ status: 'running' }).success).toBe(false);
		expect(taskSchema.safeParse({ task_id: 't', status: 'dancing' }).success).toBe(false);
	});
});
