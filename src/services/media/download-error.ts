/**
 * Why a download was refused or failed. The runner maps each reason to words; the message is for
 * logs only and may carry raw network text.
 * - `status`: an HTTP status other than 200 (or a redirect where none is followed)
 * - `too-large`: over the byte cap, declared or counted
 * - `wrong-type`: a reference whose content type or bytes are not of its option's kind
 * - `network`: the connection failed, broke off or timed out
 * - `bad-scheme`: not an http(s) URL
 * - `blocked-address`: the host is, or resolves to, a loopback, private, link-local, CGNAT,
 *   unique-local, multicast, unspecified or metadata address
 * - `too-many-redirects`: more redirects than allowed
 * - `not-video`: the finished video's bytes are not MP4, WebM or QuickTime
 * - `forbidden-host`: a reference attachment not on Discord's CDN (nor an allowed host)
 */
export type DownloadFailure =
	| 'status'
	| 'too-large'
	| 'wrong-type'
	| 'network'
	| 'bad-scheme'
	| 'blocked-address'
	| 'too-many-redirects'
	| 'not-video'
	| 'forbidden-host';

export class DownloadError extends Error {
	override name = 'DownloadError';
	constructor(
		message: string,
		readonly reason: DownloadFailure,
		options?: { cause?: unknown; declaredBytes?: number },
	) {
		super(message, options);
		this.declaredBytes = options?.declaredBytes;
	}
	/** The size the server stated, when it stated one (a `too-large` refusal). */
	readonly declaredBytes: number | undefined;
}

/** The finished video could not be fetched from RelayDance (as opposed to a reference from Discord). */
export class OutputDownloadError extends DownloadError {
	override name = 'OutputDownloadError';
}
