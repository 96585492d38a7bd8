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

/**
 * Why a ValidationError is more than "these fields are invalid". Doors with codes of their own map
 * these in their codec (WorkOS's); every other door shows only the fields and their messages.
 */
export type ValidationReason =
  /** A new password breaks a rule (its length, or it equals the email address). */
  | 'password_strength'
  /** A plain password and a password_hash in one request. */
  | 'password_with_hash'
  /** A plain password and a password_hash_type (without a hash) in one request. */
  | 'password_with_hash_type'
  /** password_hash without password_hash_type, or the other way round. */
  | 'password_hash_incomplete'
  /** An imported hash that cannot be used: malformed, of an unknown type, or above a cost ceiling. */
  | 'password_hash_unusable'
  /** Metadata outside a door's stricter rules (string values only, a smaller key limit). */
  | 'metadata_rejected'
  /** A webhook URL that points inside the network. */
  | 'webhook_url_not_allowed';

export class ValidationError extends DomainError {
  readonly code = 'validation_error';
  readonly status = 400;
  constructor(
    readonly details: FieldErrors,
    message = 'Invalid request parameters',
    readonly reason?: ValidationReason,
  ) {
    super(message);
  }

  static field(field: string, message: string, reason?: ValidationReason): ValidationError {
    return new ValidationError({ [field]: [message] }, undefined, reason);
  }
}

/** Every code a VerificationError can carry (the canonical API sends it as `error`). */
export const VERIFICATION_FAILURES = [
  'email_already_verified',
  'email_missing',
  'verification_code_missing',
  'verification_code_incorrect',
  'verification_code_expired',
  'verification_code_used',
  'verification_attempts_exceeded',
] as const;

export type VerificationFailure = (typeof VERIFICATION_FAILURES)[number];

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

export type BadRequestReason = 'bad_request' | 'malformed_json' | 'invalid_utf8' | 'empty_body' | 'duplicate_key' | 'nul_character' | 'body_too_deep' | 'webhook_endpoint_limit';

/** A request-level rule failed that is not about one field (e.g. malformed JSON). */
export class BadRequestError extends DomainError {
  readonly code = 'validation_error';
  readonly status = 400;
  constructor(message: string, readonly reason: BadRequestReason = 'bad_request') {
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

export type ResourceKind = 'user' | 'api_key' | 'identity' | 'route' | 'webhook_endpoint' | 'webhook_delivery' | 'group';

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

/** Which limit refused: the per-credential budget, the per-address one, or a per-user rule. Also a metrics label. */
export type RateLimitReason = 'rate_limited' | 'client_address' | 'verification_send_limit' | 'password_failures';

export class RateLimitedError extends DomainError {
  readonly code = 'rate_limited';
  readonly status = 429;
  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many requests',
    readonly reason: RateLimitReason = 'rate_limited',
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
    case 'group':
      return 'Group';
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
