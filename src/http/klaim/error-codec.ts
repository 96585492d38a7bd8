/**
 * Renders domain errors in Klaim's shape: `{"message": "..."}`, with the seed's exact 404 and 409
 * messages, plus `errors` (field → messages) on a 400.
 */
import { ConflictError, DomainError, NotFoundError, ValidationError, type FieldErrors, type UniqueField } from '../../domain/errors.ts';
import type { ErrorCodec } from '../door-spec.ts';

export const USER_NOT_FOUND = 'Can not find user with the given user_id.';

const CONFLICT_MESSAGES: Record<UniqueField, string> = {
  email: 'Email already exists',
  external_id: 'User ID already exists',
  // Not reachable through Klaim's fields, but a user may hold one set through another door.
  username: 'Username already exists',
  identity: 'Identity already exists',
};

export const klaimCodec: ErrorCodec = {
  internalError: () => ({ message: 'Internal server error' }),
  render(error) {
    const body: { message: string; errors?: FieldErrors } = { message: messageOf(error) };
    if (error instanceof ValidationError) body.errors = error.details;
    return { status: error.status, body };
  },
};

function messageOf(error: DomainError): string {
  if (error instanceof NotFoundError) return error.resource === 'user' ? USER_NOT_FOUND : 'No such endpoint';
  if (error instanceof ConflictError) return CONFLICT_MESSAGES[error.field];
  if (error instanceof ValidationError) return validationMessage(error.details);
  return error.message;
}

/** Klaim clients tend to show only `message`, so it names every bad field. */
function validationMessage(details: FieldErrors): string {
  const parts = Object.entries(details).map(([field, messages]) => `${field}: ${messages.join(', ')}`);
  return parts.length > 0 ? `Invalid request (${parts.join('; ')})` : 'Invalid request';
}
