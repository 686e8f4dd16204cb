/** The checks RelayDance makes on `POST /v1/video/generations` and `POST /v1/images/generations`, per the contract. */
export interface Problem {
	status: number;
	type: string;
	message: string;
}

const RATIOS = ['16:9', '4:3', '1:1', '3:4', '9:16', '21:9', 'adaptive'];
const RESOLUTIONS = ['480p', '720p', '1080p'];
const LIMITS = { image_url: 9, video_url: 3, audio_url: 3 } as const;
const ROLES = { image_url: 'reference_image', video_url: 'reference_video', audio_url: 'reference_audio' } as const;

function secondsRange(model: string): [number, number] {
	if (/seedance-2/.test(model)) return [4, 15];
	if (/seedance-1-5/.test(model)) return [4, 12];
	return [1, 15];
}

const invalid = (message: string): Problem => ({ status: 400, type: 'invalid_request_error', message });

export function validateVideoRequest(body: unknown, models: string[]): Problem | undefined {
	if (body === Symbol.for('malformed') || !body || typeof body !== 'object') return invalid('malformed JSON body');
	const request = body as Record<string, unknown>;
	if (typeof request.model !== 'string') return invalid("'model' is required");
	if (typeof request.prompt !== 'string' || !request.prompt.trim()) return invalid("'prompt' is required");
	if (!models.includes(request.model) || /image/.test(request.model)) {
		return { status: 404, type: 'invalid_request_error', message: `The model '${request.model}' does not exist` };
	}
	for (const key of ['ratio', 'resolution', 'generate_audio', 'callback_url', 'content']) {
		if (key in request) return invalid(`'${key}' belongs in 'metadata'`);
	}
	if (typeof request.seconds !== 'string' || !/^\d+$/.test(request.seconds)) return invalid("'seconds' must be a string of digits, e.g. \"5\"");
	const [min, max] = secondsRange(request.model);
	const seconds = Number(request.seconds);
	if (seconds < min || seconds > max) return invalid(`'seconds' must be between ${min} and ${max} for ${request.model}`);

	const metadata = (request.metadata ?? {}) as Record<string, unknown>;
	if (typeof metadata !== 'object') return invalid("'metadata' must be an object");
	if (metadata.ratio !== undefined && !RATIOS.includes(String(metadata.ratio))) return invalid(`unsupported ratio '${String(metadata.ratio)}'`);
	if (metadata.resolution !== undefined && !RESOLUTIONS.includes(String(metadata.resolution))) return invalid(`unsupported resolution '${String(metadata.resolution)}'`);
	if (metadata.generate_audio !== undefined && typeof metadata.generate_audio !== 'boolean') return invalid("'generate_audio' must be a boolean");
	const content = metadata.content ?? [];
	if (!Array.isArray(content)) return invalid("'content' must be an array");
	const counts = { image_url: 0, video_url: 0, audio_url: 0 };
	const frames = new Set<string>();
	for (const item of content as Array<Record<string, unknown>>) {
		const type = item?.type as keyof typeof LIMITS;
		if (!(type in LIMITS)) return invalid(`unsupported content type '${String(item?.type)}'`);
		const url = (item[type] as { url?: unknown } | undefined)?.url;
		if (typeof url !== 'string' || !/^https?:\/\//.test(url)) return invalid(`content ${type} needs a url`);
		if (type === 'image_url' && (item.role === 'first_frame' || item.role === 'last_frame')) {
			// Frame mode: the video starts from `first_frame` and ends on `last_frame`; it excludes reference mode.
			if (frames.has(item.role)) return invalid(`at most one ${item.role}`);
			frames.add(item.role);
			continue;
		}
		if (item.role !== ROLES[type]) return invalid(`content ${type} needs role '${ROLES[type]}' (or, for an image, 'first_frame' or 'last_frame')`);
		counts[type] += 1;
		if (counts[type] > LIMITS[type]) return invalid(`at most ${LIMITS[type]} ${type} references`);
	}
	if (frames.size > 0 && counts.image_url + counts.video_url + counts.audio_url > 0) return invalid('first/last-frame mode excludes reference media (reference_image, reference_video, reference_audio)');
	if (frames.has('last_frame') && !frames.has('first_frame')) return invalid("'last_frame' needs a 'first_frame'");
	if (counts.audio_url > 0 && counts.image_url + counts.video_url === 0) return invalid('audio cannot be the only reference');
	const cited = [...request.prompt.matchAll(/@image(\d+)/g)].map((match) => Number(match[1]));
	if (cited.some((index) => index > counts.image_url)) return invalid(`the prompt cites @image${Math.max(...cited)} but only ${counts.image_url} images were given`);
	return undefined;
}

/** The sizes (`WxH`) the simulated image models make. */
export const IMAGE_SIZES = ['1024x1024', '1536x1024', '1024x1536', '1792x1024', '1024x1792'];
/** Each simulated image model and the sizes it makes; every other simulated model makes video. */
export const IMAGE_MODEL_SIZES: Record<string, readonly string[]> = {
	'grok-imagine-image': IMAGE_SIZES,
	'grok-imagine-image-quality': IMAGE_SIZES,
};
/** At most this many images per request (`n`), and this many reference images (`image`). */
export const MAX_IMAGES = 4;
export const MAX_IMAGE_REFERENCES = 4;

/** The checks on `POST /v1/images/generations` (`{ model, prompt, n?, size?, image? }`). */
export function validateImageRequest(body: unknown, models: string[]): Problem | undefined {
	if (body === Symbol.for('malformed') || !body || typeof body !== 'object') return invalid('malformed JSON body');
	const request = body as Record<string, unknown>;
	if (typeof request.model !== 'string') return invalid("'model' is required");
	if (typeof request.prompt !== 'string' || !request.prompt.trim()) return invalid("'prompt' is required");
	if (!models.includes(request.model)) return { status: 404, type: 'invalid_request_error', message: `The model '${request.model}' does not exist` };
	const sizes = IMAGE_MODEL_SIZES[request.model];
	if (!sizes) return invalid(`The model '${request.model}' does not make images; image models: ${Object.keys(IMAGE_MODEL_SIZES).join(', ')}`);
	if (request.n !== undefined && (typeof request.n !== 'number' || !Number.isInteger(request.n) || request.n < 1 || request.n > MAX_IMAGES)) {
		return invalid(`'n' must be an integer from 1 to ${MAX_IMAGES}, not ${JSON.stringify(request.n)}`);
	}
	if (request.size !== undefined && (typeof request.size !== 'string' || !sizes.includes(request.size))) {
		return invalid(`unsupported size ${JSON.stringify(request.size)} for ${request.model}; allowed sizes: ${sizes.join(', ')}`);
	}
	if (request.image !== undefined) {
		if (!Array.isArray(request.image)) return invalid("'image' must be an array of reference image URLs");
		if (request.image.length > MAX_IMAGE_REFERENCES) return invalid(`at most ${MAX_IMAGE_REFERENCES} reference images in 'image'; got ${request.image.length}`);
		const bad = request.image.findIndex((url) => typeof url !== 'string' || !/^https?:\/\/[^\s]+$/.test(url) || !URL.canParse(url));
		if (bad >= 0) return invalid(`'image[${bad}]' must be an http(s) URL`);
	}
	return undefined;
}
