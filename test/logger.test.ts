import { describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets } from '../src/logger.js';
import { LogCapture } from './support/harness.js';

describe('logger', () => {
	it('redacts tokens by path and inside error URLs and messages', () => {
		const capture = new LogCapture();
		const logger = createLogger('info', capture);
		const error = Object.assign(new Error('PATCH https://discord.com/api/v10/webhooks/123/aW50ZXJhY3Rpb24.secret/messages/@original failed'), {
			url: 'https://discord.com/api/v10/webhooks/123/aW50ZXJhY3Rpb24.secret/messages/%40original',
		});
		logger.error({ err: error, token: 'bot-token', origin: { interactionToken: 'itok' }, apiKey: 'sk-live' }, 'boom');
		const line = capture.lines.join('\n');
		expect(line).not.toMatch(/aW50ZXJhY3Rpb24\.secret|bot-token|itok|sk-live/);
		expect(line).toContain('/webhooks/123/[redacted]');
	});

	it('scrubs bearer keys and signed CDN parameters', () => {
		expect(scrubSecrets('Authorization: Bearer sk-abc.def')).toBe('Authorization: Bearer [redacted]');
		expect(scrubSecrets('https://cdn/x.png?ex=1&is=2&hm=abc')).toBe('https://cdn/x.png?ex=[redacted]&is=[redacted]&hm=[redacted]');
	});
});
