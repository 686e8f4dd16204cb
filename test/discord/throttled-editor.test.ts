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
	it('sends an edit held back by its sender (answered false) again at the next turn, unless a newer one replaced it', async () => {
		const sent: string[] = [];
		let hold = true;
		const throttled = new ThrottledEditor<string>(
			async (payload) => {
				if (hold) return false;
				sent.push(payload);
				return true;
			},
			1_000,
			(error) => {
				throw error;
			},
		);
		throttled.push('a');
		await vi.advanceTimersByTimeAsync(1_000);
		expect(sent).toEqual([]);
		hold = false;
		await vi.advanceTimersByTimeAsync(1_000);
		// The same edit as the one held back is not skipped as already sent.
		expect(sent).toEqual(['a']);
		hold = true;
		throttled.push('b');
		await vi.advanceTimersByTimeAsync(1_000);
		throttled.push('c');
		hold = false;
		await vi.advanceTimersByTimeAsync(1_000);
		expect(sent).toEqual(['a', 'c']);
	});

	it('drops the edit waiting for its turn, and sends later ones as before', async () => {
		const { sent, throttled } = editor(1_000);
		throttled.push('submitting');
		throttled.drop();
		await vi.advanceTimersByTimeAsync(5_000);
		expect(sent).toEqual([]);
		throttled.push('generating');
		await vi.advanceTimersByTimeAsync(1_000);
		expect(sent).toEqual(['generating']);
	});

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

	it('keeps no backlog behind a slow edit: the latest pending edit goes when it ends, and the final word right after', async () => {
		const sent: string[] = [];
		const throttled = new ThrottledEditor<string>((payload) => new Promise((resolve) => setTimeout(() => resolve(void sent.push(payload)), 2_000)), 150, (error) => {
			throw error;
		});
		for (let step = 0; step < 20; step++) {
			throttled.push(`progress ${step}`);
			await vi.advanceTimersByTimeAsync(150);
		}
		// 3 s of pushes at 150 ms against edits of 2 s each: two edits, not twenty.
		let finished = false;
		const final = throttled.final(async () => void sent.push('done')).then(() => (finished = true));
		await vi.advanceTimersByTimeAsync(2_000);
		expect(finished).toBe(true);
		await final;
		expect(sent).toEqual(['progress 0', 'progress 14', 'done']);
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

	it('stops waiting on the edit in flight when the signal aborts: that edit is aborted and the final word is not sent', async () => {
		const edits: AbortSignal[] = [];
		const errors: unknown[] = [];
		const sent: string[] = [];
		const hanging = new ThrottledEditor<string>(
			(_payload, signal) => {
				edits.push(signal);
				return new Promise(() => {});
			},
			3_000,
			(error) => errors.push(error),
		);
		hanging.push('a');
		await vi.advanceTimersByTimeAsync(3_000);
		expect(edits).toHaveLength(1);
		const stopping = new AbortController();
		const final = hanging.final(async () => void sent.push('done'), stopping.signal);
		const settled = expect(final).rejects.toThrow('stopping');
		stopping.abort(new Error('stopping'));
		await settled;
		expect(edits[0]!.aborted).toBe(true);
		expect(sent).toEqual([]);
		expect(errors).toEqual([]);
	});

	it('rejects at once, sending nothing, when the signal has already aborted', async () => {
		const { sent, throttled } = editor();
		await expect(throttled.final(async () => void sent.push('done'), AbortSignal.abort(new Error('stopping')))).rejects.toThrow('stopping');
		expect(sent).toEqual([]);
	});
});
