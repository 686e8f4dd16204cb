import { pino, type DestinationStream, type Logger } from 'pino';
import { toLogValue } from './log-values.js';

export type { Logger } from 'pino';
export { scrubSecrets } from './log-values.js';

/**
 * Paths whose values never reach a log line: tokens and keys. Discord's interaction token is a
 * bearer credential for 15 minutes; RelayDance's key spends money. {@link toLogValue} already blanks
 * these keys at any depth; pino's redaction stays as a second lock on the top levels.
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

/**
 * Structured JSON logs. Every logged object goes through {@link toLogValue} before pino sees it:
 * secrets are removed by key and, inside strings (URLs, messages, stacks), by pattern; file bodies
 * are summarised, never read; and the walk is bounded, so a log call costs the same whatever an
 * error happens to carry.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
	return pino(
		{
			name: 'relaydance-bot',
			level,
			redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
			formatters: { log: (object) => toLogValue(object) as Record<string, unknown> },
			// The error is already a plain, bounded object by now; pino's own serializer would walk it again.
			serializers: { err: (value: unknown) => value },
		},
		destination,
	);
}
