import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LOG_LIMITS, toLogValue } from '../src/log-values.js';

describe('a value made ready for a log line', () => {
	it('stands a short summary in for every binary or streamed body, without reading it', () => {
		const form = new FormData();
		form.append('payload_json', '{"content":"hi"}');
		form.append('files[0]', new Blob([new Uint8Array(3 * 1024 * 1024)], { type: 'image/png' }), 'cat.png');
		expect(
			toLogValue({
				buffer: Buffer.alloc(2 * 1024 * 1024),
				bytes: new Uint8Array(1536),
				floats: new Float64Array(8),
				arrayBuffer: new ArrayBuffer(10),
				view: new DataView(new ArrayBuffer(4)),
				blob: new Blob(['abc'], { type: 'text/plain' }),
				readable: Readable.from(['a']),
				passThrough: new PassThrough(),
				webStream: new ReadableStream(),
				form,
			}),
		).toEqual({
			buffer: '<Buffer 2.0 MB>',
			bytes: '<Uint8Array 2 KB>',
			floats: '<Float64Array 64 B>',
			arrayBuffer: '<ArrayBuffer 10 B>',
			view: '<DataView 4 B>',
			blob: '<Blob 3 B text/plain>',
			readable: '<Readable>',
			passThrough: '<PassThrough>',
			webStream: '<ReadableStream>',
			form: { type: 'FormData', parts: { payload_json: '{"content":"hi"}', 'files[0]': '<File cat.png 3.0 MB image/png>' } },
		});
	});

	it('keeps an error\'s type, name, message, stack, code, status and cause', () => {
		const cause = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
		const error = Object.assign(new TypeError('fetch failed', { cause }), { status: 502 });
		const logged = toLogValue(error) as Record<string, unknown>;
		expect(logged).toMatchObject({ type: 'TypeError', message: 'fetch failed', status: 502, cause: { type: 'Error', message: 'socket hang up', code: 'ECONNRESET' } });
		expect(logged.stack).toMatch(/^TypeError: fetch failed/);
	});

	it('writes a cycle as [Circular] and a value seen twice in full', () => {
		const shared = { id: 1 };
		const node: Record<string, unknown> = { shared, again: shared };
		node.self = node;
		expect(toLogValue(node)).toEqual({ shared: { id: 1 }, again: { id: 1 }, self: '[Circular]' });
	});

	it('stops at its limits of depth, keys, items and characters', () => {
		let deep: unknown = 'bottom';
		for (let level = 0; level < 20; level++) deep = { down: deep };
		expect(JSON.stringify(toLogValue(deep))).toContain('"[Object]"');
		const wide = Object.fromEntries(Array.from({ length: 500 }, (_, index) => [`k${index}`, index]));
		const logged = toLogValue(wide) as Record<string, unknown>;
		expect(Object.keys(logged)).toHaveLength(LOG_LIMITS.keys + 1);
		expect(logged['…']).toBe(`${500 - LOG_LIMITS.keys} more keys`);
		const long = toLogValue(Array.from({ length: 1_000_000 }, () => 7)) as unknown[];
		expect(long).toHaveLength(LOG_LIMITS.items + 1);
		expect(long.at(-1)).toBe(`… ${1_000_000 - LOG_LIMITS.items} more`);
		expect(toLogValue('x'.repeat(1_000_000))).toBe(`${'x'.repeat(LOG_LIMITS.chars)}… (${1_000_000 - LOG_LIMITS.chars} more characters)`);
	});

	it('keeps the whole line small however many long strings it holds', () => {
		const many = Array.from({ length: 40 }, () => Array.from({ length: 20 }, () => 'y'.repeat(10_000)));
		expect(JSON.stringify(toLogValue(many)).length).toBeLessThan(LOG_LIMITS.totalChars + 100_000);
	});

	it('blanks secret keys at any depth and tokens inside strings, keys and URLs', () => {
		const logged = JSON.stringify(
			toLogValue({
				a: { b: { c: { d: { token: 't0k', headers: new Headers({ authorization: 'Bot hdr-secret' }), apiKey: 'k3y', password: 'pw' } } } },
				url: new URL('https://discord.com/api/v10/interactions/99/int-secret/callback'),
				note: 'token MTAxMjM0NTY3ODkwMTIzNDU2.GaBcDe.abcdefghijklmnopqrstuvwxyz0123 leaked',
				routes: new Map([['/webhooks/1/map-secret', 1]]),
			}),
		);
		expect(logged).not.toMatch(/t0k|hdr-secret|k3y|"pw"|int-secret|GaBcDe|map-secret/);
		expect(logged).toContain('/interactions/99/[redacted]/callback');
	});
});
