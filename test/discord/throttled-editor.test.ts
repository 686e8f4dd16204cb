import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ThrottledEditor } from '../../src/discord/throttled-editor.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function editor(intervalMs = 3_000) {
	const sent: string[] = [];
	const throttled = new ThrottledEditor<string>(async (payload) => void sent.push(payload), intervalMs, (error) => {
		throw error;
	});
	return { sent, throttled };
}

describe('ThrottledEditor', () => {
	it('waits an interval after the deferral, then sends the latest of a burst each interval', async () => {
		const { sent, throttled } = editor();
		throttled.push('a');
		await vi.advanceTimersByTimeAsync(2_999);
		expect(sent).toEqual([]);
		await vi.advanceTimersByTimeAsync(1);
		expect(sent).toEqual(['a']);
		throttled.push('b');
		throttled.push('c');
		await vi.advanceTimersByTimeAsync(2_999);
		expect(sent).toEqual(['a']);
		await vi.advanceTimersByTimeAsync(1);
		expect(sent).toEqual(['a', 'c']);
	});

	it('skips an edit identical to the last one sent', async () => {
		const { sent, throttled } = editor();
		throttled.push('same');
		await vi.advanceTimersByTimeAsync(3_000);
		throttled.push('same');
		await vi.advanceTimersByTimeAsync(10_000);
		expect(sent).toEqual(['same']);
	});

	it('lets the final word cancel a pending edit and go out at once', async () => {
		const { sent, throttled } = editor();
		throttled.push('a');
		await vi.advanceTimersByTimeAsync(3_000);
		throttled.push('b');
		await throttled.final(async () => void sent.push('done'));
		await vi.advanceTimersByTimeAsync(10_000);
		throttled.push('late');
		await vi.advanceTimersByTimeAsync(10_000);
		expect(sent).toEqual(['a', 'done']);
	});

	it('sends nothing more after stop, but still the final word', async () => {
		const { sent, throttled } = editor();
		throttled.push('a');
		throttled.stop();
		throttled.push('b');
		await vi.advanceTimersByTimeAsync(10_000);
		await throttled.final(async () => void sent.push('done'));
		expect(sent).toEqual(['done']);
	});
});
