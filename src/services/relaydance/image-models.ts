import { makesVideo, type CatalogModel } from './model-catalog.js';

/** Image model families RelayDance and its gateways carry, for catalogs that do not state endpoints. */
const IMAGE_FAMILIES = /imagine-image|gpt-image|dall-e|seedream|flux|imagen|stable-diffusion|sdxl|midjourney/i;

/** Sizes each image family takes (`WxH`); a model of no known family is offered the common OpenAI-style set. */
const SIZE_RULES: Array<{ match: RegExp; sizes: string[] }> = [{ match: /grok-imagine-image/i, sizes: ['1024x1024', '1536x1024', '1024x1536', '1792x1024', '1024x1792'] }];
const COMMON_SIZES = ['1024x1024', '1536x1024', '1024x1536'];

/** At most this many images per request (the `count` option). */
export const MAX_IMAGES = 4;

/** Whether a catalog entry makes images: what the catalog says when it says it, else whether the id is of a known image family. */
export function makesImages(model: CatalogModel): boolean {
	if (model.endpoints?.length) return model.endpoints.some((endpoint) => /image/i.test(endpoint));
	return IMAGE_FAMILIES.test(model.id) && !makesVideo(model);
}

/** The sizes `model` takes, the first being its default. */
export function imageSizes(model: string): string[] {
	return SIZE_RULES.find((rule) => rule.match.test(model))?.sizes ?? COMMON_SIZES;
}
