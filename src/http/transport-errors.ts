/**
 * Errors of the HTTP transport rather than of the domain: a body too large or not JSON, an
 * Idempotency-Key misused. Every door's codec renders them like domain errors.
 */
import { DomainError } from '../domain/errors.ts';

export class PayloadTooLargeError extends DomainError {
  readonly code = 'payload_too_large';
  readonly status = 413;
  constructor(message = 'Request body is too large') {
    super(message);
  }
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly code = 'unsupported_media_type';
  readonly status = 415;
  constructor(message = 'Request bodies must be application/json') {
    super(message);
  }
}

/** An Idempotency-Key misuse: reused with another request (422), or its first request still runs (409). */
export class IdempotencyError extends DomainError {
  constructor(
    readonly code: 'idempotency_key_reused' | 'idempotency_key_in_progress',
    readonly status: 409 | 422,
    message: string,
  ) {
    super(message);
  }
}
