import type { APIEmbed } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { registrable } from '../../src/commands/index.js';
import { DEFAULT_ACCESS, registrationBodies } from '../../src/commands/registration.js';
import { imageEditForm, videoEditForm } from '../../src/commands/edit.js';
import { videoForm } from '../../src/commands/video-form.js';
import { renderDelivered, renderElsewhere, renderFailed, renderImages, renderInternalError, renderProgress, renderRefusal, type Rendered } from '../../src/discord/render.js';
import { renderJobList } from '../../src/discord/render-jobs.js';
import { costPrompt, formatCost } from '../../src/discord/render-cost.js';
import { deleteConfirmation, resultModerationRow } from '../../src/discord/render-moderation.js';
import { renderAwaitingReview, renderNotSent, renderRejected } from '../../src/discord/render-review.js';
import { renderQuota, type QuotaView } from '../../src/discord/render-quota.js';
import { DICTIONARIES } from '../../src/i18n/dictionaries.js';
import { LOCALES, SOURCE_LOCALE, t, type Locale, type MessageKey } from '../../src/i18n/index.js';
import { CANCELLED, CANCELLED_BY_OPERATOR, LOST_IMAGES, LOST_IN_IMAGES, LOST_IN_SUBMIT, NO_IMAGES, NOT_SHOWN, errorFailure, taskFailure } from '../../src/services/jobs/failure.js';
import type { ImageJob, JobFailure, JobState, VideoJob } from '../../src/services/jobs/job.js';
import { APIError } from '../../src/services/relaydance/errors.js';
import { BudgetExceededError, IMAGES, QuotaExceededError } from '../../src/services/quota/quota.js';
import { tooManyActiveJobs } from '../../src/services/quota/active-jobs.js';
import { UserError } from '../../src/services/user-error.js';

/** Discord's limits (developers docs: Message, Embed, Components, Application Commands). */
const LIMITS = { content: 2000, v2Text: 4000, title: 256, description: 4096, fieldName: 256, fieldValue: 1024, footer: 2048, embed: 6000, commandDescription: 100, buttonLabel: 80, modalTitle: 45, inputLabel: 45, inputDescription: 100, selectLabel: 100 };

const USER = '123456789012345678';
const LONG_PROMPT = 'A very long prompt about a cat dancing in the rain at night, neon lights, slow motion, '.repeat(20).slice(0, 2000);
const STATES: JobState[] = ['queued', 'uploading', 'submitting', 'submitted', 'running', 'delivering', 'delivered', 'failed'];

function reply(locale: Locale, guildLocale: Locale) {
	return { applicationId: '1', interactionId: '2', interactionCreatedAt: Date.now(), userId: USER, guildId: '3', channelId: '4', attachmentSizeLimit: 10 * 1024 * 1024, appPermissions: '0', locale, guildLocale };
}

function video(locale: Locale, changes: Partial<VideoJob> = {}): VideoJob {
	const now = Date.now();
	const references = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((slot) => ({ kind: 'image' as const, slot, name: `image${slot}.png`, size: 1, url: 'https://cdn.example/x' }));
	return {
		id: 'a1b2c3d4-0000-0000-0000-000000000000',
		kind: 'video',
		state: 'queued',
		createdAt: now,
		updatedAt: now,
		requester: { userId: USER, guildId: '3' },
		reply: reply(locale, locale),
		settings: { prompt: LONG_PROMPT, apiPrompt: LONG_PROMPT, model: 'doubao-seedance-2-0-1080p', seconds: 12, audio: true, references, leftOut: ['a-very-long-file-name-that-was-left-out.mov (one request takes at most 3 videos)'] } as VideoJob['settings'],
		quota: { userId: USER, jobId: 'a1b2c3d4', amount: 12, windowStart: now },
		queuePosition: 1000,
		progress: 55,
		paused: true,
		refunded: true,
		...changes,
	};
}

function image(locale: Locale, changes: Partial<ImageJob> = {}): ImageJob {
	const base = video(locale);
	return { ...base, kind: 'image', settings: { prompt: LONG_PROMPT, model: 'seedream-4-0', size: '2048x2048', count: 4, references: [] } as unknown as ImageJob['settings'], quota: { ...base.quota, amount: 4 }, ...changes } as ImageJob;
}

