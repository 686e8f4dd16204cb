import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { ModelCatalog, secondsRange } from '../../../src/services/relaydance/model-catalog.js';

const logger = createLogger('silent');
const ids = (...names: string[]) => names.map((id) => ({ id }));

describe('ModelCatalog', () => {
	it('offers the configured list until RelayDance answers, then the video models it lists', async () => {
		const catalog = new ModelCatalog(async () => ids('doubao-seedance-2-0-720p', 'grok-imagine-image', 'gpt-4o'), ['fallback-model'], logger);
		expect(catalog.search('')).toEqual(['fallback-model']);
		await catalog.refresh();
		expect(catalog.search('')).toEqual(['doubao-seedance-2-0-720p']);
		expect(catalog.has('fallback-model')).toBe(true);
	});

	it('keeps the configured list when RelayDance cannot be reached', async () => {
		const catalog = new ModelCatalog(async () => Promise.reject(new Error('offline')), ['a-model', 'b-model'], logger);
		await catalog.refresh();
		expect(catalog.search('b')).toEqual(['b-model']);
	});

	it('answers at most 25 choices, matching anywhere in the id', async () => {
		const catalog = new ModelCatalog(async () => ids(...Array.from({ length: 40 }, (_, index) => `seedance-variant-${index}`)), ['x'], logger);
		await catalog.refresh();
		expect(catalog.search('VARIANT')).toHaveLength(25);
	});

	it('keeps chat, image and speech models out, whatever their names', async () => {
		const catalog = new ModelCatalog(async () => ids('claude-3-5-sonnet', 'dall-e-3', 'whisper-1', 'tts-1', 'grok-imagine-image', 'grok-imagine-video', 'happyhorse-1-0', 'veo-3'), ['x'], logger);
		await catalog.refresh();
		expect(catalog.search('')).toEqual(['grok-imagine-video', 'happyhorse-1-0', 'veo-3']);
	});

	it('believes the catalog where it says which endpoints a model serves', async () => {
		const catalog = new ModelCatalog(
			async () => [
				{ id: 'mystery-motion', endpoints: ['openai-video'] },
				{ id: 'seedance-sounds-like-video', endpoints: ['openai'] },
			],
			['x'],
			logger,
		);
		await catalog.refresh();
		expect(catalog.search('')).toEqual(['mystery-motion']);
	});
});

describe('secondsRange', () => {
	it('knows each family’s clip lengths', () => {
		expect(secondsRange('doubao-seedance-2-0-1080p')).toEqual({ min: 4, max: 15 });
		expect(secondsRange('seedance-1-5-pro-with-audio')).toEqual({ min: 4, max: 12 });
		expect(secondsRange('happyhorse-1')).toEqual({ min: 1, max: 15 });
	});
});
