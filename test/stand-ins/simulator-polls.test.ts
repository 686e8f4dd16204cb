import { afterEach, describe, expect, it } from 'vitest';
import { startRelayDanceSimulator, type RelayDanceSimulator } from '../../stand-ins/relaydance/simulator.js';

let simulator: RelayDanceSimulator | undefined;
afterEach(async () => {
	await simulator?.close();
});

const headers = { authorization: 'Bearer sk-test' };
const poll = (id: string) => fetch(`${simulator!.apiUrl}/video/generations/${id}`, { headers });
async function submit(prompt: string): Promise<string> {
	const response = await fetch(`${simulator!.apiUrl}/video/generations`, {
		method: 'POST',
		headers: { ...headers, 'content-type': 'application/json' },
		body: JSON.stringify({ model: 'doubao-seedance-2-0-720p', prompt, seconds: '5' }),
	});
	return ((await response.json()) as { task_id: string }).task_id;
}
const until = async (check: () => Promise<boolean>) => {
	while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
};

describe('the simulator clock and failPolls', () => {
	it('runs task times timeScale times faster than real time', async () => {
		simulator = await startRelayDanceSimulator({ queuedMs: 0, durationMs: 60_000, timeScale: 100 });
		const id = await submit('a minute of render');
		const started = Date.now();
		await until(async () => ((await (await poll(id)).json()) as { status: string }).status === 'succeeded');
		expect(Date.now() - started).toBeGreaterThanOrEqual(550);
		expect(Date.now() - started).toBeLessThan(5_000);
	});

	it('answers polls with the outage status and Retry-After for forMs of its clock while the task keeps rendering', async () => {
		simulator = await startRelayDanceSimulator({ queuedMs: 0, durationMs: 30_000, timeScale: 100 });
		const id = await submit('rendered through an outage');
		simulator.failPolls({ status: 502, forMs: 60_000, retryAfter: 2 });
		const failed = await poll(id);
		expect(failed.status).toBe(502);
		expect(failed.headers.get('retry-after')).toBe('2');
		expect(await failed.json()).toMatchObject({ error: { type: 'server_error' } });
		expect((await poll('task_unknown')).status).toBe(502);

		await until(async () => (await poll(id)).status === 200);
		const after = (await (await poll(id)).json()) as { status: string };
		expect(after.status).toBe('succeeded');
		expect(simulator.stats.failedPolls).toBeGreaterThanOrEqual(3);
		expect(simulator.now() - simulator.tasks.get(id)!.createdAt).toBeGreaterThanOrEqual(60_000);
	});

	it('resets the connection of every poll with status reset', async () => {
		simulator = await startRelayDanceSimulator({ queuedMs: 0, durationMs: 0 });
		const id = await submit('reset');
		simulator.failPolls({ status: 'reset', forMs: 60_000 });
		await expect(poll(id)).rejects.toThrow();
		expect(simulator.stats.failedPolls).toBe(1);
	});
});
