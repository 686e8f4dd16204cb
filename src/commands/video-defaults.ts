import type { BotContext } from '../context.js';

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
