import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The Node flags `npm start` runs the bot with, read from package.json so the demo and the benchmark never drift from it. */
export function startFlags(): string[] {
	const packageJson = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { scripts: { start: string } };
	return (/node (.*?)\s*dist\/index\.js/.exec(packageJson.scripts.start)?.[1] ?? '').split(' ').filter(Boolean);
}
