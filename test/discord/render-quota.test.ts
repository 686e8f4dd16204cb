import { describe, expect, it } from 'vitest';
import { inLine, renderQuota, type QuotaView } from '../../src/discord/render-quota.js';
import type { ImageJob, VideoJob } from '../../src/services/jobs/job.js';

const NOW = 1_700_000_000_000;
const RESET = new Date(NOW + 3 * 60 * 60_000);
const unix = (date: Date) => Math.floor(date.getTime() / 1000);

function video(changes: Partial<VideoJob> = {}): VideoJob {
	return {
		id: 'v1',
		kind: 'video',
		state: 'queued',
		createdAt: NOW - 60_000,
		updatedAt: NOW - 60_000,
		requester: { userId: '1', guildId: '3' },
		reply: {},
		settings: { prompt: 'a cat\non a   roof', apiPrompt: 'a cat', model: 'doubao-seedance-2-0-1080p', seconds: 5, audio: true, references: [] },
		quota: { userId: '3:1', jobId: 'v1', amount: 5, windowStart: NOW },
		...changes,
	};
}

function image(changes: Partial<ImageJob> = {}): ImageJob {
	return {
		id: 'i1',
		kind: 'image',
		state: 'submitting',
		createdAt: NOW - 30_000,
		updatedAt: NOW - 30_000,
		requester: { userId: '1', guildId: '3' },
		reply: {},
		settings: { prompt: 'a dog', model: 'grok-imagine-image', count: 2, size: '1024x1024' } as ImageJob['settings'],
		quota: { userId: '3:1', jobId: 'i1', amount: 2, windowStart: NOW },
		...changes,
	};
}

function view(changes: Partial<QuotaView> = {}): QuotaView {
	return {
		inServer: true,
		video: { status: { limit: 60, used: 15, remaining: 45, resetsAt: RESET }, source: 'role' },
		image: { status: { limit: 20, used: 0, remaining: 20, resetsAt: RESET }, source: 'bot' },
		jobs: [],
		...changes,
	};
}

describe('/quota', () => {
	it("shows what is left of each unit, where the limit comes from, and when it resets as a Discord timestamp", () => {
		const text = renderQuota(view()).content!;
		expect(text).toContain('in this server');
		expect(text).toContain(`🎬 Video: **45 s** left of 60 s (from your best role) · resets <t:${unix(RESET)}:R>`);
		expect(text).toContain("🖼️ Images: **20 images** left of 20 images (the bot's default) · your window starts with your next request");
		expect(text).toContain('Nothing of yours is running or waiting.');
		expect(text).not.toContain('budget');
	});

	it('names each source: a grant, the server default', () => {
		const text = renderQuota(view({ video: { ...view().video, source: 'grant' }, image: { ...view().image, source: 'server' } })).content!;
		expect(text).toContain('(granted to you)');
		expect(text).toContain("(this server's default)");
	});

	it("shows the server's and the bot's budgets only when set, with what is left and when they reset", () => {
		const server = { limit: 600, used: 590, remaining: 10, resetsAt: RESET };
		const bot = { limit: 100, used: 0, remaining: 100, resetsAt: RESET };
		const text = renderQuota(view({ video: { ...view().video, server }, image: { ...view().image, bot } })).content!;
		expect(text).toContain(`Server budget (all members together): 10 s of 600 s left (resets <t:${unix(RESET)}:R>)`);
		expect(text).toContain('Bot budget (every server together): 100 images of 100 images left');
	});

	it('lists jobs running and queued, a queued one with its place in line, prompts on one line', () => {
		const text = renderQuota(view({ jobs: [{ job: video(), place: 3 }, { job: image() }, { job: video({ id: 'v2', state: 'running' }) }] })).content!;
		expect(text).toContain('⏳ queued · 3rd in line · doubao-seedance-2-0-1080p, 5 s');
		expect(text).toContain('📤 sending to RelayDance · grok-imagine-image, 2 images');
		expect(text).toContain('🎬 generating · doubao-seedance-2-0-1080p, 5 s');
		expect(text).toContain('> a cat on a roof');
		expect(text).toContain(`started <t:${unix(new Date(NOW - 60_000))}:R>`);
	});

	it('says so in DMs and while the credit is spent', () => {
		const text = renderQuota(view({ inServer: false, paused: true })).content!;
		expect(text).toContain('in DMs with the bot');
		expect(text).toContain("credit has run out");
	});

	it('stays within a message', () => {
		const jobs = Array.from({ length: 10 }, (_, index) => ({ job: video({ id: `v${index}`, settings: { ...video().settings, prompt: 'x'.repeat(2000) } }), place: index + 1 }));
		expect(renderQuota(view({ jobs })).content!.length).toBeLessThanOrEqual(2000);
	});

	it.each([
		[1, 'next in line'],
		[2, '2nd in line'],
		[3, '3rd in line'],
		[4, '4th in line'],
		[100, 'among the first 100 in line'],
	])('place %i reads "%s"', (place, words) => expect(inLine(place)).toBe(words));
});
