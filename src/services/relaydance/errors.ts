/** Base of every error the RelayDance client throws. */
export class RelayDanceError extends Error {
	override name = 'RelayDanceError';
}

/** RelayDance answered with an error status. `code` is the API's own `type`/`code` field. */
export class APIError extends RelayDanceError {
	constructor(
		readonly status: number,
		message: string,
		readonly code: string | undefined,
		readonly requestId: string | undefined,
		readonly retryAfterMs: number | undefined,
	) {
		super(`${status} ${code ?? 'error'}: ${message}`);
		this.name = `APIError[${code ?? status}]`;
		this.apiMessage = message;
	}
	/** The API's own `error.message`, worth showing to an admin (to a user only about their input). */
	readonly apiMessage: string;

	static from(status: number, message: string, code?: string, requestId?: string, retryAfterMs?: number): APIError {
		const Class = STATUS_ERRORS[status] ?? (status >= 500 ? InternalServerError : APIError);
		return new Class(status, message, code, requestId, retryAfterMs);
	}
}

export class BadRequestError extends APIError {}
export class AuthenticationError extends APIError {}
export class PermissionDeniedError extends APIError {}
export class NotFoundError extends APIError {}
export class ConflictError extends APIError {}
export class UnprocessableEntityError extends APIError {}
export class RateLimitError extends APIError {}
export class InternalServerError extends APIError {}

const STATUS_ERRORS: Record<number, typeof APIError> = {
	400: BadRequestError,
	401: AuthenticationError,
	403: PermissionDeniedError,
	404: NotFoundError,
	409: ConflictError,
	422: UnprocessableEntityError,
	429: RateLimitError,
};

/** The request never got an answer. `sent` tells whether RelayDance may have received it. */
export class APIConnectionError extends RelayDanceError {
	override name = 'APIConnectionError';
	constructor(
		message: string,
		readonly sent: boolean,
		options?: { cause?: unknown },
	) {
		super(message, options);
	}
}

export class APITimeoutError extends APIConnectionError {
	override name = 'APITimeoutError';
	constructor(options?: { cause?: unknown }) {
		super('RelayDance did not answer in time', true, options);
	}
}

/** A 2xx body that does not match the contract: an error here, not a crash three calls later. */
export class InvalidResponseError extends RelayDanceError {
	override name = 'InvalidResponseError';
	constructor(
		readonly path: string,
		readonly issues: string,
	) {
		super(`RelayDance sent an unexpected body for ${path}: ${issues}`);
	}
}
