import { defineConfig } from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.ts'],
		testTimeout: 30_000,
		hookTimeout: 60_000,
		pool: 'forks',
		// Two test files at once: the end-to-end files mostly wait on their stand-ins and bot
		// processes, so on a 2-core machine this takes `npm test` from about 8 minutes to about 5
		// (vitest's default here is one file at a time). The fault suites' locks allow for it.
		maxWorkers: 2,
	},
});
