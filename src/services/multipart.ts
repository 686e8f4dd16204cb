import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/** One file part: its bytes as a stream of known length (a Buffer is streamed as it is, uncopied). */
export interface MultipartFile {
	field: string;
	name: string;
	contentType: string;
	bytes: number;
	data: Readable | Uint8Array;
}

/**
 * A multipart/form-data body with text fields and one file, streamed with a known length. undici's
 * FormData needs a Blob, and making one copies the bytes: this keeps one copy of a reference (or
 * none of a video, piped from its download) in memory.
 */
export function multipartBody(fields: Record<string, string | { value: string; contentType: string }>, file: MultipartFile) {
	const boundary = `relaydance-${randomBytes(16).toString('hex')}`;
	const parts = Object.entries(fields).map(([name, field]) => {
		const { value, contentType } = typeof field === 'string' ? { value: field, contentType: undefined } : field;
		return `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n${contentType ? `Content-Type: ${contentType}\r\n` : ''}\r\n${value}\r\n`;
	});
	const head = Buffer.from(
		`${parts.join('')}--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.name.replace(/["\r\n\\]/g, '_')}"\r\nContent-Type: ${file.contentType}\r\n\r\n`,
	);
	const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
	const { data } = file;
	const body = Readable.from(
		(async function* () {
			yield head;
			if (data instanceof Readable) yield* data;
			else yield data;
			yield tail;
		})(),
	);
	return {
		body,
		headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + file.bytes + tail.length) },
	};
}
