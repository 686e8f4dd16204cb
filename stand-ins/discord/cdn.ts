import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { SentFile } from './interaction-handle.js';
import { snowflakeTime } from './payloads.js';
import { json } from './webhook.js';

/** How long a signed attachment link works after it was issued (Discord: about a day). */
export const LINK_LIFETIME_S = 86_400;

const GONE = { message: 'This content is no longer available.', code: 0 };

/**
 * Attachment links as Discord gives them: `/attachments/{channel}/{attachment}/{name}` signed with
 * `ex` (expiry, hex seconds), `is` (issued, hex seconds) and `hm` (an HMAC over both and the
 * path). Each file's link is issued when the file arrived (its id's time), so the same message
 * gives the same link each time. The link answers one 302 to the file's storage path (signed the
 * same way), which serves the bytes.
 */
export class AttachmentLinks {
	private readonly secret = randomBytes(32);

	constructor(private readonly baseUrl: () => string) {}

	/** The signed link of `file` in `channelId`'s message. */
	url(channelId: string, file: Pick<SentFile, 'id' | 'filename'>): string {
		const path = `/attachments/${channelId}/${file.id}/${encodeURIComponent(file.filename)}`;
		return `${this.baseUrl()}${path}?${this.query(path, Math.floor(snowflakeTime(file.id) / 1000))}&`;
	}

	/**
	 * Serves `GET /attachments/...` (302 to storage) and `GET /storage/attachments/...` (the bytes),
	 * or answers 404 as Discord's CDN does for an unsigned, tampered or expired link. Returns false
	 * for other paths.
	 */
	serve(method: string, url: URL, find: (fileId: string) => SentFile | undefined, res: ServerResponse): boolean {
		const match = /^\/(storage\/)?attachments\/(\d+)\/(\d+)\/([^/]+)$/.exec(url.pathname);
		if (!match || (method !== 'GET' && method !== 'HEAD')) return false;
		const [, storage, channelId, fileId, name] = match;
		let filename: string;
		try {
			filename = decodeURIComponent(name!);
		} catch {
			filename = '';
		}
		const path = `/attachments/${channelId}/${fileId}/${encodeURIComponent(filename)}`;
		const file = this.verified(path, url.searchParams) ? find(fileId!) : undefined;
		if (!file?.data || file.filename !== filename) {
			json(res, 404, GONE);
			return true;
		}
		if (!storage) {
			res.writeHead(302, { location: `${this.baseUrl()}/storage${path}${url.search}`, 'content-length': 0 }).end();
			return true;
		}
		res.writeHead(200, { 'content-type': file.contentType || 'application/octet-stream', 'content-length': file.data.length });
		res.end(method === 'HEAD' ? undefined : file.data);
		return true;
	}

	private query(path: string, issuedS: number): string {
		const ex = (issuedS + LINK_LIFETIME_S).toString(16);
		const is = issuedS.toString(16);
		return `ex=${ex}&is=${is}&hm=${this.mac(path, ex, is)}`;
	}

	private mac(path: string, ex: string, is: string): string {
		return createHmac('sha256', this.secret).update(`${path}\n${ex}\n${is}`).digest('hex');
	}

	private verified(path: string, params: URLSearchParams): boolean {
		const ex = params.get('ex');
		const is = params.get('is');
		const hm = params.get('hm');
		if (!ex || !is || !hm || !/^[0-9a-f]{64}$/.test(hm)) return false;
		if (Number.parseInt(ex, 16) * 1000 <= Date.now()) return false;
		return timingSafeEqual(Buffer.from(this.mac(path, ex, is), 'hex'), Buffer.from(hm, 'hex'));
	}
}
