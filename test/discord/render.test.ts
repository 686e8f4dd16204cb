import { describe, expect, it } from 'vitest';
import { renderDelivered, renderElsewhere, renderProgress } from '../../src/discord/render.js';
import { VIDEO_LINK_LIFETIME_MS } from '../../src/discord/render-jobs.js';
import type { InteractionAddress } from '../../src/discord/reply-address.js';
import type { VideoJob as Job } from '../../src/services/jobs/job.js';
import { APP_PERMISSIONS } from '../../stand-ins/discord/payloads.js';

const USER = '123456789012345678';
const SEND_MESSAGES = 1n << 11n;
const ATTACH_FILES = 1n << 15n;

function job(changes: Partial<Job> = {}, appPermissions = APP_PERMISSIONS): Job {
	const now = Date.now();
	const reply: InteractionAddress = {
		applicationId: '1',
		interactionId: '2',
		credential: 'token',
		interactionCreatedAt: now,
		userId: USER,
		guildId: '3',
		channelId: '4',
		attachmentSizeLimit: 10 * 1024 * 1024,
		appPermissions,
	};
	return {
		id: 'a1b2c3d4-0000-0000-0000-000000000000',
		kind: 'video',
		state: 'queued',
		createdAt: now,
		updatedAt: now,
		requester: { userId: USER, guildId: '3' },
		reply,
		settings: { prompt: 'a cat', apiPrompt: 'a cat', model: 'doubao-seedance-2-0-1080p', seconds: 5, audio: true, references: [] },
		quota: { userId: USER, jobId: 'a1b2c3d4-0000-0000-0000-000000000000', amount: 5, windowStart: now },
		...changes,
	};
}
const title = (rendered: ReturnType<typeof renderProgress>) => rendered.embeds?.[0]?.title;

describe('renderProgress', () => {
	it('shows the place in line while queued', () => {
		expect(title(renderProgress(job({ queuePosition: 1 })))).toBe('⏳ Queued · next in line');
		expect(title(renderProgress(job({ queuePosition: 3 })))).toBe('⏳ Queued · 3rd in line');
		expect(title(renderProgress(job({ queuePosition: 10 })))).toBe('⏳ Queued · 10th in line');
		expect(title(renderProgress(job({ queuePosition: 1000 })))).toBe('⏳ Queued · among the first 1,000 in line');
		expect(title(renderProgress(job()))).toBe('⏳ Queued');
		expect(title(renderProgress(job({ state: 'running', queuePosition: 3, progress: 40 })))).toBe('🎬 Generating your video · 40%');
	});

	it('says plainly which permissions the bot lacks to post in the channel, and none when it has them', () => {
		const lacking = renderProgress(job({}, String(BigInt(APP_PERMISSIONS) & ~(SEND_MESSAGES | ATTACH_FILES))));
		expect(lacking.content).toBe(
			"⚠️ I can't post in this channel (missing Send Messages, Attach Files), so your video can only arrive in this reply, within 15 minutes of your command. After that I'll send it to your DMs.",
		);
		expect(renderProgress(job()).content).toBeUndefined();
	});
});

describe('renderDelivered', () => {
	const video = { bytes: 3_000_000, fileName: 'v.mp4', url: 'https://relaydance.example/v.mp4' };
	it('says why a made video is a link', () => {
		expect(renderDelivered(job(), video, 'link', 1024 * 1024).embeds![0]!.description).toContain("larger than this channel's 1.0 MB upload limit");
		expect(renderDelivered(job(), video, 'link', 10 * 1024 * 1024, 'upload-failed').embeds![0]!.description).toContain('Discord would not take the upload just now, so here is a link: [v.mp4](https://relaydance.example/v.mp4)');
	});

	it('counts the link’s life from when the video was made, not from when it is delivered (a resumed job)', () => {
		const madeAt = Date.now() - 3 * 60 * 60_000;
		const resumed = job({ state: 'delivering', result: { ...video, madeAt, delivery: 'none' } });
		const expires = Math.floor((madeAt + VIDEO_LINK_LIFETIME_MS) / 1000);
		expect(renderDelivered(resumed, video, 'link', 1024 * 1024).embeds![0]!.description).toContain(`The link expires <t:${expires}:R>`);
	});
});

describe('renderElsewhere', () => {
	it('mentions the requester in the channel and names the channel in a DM', () => {
		const rendered = { embeds: [{ title: 'x' }] };
		expect(renderElsewhere(rendered, 'channel', { userId: USER, channelId: '4' }).content).toMatch(new RegExp(`^<@${USER}> `));
		expect(renderElsewhere(rendered, 'dm', { userId: USER, channelId: '4' }).content).toContain('<#4>');
	});
});
