import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths whose values never reach a log line: tokens and keys. Discord's interaction token is a
 * bearer credential for 15 minutes; RelayDance's key spends money.
 */
export const REDACTED_PATHS = [
	'token',
	'*.token',
	'interactionToken',
	'*.interactionToken',
	'apiKey',
	'*.apiKey',
	'authorization',
	'*.authorization',
	'*.headers.authorization',
	'DISCORD_TOKEN',
	'RELAYDANCE_API_KEY',
	'*.DISCORD_TOKEN',
	'*.RELAYDANCE_API_KEY',
];

/** Tokens that appear inside URLs and error messages: interaction webhooks, bearer keys, signed CDN links. */
const SECRET_PATTERNS: Array<[RegExp, string]> = [
	[/(\/(?:webhooks|interactions)\/\d+\/)[\w.-]+/g, '$1[redacted]'],
	[/(Bearer\s+)[\w.-]+/gi, '$1[redacted]'],
	[/([?&](?:ex|is|hm)=)[^&\s"]+/g, '$1[redacted]'],
];

export function scrubSecrets(text: string): string {
	return SECRET_PATTERNS.reduce((result, [pattern, replacement]) => result.replace(pattern, replacement), text);
}

function scrubDeep(value: unknown, depth = 0): unknown {
	if (typeof value === 'string') return scrubSecrets(value);
	if (depth > 6 || value === null || typeof value !== 'object') return value;
	if (Array.isArray(value)) return value.map((item) => scrubDeep(item, depth + 1));
	return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubDeep(item, depth + 1)]));
}

/** Structured JSON logs; secrets are removed by path and, inside errors (URLs, stacks), by pattern. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
	return pino(
		{
			name: 'relaydance-bot',
			level,
			redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
			serializers: { err: (error: Error) => scrubDeep(stdSerializers.err(error)) },
		},
		destination,
	);
}
