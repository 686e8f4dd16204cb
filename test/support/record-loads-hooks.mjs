/** Module hooks for `record-loads.mjs`: they run on the loader's own thread, so they write the file directly. */
import { appendFileSync } from 'node:fs';

let file;

export function initialize(data) {
	file = data.file;
}

export async function resolve(specifier, context, nextResolve) {
	const resolved = await nextResolve(specifier, context);
	appendFileSync(file, `${resolved.url}\n`);
	return resolved;
}
