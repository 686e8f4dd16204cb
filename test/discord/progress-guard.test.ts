import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REST } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InteractionReplyView, type InteractionReplyViewOptions } from '../../src/discord/interaction-view.js';
import { asInteractionAddress } from '../../src/discord/reply-address.js';
import { createLogger } from '../../src/logger.js';
import type { VideoJob } from '../../src/services/jobs/job.js';
import { APP_PERMISSIONS, snowflake } from '../../stand-ins/discord/payloads.js';

/**
 * Progress edits from a worker on Redis go out only while it holds the job: asked of Redis before
 * the edit (`holdsJob`) and of its lease at the moment the bytes go out (`mayWrite`). What reaches
 * Discord is read off a recording server: an edit held back must send no byte at all (the Discord
 * stand-in needs a live interaction, which needs a connected bot; this needs neither).
 */
const EDIT_MS = 50;
const edits: Array<{ method: string; path: string; body: Record<string, unknown> }> = [];
let server: Server;
let api: string;

beforeAll(async () => {
	server = createServer((req, res) => {
		let raw = '';
		req.on('data', (chunk) => (raw += chunk));
		req.on('end', () => {
			edits.push({ method: req.method!, path: req.url!, body: JSON.parse(raw || '{}') as Record<string, unknown> });
			res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: snowflake(), channel_id: snowflake() }));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

function liveJob(): VideoJob {
	const id = randomUUID();
	const userId = snowflake();
	const now = Date.now();
	return {
		id,
		kind: 'video',
		state: 'running',
		createdAt: now,
		updatedAt: now,
		requester: { userId, guildId: snowflake() },
		reply: {
			applicationId: snowflake(),
			interactionId: snowflake(),
			credential: `token-${id}`,
			interactionCreatedAt: now,
			userId,
			guildId: snowflake(),
			channelId: snowflake(),
			attachmentSizeLimit: 10 * 1024 * 1024,
			appPermissions: APP_PERMISSIONS,
		},
		settings: { prompt: 'a lighthouse at dusk', apiPrompt: 'a lighthouse at dusk', model: 'doubao-seedance-2-0-1080p', seconds: 5, audio: true, references: [] },
		quota: { userId, jobId: id, amount: 5, windowStart: now },
		taskId: `task-${id}`,
		progress: 40,
	};
}

function viewOf(job: VideoJob, options: InteractionReplyViewOptions) {
	const rest = new REST({ api }).setToken('bot-token');
	return new InteractionReplyView({ interactions: rest, bot: rest, api, botToken: 'bot-token' }, asInteractionAddress(job.reply), EDIT_MS, createLogger('silent'), undefined, options);
}

const editsOf = (job: VideoJob) => edits.filter((edit) => edit.path.includes(job.reply.credential!));
const turns = (count: number) => new Promise((resolve) => setTimeout(resolve, count * EDIT_MS + 30));

describe('progress edits on Redis', () => {
	it('leave the reply’s files alone: a progress edit carries no attachments list', async () => {
		const job = liveJob();
		viewOf(job, { holdsJob: async () => true, mayWrite: () => true }).update(job);
		await turns(2);
		expect(editsOf(job)).toHaveLength(1);
		expect(editsOf(job)[0]!.method).toBe('PATCH');
		expect(editsOf(job)[0]!.body).not.toHaveProperty('attachments');
	});

	it('send nothing when the lease lapsed after Redis said the job was still held (a worker frozen in between), and go once it is back', async () => {
		const job = liveJob();
		let lease = true;
		let frozen = true;
		// Redis answers "still yours"; by the time the bytes would go out, the lease has run out.
		const view = viewOf(job, {
			holdsJob: async () => {
				if (frozen) lease = false;
				return true;
			},
			mayWrite: () => lease,
		});
		view.update(job);
		await turns(3);
		expect(editsOf(job)).toEqual([]);
		// A renewed lock: the same edit goes at the next turn.
		frozen = false;
		lease = true;
		await turns(2);
		expect(editsOf(job)).toHaveLength(1);
	});

	it('stop for good once Redis says another worker holds the job', async () => {
		const job = liveJob();
		const view = viewOf(job, { holdsJob: async () => false, mayWrite: () => true });
		view.update(job);
		await turns(2);
		view.update({ ...job, progress: 80 });
		await turns(2);
		expect(editsOf(job)).toEqual([]);
	});

	it('drop the edit still waiting for its turn when the job starts delivering', async () => {
		const job = liveJob();
		const view = viewOf(job, { holdsJob: async () => true, mayWrite: () => true });
		view.update(job);
		view.update({ ...job, state: 'delivering' });
		await turns(3);
		expect(editsOf(job)).toEqual([]);
	});
});
