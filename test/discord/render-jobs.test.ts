import { describe, expect, it } from 'vitest';
import { renderJobList, VIDEO_LINK_LIFETIME_MS } from '../../src/discord/render-jobs.js';
import type { VideoJob as Job } from '../../src/services/jobs/job.js';

const USER = '123456789012345678';
const NOW = 1_700_000_000_000;

function job(changes: Partial<Job> = {}): Job {
	return {
		id: 'a1b2c3d4-0000-0000-0000-000000000000',
		kind: 'video',
		state: 'queued',
		createdAt: NOW - 60_000,
		updatedAt: NOW - 60_000,
		requester: { userId: USER, guildId: '3' },
		reply: {},
		settings: { prompt: 'a cat', apiPrompt: 'a cat', model: 'doubao-seedance-2-0-1080p', seconds: 5, audio: true, references: [] },
		quota: { userId: USER, jobId: 'a1b2c3d4-0000-0000-0000-000000000000', amount: 5, windowStart: NOW },
		...changes,
	};
}

describe('renderJobList', () => {
	it('shows a running job as generating, with no progress figure (progress is not saved, so it would be stale)', () => {
		const content = renderJobList([job({ state: 'running', progress: 40 })], NOW).content!;
		expect(content).toContain('🎬 generating');
		expect(content).not.toMatch(/\d+ ?%/);
	});

	it('links RelayDance’s video until a day after it was made, and says so once it is gone', () => {
		const delivered = (madeAt: number) => job({ state: 'delivered', result: { fileName: 'v.mp4', bytes: 1, url: 'https://relaydance.example/v.mp4', madeAt, delivery: 'none' } });
		const expires = Math.floor((NOW - 1_000 + VIDEO_LINK_LIFETIME_MS) / 1000);
		expect(renderJobList([delivered(NOW - 1_000)], NOW).content).toContain(`[the video](https://relaydance.example/v.mp4) (link expires <t:${expires}:R>)`);
		expect(renderJobList([delivered(NOW - VIDEO_LINK_LIFETIME_MS)], NOW).content).toContain('RelayDance no longer keeps this video.');
	});
});