const FAILURES: JobFailure[] = [
	CANCELLED,
	CANCELLED_BY_OPERATOR,
	LOST_IMAGES,
	LOST_IN_IMAGES,
	LOST_IN_SUBMIT,
	NO_IMAGES,
	NOT_SHOWN,
	taskFailure({ status: 'failed', errorCode: 'SomeVeryLongUpstreamErrorCodeThatNobodyKnowsAbout_1234567890' } as never),
	taskFailure({ status: 'failed', errorCode: 'OutputVideoSensitiveContentDetected' } as never),
	errorFailure(new APIError(422, 'x'.repeat(400), 'InvalidParameter', undefined, undefined), 'abcdef12'),
	errorFailure(new APIError(503, 'down', undefined, undefined, undefined), 'abcdef12'),
	errorFailure(new Error('boom'), 'abcdef12'),
];

/** Every text of a message, as a Components V2 container would carry it. */
function allText(rendered: Rendered): string {
	const embeds = (rendered.embeds ?? []).flatMap((embed) => [embed.title, embed.description, embed.footer?.text, ...(embed.fields ?? []).flatMap((field) => [field.name, field.value])]);
	const labels = (rendered.components ?? []).flatMap((row) => row.components.map((button) => ('label' in button ? button.label : '')));
	return [rendered.content, ...embeds, ...labels].filter(Boolean).join('');
}

function checkEmbed(embed: APIEmbed, what: string): void {
	expect(embed.title?.length ?? 0, `${what}: title`).toBeLessThanOrEqual(LIMITS.title);
	expect(embed.description?.length ?? 0, `${what}: description`).toBeLessThanOrEqual(LIMITS.description);
	expect(embed.footer?.text.length ?? 0, `${what}: footer`).toBeLessThanOrEqual(LIMITS.footer);
	for (const field of embed.fields ?? []) {
		expect(field.name.length, `${what}: field name`).toBeLessThanOrEqual(LIMITS.fieldName);
		expect(field.value.length, `${what}: field ${field.name}`).toBeLessThanOrEqual(LIMITS.fieldValue);
	}
	const total = (embed.title ?? '') + (embed.description ?? '') + (embed.footer?.text ?? '') + (embed.fields ?? []).map((field) => field.name + field.value).join('');
	expect(total.length, `${what}: embed total`).toBeLessThanOrEqual(LIMITS.embed);
}

function check(rendered: Rendered, what: string): void {
	expect(rendered.content?.length ?? 0, `${what}: content`).toBeLessThanOrEqual(LIMITS.content);
	for (const embed of rendered.embeds ?? []) checkEmbed(embed, what);
	for (const row of rendered.components ?? []) for (const button of row.components) if ('label' in button) expect(button.label?.length ?? 0, `${what}: button`).toBeLessThanOrEqual(LIMITS.buttonLabel);
	expect(allText(rendered).length, `${what}: text of a Components V2 message`).toBeLessThanOrEqual(LIMITS.v2Text);
}

type FormJSON = { title: string; components: Array<{ label: string; description?: string; component: { options?: Array<{ label: string }> } }> };

/** A modal's title, labels, descriptions and select options against Discord's limits. */
function checkForm(form: unknown, locale: Locale, fields?: number): void {
	const { title, components } = form as FormJSON;
	expect(title.length, `${locale} form title "${title}"`).toBeLessThanOrEqual(LIMITS.modalTitle);
	if (fields !== undefined) expect(components).toHaveLength(fields);
	for (const component of components) {
		expect(component.label.length, `label "${component.label}"`).toBeLessThanOrEqual(LIMITS.inputLabel);
		expect(component.description?.length ?? 0, `description "${component.description}"`).toBeLessThanOrEqual(LIMITS.inputDescription);
		for (const option of component.component.options ?? []) expect(option.label.length, `option "${option.label}"`).toBeLessThanOrEqual(LIMITS.selectLabel);
	}
}

function refusals(): UserError[] {
	const status = { used: 10, remaining: 1234, limit: 100000, resetsAt: new Date() };
	const errors: UserError[] = [new QuotaExceededError(status, 60), new QuotaExceededError(status, 4, IMAGES), new BudgetExceededError('server', status, 60), new BudgetExceededError('bot', status, 4, IMAGES), tooManyActiveJobs(3, 3)];
	// Every other refusal's message, each placeholder filled with a long value.
	const keys = Object.keys(DICTIONARIES[SOURCE_LOCALE]).filter((key) => key.startsWith('refusal.') && !['refusal.plain', 'refusal.quotaResets', 'refusal.budgetResets', 'refusal.internal'].includes(key));
	for (const key of keys) {
		const template = JSON.stringify(DICTIONARIES[SOURCE_LOCALE][key as MessageKey]);
		const params = Object.fromEntries([...template.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name!, name === 'count' ? 2 : `\`${'x'.repeat(200)}\``]));
		errors.push(new UserError('BadSetting', key as MessageKey, params));
	}
	return errors;
}

