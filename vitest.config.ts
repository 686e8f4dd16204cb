import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Three groups, for a whole run of about five minutes on the 2-core machine CI runs on:
 * - the fault suites start and stop whole clusters of real processes and Redis servers on timings
 *   (locks of 3 s, reconciler sweeps of 1 s): one file at a time, the machine to themselves;
 * - unit tests (no process, no stand-in started per file) share their workers' module cache
 *   (`isolate: false`): each of them takes milliseconds, a fresh worker per file took seconds;
 * - every other file, two at a time.
 */
const FAULT_SUITES = ['test/faults-*.e2e.test.ts'];
const UNIT_TESTS = ['test/services/**/*.test.ts', 'test/discord/**/*.test.ts', 'test/commands/**/*.test.ts', 'test/i18n/**/*.test.ts', 'test/stand-ins/**/*.test.ts', 'test/{config,logger,log-values}.test.ts'];

export default defineConfig({
	test: {
		testTimeout: 30_000,
		hookTimeout: 60_000,
		pool: 'forks',
		maxWorkers: 2,
		projects: [
			{ extends: true, test: { name: 'faults', include: FAULT_SUITES, fileParallelism: false, sequence: { groupOrder: 0 } } },
			{ extends: true, test: { name: 'units', include: UNIT_TESTS, isolate: false, sequence: { groupOrder: 1 } } },
			{ extends: true, test: { name: 'end to end', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...FAULT_SUITES, ...UNIT_TESTS], sequence: { groupOrder: 1 } } },
		],
	},
});
