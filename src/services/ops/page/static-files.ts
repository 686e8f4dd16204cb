import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The page's own files, at the repository's root in `ops-page/` (tsc copies no static files, and
 * this path resolves the same from `src/services/ops/page/` under tsx and `dist/services/ops/page/`).
 */
const PAGE_DIR = fileURLToPath(new URL('../../../../ops-page/', import.meta.url));

export interface StaticFile {
	type: string;
	body: Buffer;
}

/** Read once at start: the files are small, and a missing one fails the start rather than a request. */
export function loadStaticFiles(): { files: Map<string, StaticFile>; indexHtml: string; loginHtml: string } {
	const read = (name: string) => readFileSync(join(PAGE_DIR, name));
	// Chart.js from node_modules, served by the bot: the page loads nothing from elsewhere.
	const chartDir = dirname(createRequire(import.meta.url).resolve('chart.js'));
	const files = new Map<string, StaticFile>([
		['/static/app.js', { type: 'text/javascript; charset=utf-8', body: read('app.js') }],
		['/static/app.css', { type: 'text/css; charset=utf-8', body: read('app.css') }],
		['/static/chart.umd.min.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(join(chartDir, 'chart.umd.min.js')) }],
	]);
	return { files, indexHtml: read('index.html').toString('utf8'), loginHtml: read('login.html').toString('utf8') };
}

/** Text safe inside HTML, attributes included. */
export function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