describe.each(LOCALES)('every member-facing message in %s', (locale) => {
	it('progress, in every state, for videos and images', () => {
		for (const state of STATES) {
			check(renderProgress(video(locale, { state })), `video ${state}`);
			check(renderProgress(image(locale, { state })), `images ${state}`);
		}
	});

	it('results: attachment, links for every reason, images with some linked, and posted elsewhere', () => {
		const file = { bytes: 123_456_789, fileName: `${'long-name-'.repeat(8)}.mp4`, url: `https://relaydance.example/${'x'.repeat(300)}` };
		const job = video(locale, { state: 'delivered' });
		for (const rendered of [
			renderDelivered(job, file, 'attachment', 10 * 1024 * 1024),
			renderDelivered(job, file, 'link', 10 * 1024 * 1024, 'too-large'),
			renderDelivered(job, file, 'link', 10 * 1024 * 1024, 'upload-failed'),
			renderDelivered(job, file, 'link', 10 * 1024 * 1024, 'not-downloaded'),
			renderImages(image(locale), [{ fileName: 'a.png', revisedPrompt: LONG_PROMPT }], [1, 2].map((n) => ({ fileName: `b${n}.png`, url: `https://relaydance.example/${'y'.repeat(200)}` }))),
		]) {
			check(rendered, 'result');
			check(renderElsewhere(rendered, 'channel', { userId: USER, channelId: '4', command: '/video' }, locale), 'result in the channel');
			check(renderElsewhere(rendered, 'dm', { userId: USER, channelId: '4', command: '/image' }, locale), 'result in DMs');
		}
	});

	it('every failure', () => {
		for (const failure of FAILURES) {
			check(renderFailed(video(locale, { state: 'failed', failure })), `video failure ${failure.kind}`);
			check(renderFailed(image(locale, { state: 'failed', failure })), `image failure ${failure.kind}`);
		}
	});

	it('every refusal and the internal error', () => {
		for (const error of refusals()) check(renderRefusal(error, locale), `refusal ${error.text.key}`);
		check(renderInternalError('abcdef12', locale), 'internal error');
	});

	it('/quota and /jobs at their fullest', () => {
		const status = { used: 10, remaining: 123456, limit: 1000000, resetsAt: new Date() };
		const line = { status, source: 'role' as const, server: status, bot: status };
		const view: QuotaView = { inServer: true, video: line, image: line, paused: true, jobs: Array.from({ length: 20 }, (_, n) => ({ job: video(locale, { state: 'queued' }), place: n * 7 })) };
		check(renderQuota(view, locale), '/quota');
		const jobs = STATES.flatMap((state) => [video(locale, { state, failure: FAILURES[8], result: { fileName: 'v.mp4', bytes: 1, url: 'https://relaydance.example/v.mp4', madeAt: Date.now(), delivery: 'link', messageUrl: 'https://discord.com/channels/1/2/3' } })]);
		const removed = (['requester', 'moderator'] as const).map((who) => ({ ...jobs.at(-2)!, state: 'delivered' as const, removed: { by: USER, at: Date.now(), byModerator: who === 'moderator' } }));
		check(renderJobList([...jobs, ...removed], Date.now(), locale), '/jobs');
		check(renderJobList([], Date.now(), locale), '/jobs, none');
	});

	it('the video form: title, labels, descriptions and options (Animate, Make a video, Edit, with the image-role question)', () => {
		const defaults = { model: 'doubao-seedance-2-0-1080p', seconds: 5, audio: true };
		for (const title of [t(locale, 'form.animateTitle', { index: 4 }), t(locale, 'form.makeVideoTitle')]) {
			checkForm(videoForm('rd:form:animate:x:1', { title, prompt: 'a cat', promptHint: t(locale, 'form.citeHint', { citations: '@image1, @image2, @video1, @audio1' }) }, defaults, locale).toJSON(), locale);
		}
		checkForm(videoForm('rd:form:animate:x:1', { title: t(locale, 'form.animateTitle', { index: 4 }), prompt: 'a cat', promptHint: t(locale, 'form.animateFrameHint'), imageRole: 'first_frame' }, defaults, locale).toJSON(), locale, 5);
		checkForm(videoEditForm(video(locale), locale).toJSON(), locale);
	});

	it('the image Edit form: title, labels and every count', () => {
		checkForm(imageEditForm(image(locale), locale).toJSON(), locale, 3);
	});

	it('Delete and Report: the buttons under a result, the confirmation and the answers', () => {
		const row = resultModerationRow('a1b2c3d4', { report: true, locale });
		check({ components: [row] }, 'moderation row');
		expect(row.components.map((button) => ('label' in button ? button.label : ''))).toEqual([t(locale, 'moderation.delete'), t(locale, 'moderation.report')]);
		for (const job of [video(locale), image(locale)]) check(deleteConfirmation(job, locale) as Rendered, `delete confirmation (${job.kind})`);
		for (const key of ['moderation.deleted', 'moderation.kept', 'moderation.unreachable', 'moderation.reportThanks', 'moderation.reportAgain'] as const) check({ content: t(locale, key) }, key);
	});

	it('cost before spending: the estimate on a job’s message, the prompt with Start and Cancel, and its answers', () => {
		const estimate = 1_234_567.89;
		for (const state of STATES) check(renderProgress(video(locale, { state, estimate })), `video ${state} with an estimate`);
		check(renderImages(image(locale, { estimate }), [1, 2, 3, 4].map((n) => ({ fileName: `${n}.png` }))), 'images with an estimate');
		const prompt = costPrompt('123456789012345678', { estimate, confirmAbove: 999_999.99 }, new Date(), locale);
		check(prompt as Rendered, 'cost prompt');
		expect(prompt.content).toContain(formatCost(locale, estimate));
		for (const key of ['cost.started', 'cost.cancelled', 'cost.expired'] as const) check({ content: t(locale, key) }, key);
	});

	it('review before posting: waiting, rejected, not sent (in the reply, the channel and DMs), and /jobs on them', () => {
		for (const job of [video(locale, { state: 'delivered' }), image(locale, { state: 'delivered' })]) {
			for (const rendered of [renderAwaitingReview(job), renderRejected(job), renderNotSent(job)]) {
				check(rendered, `review note (${job.kind})`);
				check(renderElsewhere(rendered, 'channel', { userId: USER, channelId: '4', command: '/video' }, locale), 'review note in the channel');
				check(renderElsewhere(rendered, 'dm', { userId: USER, channelId: '4', command: '/image' }, locale), 'review note in DMs');
			}
		}
		const result = { fileName: 'v.mp4', bytes: 1, url: 'https://relaydance.example/v.mp4', madeAt: Date.now(), delivery: 'attachment' as const };
		const waiting = video(locale, { state: 'delivered', result, review: { channelId: '5', messageId: '6' } });
		const rejected = video(locale, { state: 'delivered', result, review: { channelId: '5', messageId: '6', decision: { verdict: 'reject', by: USER, at: Date.now() } } });
		const listed = renderJobList([waiting, rejected], Date.now(), locale);
		check(listed, '/jobs with reviews');
		expect(listed.content).toContain(t(locale, 'jobs.awaitingReview'));
		expect(listed.content).toContain(t(locale, 'jobs.rejected'));
	});
});

