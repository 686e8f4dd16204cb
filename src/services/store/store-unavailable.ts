/**
 * Whether an error says the shared store (Redis) did not answer: a command that timed out, a
 * connection that is closed or refused, an auto-pipelined batch cut off by a closed connection
 * (`AbortError`), or ioredis giving up on its retries. Such a request is
 * refused with "try again in a minute", not reported as a bug.
 */
export function isStoreUnavailable(error: unknown): boolean {
	for (let cause = error; cause instanceof Error; cause = cause.cause) {
		if (cause.name === 'MaxRetriesPerRequestError') return true;
		if (/^Command timed out|^Connection is closed|^Command aborted due to connection close|Stream isn't writeable|enableOfflineQueue options is false/.test(cause.message)) return true;
		const code = (cause as { code?: unknown }).code;
		if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EPIPE') return true;
	}
	return false;
}
