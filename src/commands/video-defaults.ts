import type { BotContext } from '../context.js';
import type { ValidationLimits } from '../services/jobs/video-request.js';
import type { ModelCatalog } from '../services/relaydance/model-catalog.js';
import { MB } from '../services/text.js';

export interface VideoDefaults {
	model: string;
	seconds: number;
	audio: boolean;
	ratio?: string;
	resolution?: string;
}

/** What a video request leaves out comes from the server's defaults (`/relaydance-admin defaults`), else the bot's. */
export function videoDefaults(context: BotContext, guildId: string | null): VideoDefaults {
	const { config } = context;
	const server = context.guilds.get(guildId)?.defaults ?? {};
	return {
		model: server.model ?? config.DEFAULT_VIDEO_MODEL,
		seconds: server.seconds ?? config.DEFAULT_SECONDS,
		audio: server.audio ?? config.DEFAULT_AUDIO,
		...((server.ratio ?? undefined) && { ratio: server.ratio }),
		...((server.resolution ?? undefined) && { resolution: server.resolution }),
	};
}

/** What a request is checked against before anything is spent: the attachment cap and the models `catalog` knows (video models unless told). */
export function planLimits(context: BotContext, catalog: ModelCatalog = context.catalog): ValidationLimits {
	return { maxAttachmentBytes: context.config.MAX_ATTACHMENT_MB * MB, isKnownModel: (model) => catalog.has(model) };
}
