/**
 * Renders errors in the Proficient seed's shape, `{error: {code, message}}`, with its seven codes.
 * The seed's body has no details field, so a validation message names every field itself.
 */
import {
  BadRequestError,
  ConflictError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
  type FieldErrors,
} from '../../domain/errors.ts';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from '../transport-errors.ts';
import type { ErrorCodec } from '../door-spec.ts';
import type { ProficientErrorCode } from './schemas.ts';

export interface ProficientError {
  status: number;
  body: { error: { code: ProficientErrorCode; message: string } };
  /** Seconds, for the Retry-After header of 429 and 503. */
  retryAfter?: number;
}

/** The Proficient rendering of anything a request threw (null: an unexpected error, shown as 500). */
export function proficientError(error: DomainError | null, route?: { method: string; url: string }): ProficientError {
  if (!error) return render(500, 'unknown', 'Internal server error');
  if (error instanceof ValidationError) return render(400, 'invalid_request', validationMessage(error.details));
  // The seed's code for any malformed request; the body limit and the JSON-only rule keep their
  // own statuses (413, 415), as in every door.
  if (error instanceof BadRequestError) return render(400, 'invalid_request', error.message);
  if (error instanceof PayloadTooLargeError) return render(413, 'invalid_request', error.message);
  if (error instanceof UnsupportedMediaTypeError) return render(415, 'invalid_request', error.message);
  if (error instanceof UnauthorizedError) return render(401, 'invalid_credentials', error.message);
  if (error instanceof ForbiddenError) return render(403, 'forbidden', error.message);
  if (error instanceof NotFoundError) return render(404, 'resource_not_found', notFoundMessage(error, route));
  if (error instanceof ConflictError) return render(409, 'conflict', error.message);
  if (error instanceof UnavailableError) return { ...render(503, 'unavailable', error.message), retryAfter: error.retryAfterSeconds };
  if (error instanceof RateLimitedError) return { ...render(429, 'unknown', error.message), retryAfter: error.retryAfterSeconds };
  // 412 and whatever comes later: the seed has no code for them, the status still tells the truth.
  return render(error.status, 'unknown', error.message);
}

/** The door's codec; the shared error hook writes Retry-After and logs a 500. */
export const proficientCodec: ErrorCodec = {
  internalError: () => proficientError(null).body,
  render(error, request) {
    const { status, body } = proficientError(error, { method: request.method, url: request.url.split('?')[0] ?? request.url });
    return { status, body };
  },
};

function render(status: number, code: ProficientErrorCode, message: string): ProficientError {
  return { status, body: { error: { code, message } } };
}

/** "Invalid request (nickname: Unknown field; first_name: Must be a string)". */
function validationMessage(details: FieldErrors): string {
  const parts = Object.entries(details).map(([field, messages]) => `${field}: ${messages.join(', ')}`);
  return parts.length > 0 ? `Invalid request (${parts.join('; ')})` : 'Invalid request';
}

function notFoundMessage(error: NotFoundError, route?: { method: string; url: string }): string {
  if (error.resource === 'route') return route ? `No such endpoint: ${route.method} ${route.url}` : 'No such endpoint';
  if (error.resource === 'user' && error.id !== undefined) return `No user with id "${error.id}"`;
  return error.message;
}
