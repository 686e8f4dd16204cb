import type { Logger } from '../../logger.js';

/** Clip lengths each model family takes, from the contract; unknown models get the API's 1–15. */
const SECONDS_RULES: Array<{ match: RegExp; min: number; max: number }> = [
	{ match: /seedance-2/i, min: 4, max: 15 },
	{ match: /seedance-1-5/i, min: 4, max: 12 },
];
export const API_MAX_SECONDS = 15;

/** One entry of `GET /v1/models`: gateways may say which endpoints a model serves. */
export interface CatalogModel {
	id: string;
	/** new-api style `supported_endpoint_types`, e.g. `["openai-video"]`, when the gateway lists them. */
	endpoints?: string[];
}

/** Video model families RelayDance and its gateways carry, for catalogs that do not state endpoints. */
const VIDEO_FAMILIES = /seedance|happyhorse|grok-imagine-video|veo|kling|hailuo|vidu|wan2|sora|pixverse|runway/i;

/**
 * Whether a catalog entry makes video: what the catalog says when it says it, else whether the id
 * is of a known video family. Anything else (chat, image, speech models) stays out of `/video`.
 */
export function makesVideo(model: CatalogModel): boolean {
	if (model.endpoints?.length) return model.endpoints.some((endpoint) => /video/i.test(endpoint));
	return VIDEO_FAMILIES.test(model.id) && !/image/i.test(model.id);
}

export interface SecondsRange {
	min: number;
	max: number;
}

export function secondsRange(model: string): SecondsRange {
	const rule = SECONDS_RULES.find((candidate) => candidate.match.test(model));
	return rule ? { min: rule.min, max: rule.max } : { min: 1, max: API_MAX_SECONDS };
}

/**
 * The models of one kind offered by autocomplete (video models by default, image models with
 * `makesImages`): `GET /v1/models` cached for `ttlMs`, refreshed in the background so autocomplete
 * (3 s, not deferrable) always answers from memory, and the configured list whenever RelayDance
 * cannot be reached.
 */
export class ModelCatalog {
	private cached: string[] | undefined;
	private fetchedAt = 0;
	private refreshing: Promise<void> | undefined;

	constructor(
		private readonly fetchModels: () => Promise<CatalogModel[]>,
		private readonly fallback: string[],
		private readonly logger: Logger,
		private readonly ttlMs = 10 * 60_000,
		private readonly ofKind: (model: CatalogModel) => boolean = makesVideo,
	) {}

	/** Every model known now; starts a background refresh when the cache is stale. */
	list(): string[] {
		if (Date.now() - this.fetchedAt > this.ttlMs) void this.refresh();
		return this.cached ?? this.fallback;
	}

	has(model: string): boolean {
		return this.list().includes(model) || this.fallback.includes(model);
	}

	search(query: string, limit = 25): string[] {
		const needle = query.trim().toLowerCase();
		return this.list()
			.filter((id) => id.toLowerCase().includes(needle))
			.slice(0, limit);
	}

	refresh(): Promise<void> {
		this.refreshing ??= this.fetchModels()
			.then((models) => {
				const matching = models.filter((model) => this.ofKind(model) || this.fallback.includes(model.id)).map((model) => model.id);
				if (matching.length > 0) this.cached = matching;
			})
			.catch((error: unknown) => this.logger.warn({ err: error }, 'could not list RelayDance models; using the configured list'))
			.finally(() => {
				this.fetchedAt = Date.now();
				this.refreshing = undefined;
			});
		return this.refreshing;
	}
}
