/**
 * Typed domain errors. Services and the domain throw these; each API door has one codec that
 * renders them in its own wire format. Nothing here knows about HTTP beyond a suggested status.
 */

export type FieldErrors = Record<string, string[]>;

/**
 * Field names in error details can come straight from a request body ("constructor",
 * "__proto__"), so details live in an object without a prototype: no key is inherited or special.
 */
export function emptyFieldErrors(): FieldErrors {
  return Object.create(null) as FieldErrors;
}

export function addFieldError(details: FieldErrors, field: string, ...messages: string[]): void {
  const list = (details[field] ??= []);
  for (const message of messages) if (!list.includes(message)) list.push(message);
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
}

export class ValidationError extends DomainError {
  readonly code = 'validation_error';
  readonly status = 400;
  constructor(
    readonly details: FieldErrors,
    message = 'Invalid request parameters',
    /** A finer reason some doors name in their own codes (e.g. WorkOS `invalid_password_hash`). */
    readonly reason?: string,
  ) {
    super(message);
  }

  static field(field: string, message: string, reason?: string): ValidationError {
    return new ValidationError({ [field]: [message] }, undefined, reason);
  }
}

export type VerificationFailure =
  | 'email_already_verified'
  | 'email_missing'
  | 'verification_code_missing'
  | 'verification_code_incorrect'
  | 'verification_code_expired'
  | 'verification_code_used'
  | 'verification_attempts_exceeded';

/** An email verification step that cannot proceed; `code` says which, for every door to map. */
export class VerificationError extends DomainError {
  readonly status = 400;
  constructor(
    readonly code: VerificationFailure,
    message: string,
  ) {
    super(message);
  }
}

/** A request-level rule failed that is not about one field (e.g. malformed JSON). */
export class BadRequestError extends DomainError {
  readonly code = 'validation_error';
  readonly status = 400;
  constructor(message: string, readonly reason = 'bad_request') {
    super(message);
  }
}

export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized';
  readonly status = 401;
  constructor(message = 'A valid API key is required') {
    super(message);
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
  readonly status = 403;
  constructor(message = 'This credential may not perform this action') {
    super(message);
  }
}

export type ResourceKind = 'user' | 'api_key' | 'identity' | 'route' | 'webhook_endpoint' | 'webhook_delivery';

export class NotFoundError extends DomainError {
  readonly code = 'not_found';
  readonly status = 404;
  constructor(
    readonly resource: ResourceKind,
    readonly id?: string,
    message?: string,
  ) {
    super(message ?? `${resourceLabel(resource)} not found`);
  }
}

export type UniqueField = 'email' | 'username' | 'external_id' | 'identity';

export class ConflictError extends DomainError {
  readonly code = 'conflict';
  readonly status = 409;
  constructor(
    readonly field: UniqueField,
    message?: string,
  ) {
    super(message ?? conflictMessage(field));
  }
}

export class PreconditionFailedError extends DomainError {
  readonly code = 'precondition_failed';
  readonly status = 412;
  constructor(
    readonly currentVersion: number,
    message = 'The user changed since the given ETag; fetch it again and retry',
  ) {
    super(message);
  }
}

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

export class RateLimitedError extends DomainError {
  readonly code = 'rate_limited';
  readonly status = 429;
  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many requests',
    readonly reason = 'rate_limited',
  ) {
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

export class UnavailableError extends DomainError {
  readonly code = 'unavailable';
  readonly status = 503;
  constructor(
    message = 'The service is temporarily unavailable',
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
  }
}

function resourceLabel(resource: ResourceKind): string {
  switch (resource) {
    case 'user':
      return 'User';
    case 'api_key':
      return 'API key';
    case 'identity':
      return 'Identity';
    case 'route':
      return 'Route';
    case 'webhook_endpoint':
      return 'Webhook endpoint';
    case 'webhook_delivery':
      return 'Webhook delivery';
  }
}

function conflictMessage(field: UniqueField): string {
  switch (field) {
    case 'email':
      return 'Email already in use';
    case 'username':
      return 'Username already taken';
    case 'external_id':
      return 'External ID already in use';
    case 'identity':
      return 'Identity already linked';
  }
}