describe('command descriptions', () => {
	const bodies = registrationBodies(registrable(), DEFAULT_ACCESS);

	function describedNodes(node: { description?: string; description_localizations?: Record<string, string> | null; options?: unknown[] }, path: string): Array<[string, typeof node]> {
		const own: Array<[string, typeof node]> = node.description ? [[path, node]] : [];
		return [...own, ...((node.options ?? []) as Array<typeof node & { name: string }>).flatMap((option) => describedNodes(option, `${path} ${option.name}`))];
	}
	const nodes = bodies.flatMap((body) => describedNodes(body as never, `/${body.name}`));

	it('every command, subcommand and option has a description in every kept locale, each at most 100 characters', () => {
		expect(nodes.length).toBeGreaterThan(50);
		for (const [path, node] of nodes) {
			expect(node.description!.length, path).toBeLessThanOrEqual(LIMITS.commandDescription);
			expect(Object.keys(node.description_localizations ?? {}).sort(), path).toEqual(LOCALES.filter((locale) => locale !== SOURCE_LOCALE).sort());
			for (const [locale, text] of Object.entries(node.description_localizations ?? {})) {
				expect(text.length, `${path} (${locale}): ${text}`).toBeLessThanOrEqual(LIMITS.commandDescription);
				expect(text.length, `${path} (${locale})`).toBeGreaterThan(0);
			}
		}
	});

	it('names stay English (members type them; the help cites them)', () => {
		for (const [path, node] of nodes) expect((node as { name_localizations?: unknown }).name_localizations ?? null, path).toBeNull();
	});
});
