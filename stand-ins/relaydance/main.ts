/**
 * `npm run simulator`: a local RelayDance for trying the bot before paying. Point the bot at it:
 *   RELAYDANCE_BASE_URL=http://127.0.0.1:8787/v1 RELAYDANCE_API_KEY=anything npm start
 * Knobs (environment): SIM_PORT, SIM_HOST, SIM_QUEUED_MS, SIM_DURATION_MS, SIM_IMAGE_MS, SIM_OUTPUT_BYTES,
 * SIM_BALANCE=402|403|429 (the balance has run out: every submission is refused that way).
 * Per task, write `sim:fail`, `sim:stuck`, `sim:duration=20000`… into the prompt (see directives.ts).
 */
import { startRelayDanceSimulator, type BalanceMode } from './simulator.js';

const number = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
const simulator = await startRelayDanceSimulator({
	port: number('SIM_PORT') ?? 8787,
	host: process.env.SIM_HOST ?? '127.0.0.1',
	queuedMs: number('SIM_QUEUED_MS') ?? 2_000,
	durationMs: number('SIM_DURATION_MS') ?? 15_000,
	imageMs: number('SIM_IMAGE_MS') ?? 3_000,
	...(number('SIM_OUTPUT_BYTES') && { outputBytes: number('SIM_OUTPUT_BYTES') }),
	...(['402', '403', '429'].includes(process.env.SIM_BALANCE ?? '') && { balanceExhausted: process.env.SIM_BALANCE as BalanceMode }),
	record: false,
});
console.log(`RelayDance simulator listening on ${simulator.apiUrl}`);
console.log(`Run the bot against it:  RELAYDANCE_BASE_URL=${simulator.apiUrl} RELAYDANCE_API_KEY=anything npm start`);
console.log('Per-task knobs go in the prompt: sim:fail, sim:fail=OutputVideoSensitiveContentDetected, sim:stuck, sim:duration=30000, sim:bytes=30000000');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void simulator.close().then(() => process.exit(0)));
