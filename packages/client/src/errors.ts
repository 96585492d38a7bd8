/**
 * Typed errors: one class per canonical error code of /v1 (README "Errors"), each with the
 * server's message, `details` (field → messages), the request id and the HTTP status. Catch the
 * class you handle (`instanceof PreconditionFailedError`) or read `code`.
 */

/** The body of every /v1 error. */
export interface ErrorBody {
  error: string;
  message: string;
  details?: Record<string, string[]>;
  request_id?: string;
}

export class UserplaneError extends Error {
  override readonly name: string = 'UserplaneError';
  /** The machine-readable code, e.g. validation_error; network_error when no answer came. */
  readonly code: string;
  /** The HTTP status; 0 when no answer came. */
  readonly status: number;
  /** Field name → what is wrong with it (validation errors, conflicts). */
  readonly details: Record<string, string[]>;
  /** The request id (body's request_id or the X-Request-Id header): quote it when reporting a problem. */
  readonly requestId: string | null;
  /** The response, when one came. */
  readonly response: Response | null;

  constructor(status: number, body: ErrorBody, response: Response | null = null, options?: { cause?: unknown }) {
    super(body.message, options);
    this.code = body.error;
    this.status = status;
    this.details = body.details ?? {};
    this.requestId = body.request_id ?? response?.headers.get('x-request-id') ?? null;
    this.response = response;
  }
}

/** 400 validation_error: `details` names every bad field at once. */
export class ValidationError extends UserplaneError {
  override readonly name = 'ValidationError';
}
/** 401 unauthorized: no key, or one that is unknown or revoked. */
export class UnauthorizedError extends UserplaneError {
  override readonly name = 'UnauthorizedError';
}
/** 403 forbidden: the key lacks the scope, or a publishable key acts beyond its end user. */
export class ForbiddenError extends UserplaneError {
  override readonly name = 'ForbiddenError';
}
/** 404 not_found. */
export class NotFoundError extends UserplaneError {
  override readonly name = 'NotFoundError';
}
/** 409 conflict: a unique value (email, username, external_id) is taken; `details` names it. */
export class ConflictError extends UserplaneError {
  override readonly name = 'ConflictError';
}
/**
 * 412 precondition_failed: the user changed since the version If-Match named. `etag` is the
 * current one: re-read (or merge) and send the update again with `{ ifMatch: error.etag }`.
 */
export class PreconditionFailedError extends UserplaneError {
  override readonly name = 'PreconditionFailedError';
  /** The user's current version. */
  readonly currentVersion: number | null;
  /** The current ETag, e.g. "4". */
  readonly etag: string | null;
  constructor(status: number, body: ErrorBody, response: Response | null) {
    super(status, body, response);
    this.etag = response?.headers.get('etag') ?? null;
    const version = this.etag ? Number(this.etag.replace(/^W\//, '').replaceAll('"', '')) : NaN;
    this.currentVersion = Number.isInteger(version) ? version : null;
  }
}
/** The codes of EmailVerificationError, as /v1 sends them. */
export type EmailVerificationCode =
  | 'email_already_verified'
  | 'email_missing'
  | 'verification_code_missing'
  | 'verification_code_incorrect'
  | 'verification_code_expired'
  | 'verification_code_used'
  | 'verification_attempts_exceeded';
/**
 * 400 from users.emailVerification (send/confirm): `code` says which step failed — no code was
 * sent, it is wrong, expired or used, too many wrong tries, no address, or already verified.
 */
export class EmailVerificationError extends UserplaneError {
  override readonly name = 'EmailVerificationError';
  declare readonly code: EmailVerificationCode;
}
/** 413 payload_too_large. */
export class PayloadTooLargeError extends UserplaneError {
  override readonly name = 'PayloadTooLargeError';
}
/** 415 unsupported_media_type. */
export class UnsupportedMediaTypeError extends UserplaneError {
  override readonly name = 'UnsupportedMediaTypeError';
}
/** 409/422 idempotency_key_in_progress / idempotency_key_reused: the Idempotency-Key was used for another request. */
export class IdempotencyError extends UserplaneError {
  override readonly name = 'IdempotencyError';
}
/** 429 rate_limited, after the client's own retries. `retryAfterSeconds` says when to try again. */
export class RateLimitedError extends UserplaneError {
  override readonly name = 'RateLimitedError';
  readonly retryAfterSeconds: number | null;
  constructor(status: number, body: ErrorBody, response: Response | null) {
    super(status, body, response);
    this.retryAfterSeconds = retryAfterMs(response) === null ? null : Math.ceil(retryAfterMs(response)! / 1000);
  }
}
/** 503 unavailable (database down, hashing queue full), after the client's own retries. */
export class UnavailableError extends UserplaneError {
  override readonly name = 'UnavailableError';
  readonly retryAfterSeconds: number | null;
  constructor(status: number, body: ErrorBody, response: Response | null) {
    super(status, body, response);
    this.retryAfterSeconds = retryAfterMs(response) === null ? null : Math.ceil(retryAfterMs(response)! / 1000);
  }
}
/** 500 internal_error: a bug on the server; quote `requestId`. */
export class InternalError extends UserplaneError {
  override readonly name = 'InternalError';
}
/** No answer: the server could not be reached (after the client's own retries). */
export class NetworkError extends UserplaneError {
  override readonly name = 'NetworkError';
}

type ErrorClass = new (status: number, body: ErrorBody, response: Response | null) => UserplaneError;

const BY_CODE: Record<string, ErrorClass> = {
  validation_error: ValidationError,
  unauthorized: UnauthorizedError,
  forbidden: ForbiddenError,
  not_found: NotFoundError,
  conflict: ConflictError,
  precondition_failed: PreconditionFailedError,
  payload_too_large: PayloadTooLargeError,
  unsupported_media_type: UnsupportedMediaTypeError,
  email_already_verified: EmailVerificationError,
  email_missing: EmailVerificationError,
  verification_code_missing: EmailVerificationError,
  verification_code_incorrect: EmailVerificationError,
  verification_code_expired: EmailVerificationError,
  verification_code_used: EmailVerificationError,
  verification_attempts_exceeded: EmailVerificationError,
  idempotency_key_reused: IdempotencyError,
  idempotency_key_in_progress: IdempotencyError,
  rate_limited: RateLimitedError,
  unavailable: UnavailableError,
  internal_error: InternalError,
};

/** A code this client does not know yet is classed by its status. */
const BY_STATUS: Record<number, ErrorClass> = {
  401: UnauthorizedError,
  403: ForbiddenError,
  404: NotFoundError,
  409: ConflictError,
  412: PreconditionFailedError,
  413: PayloadTooLargeError,
  415: UnsupportedMediaTypeError,
  429: RateLimitedError,
  500: InternalError,
  503: UnavailableError,
};

/** The typed error of an error response; `body` is its parsed JSON when it had any. */
export function errorFromResponse(response: Response, body: unknown): UserplaneError {
  const parsed = isErrorBody(body)
    ? body
    : { error: 'http_error', message: `Request failed with HTTP ${response.status} ${response.statusText}`.trim() };
  const Class = BY_CODE[parsed.error] ?? BY_STATUS[response.status] ?? UserplaneError;
  return new Class(response.status, parsed, response);
}

function isErrorBody(body: unknown): body is ErrorBody {
  return typeof body === 'object' && body !== null && typeof (body as ErrorBody).error === 'string' && typeof (body as ErrorBody).message === 'string';
}

/** Retry-After in milliseconds (delta-seconds or an HTTP date), or null without a usable one. */
export function retryAfterMs(response: Response | null): number | null {
  const value = response?.headers.get('retry-after');
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}
