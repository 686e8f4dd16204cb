/** Shortens `text` to at most `max` characters, marking the cut with an ellipsis. */
export function clip(text: string, max: number): string {
	return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One mebibyte: every size setting (`*_MB`) is in these. */
export const MB = 1024 * 1024;

/** A size as people read it: `512 B`, `38 KB`, `20.0 MB`. */
export function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	if (bytes < MB) return `${(bytes / 1024).toFixed(0)} KB`;
	return `${(bytes / MB).toFixed(1)} MB`;
}
