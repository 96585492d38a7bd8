/**
 * Renders errors as the WorkOS API does (contract §5): `{message, code, errors?}` with WorkOS's
 * statuses and codes, so that the official SDK raises its own exception classes. Some codes depend
 * on the call (a taken email is `user_creation_error` on create, `email_not_available` on update),
 * so each route names its operation in `config.workosOperation`.
 */
import {
  BadRequestError,
  ConflictError,
  DomainError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
  VerificationError,
  type FieldErrors,
  type ValidationReason,
  type VerificationFailure,
} from '../../domain/errors.ts';
import type { ErrorCodec } from '../door-spec.ts';
import { toWorkosUserId } from '../../formats/workos-user.ts';

export type WorkosOperation = 'create_user' | 'update_user' | 'send_verification' | 'verify_email';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The WorkOS call a route serves, for the error codes that depend on it. */
    workosOperation?: WorkosOperation;
  }
}

export interface WorkosErrorItem {
  field?: string;
  code: string;
  message: string;
}

export interface WorkosErrorBody {
  message: string;
  code: string;
  errors?: WorkosErrorItem[];
}

export const EMAIL_NOT_AVAILABLE = 'This email is not available.';
export const EXTERNAL_ID_USED = 'This external ID is already in use by another user.';

/** Message of a user the door could not find: the id as the caller sent it (in WorkOS form). */
export function userNotFoundMessage(id: string): string {
  return `User not found: '${toWorkosUserId(id)}'.`;
}

const VERIFICATION_CODES: Record<VerificationFailure, string> = {
  email_already_verified: 'email_already_verified',
  email_missing: 'email_missing',
  verification_code_incorrect: 'email_verification_code_incorrect',
  verification_code_expired: 'email_verification_code_expired',
  verification_code_used: 'email_verification_code_previously_used',
  // WorkOS has no codes for these two; the nearest ones tell a client what to do (ask again,
  // or send a new code), and the message says exactly what happened.
  verification_code_missing: 'email_verification_code_incorrect',
  verification_attempts_exceeded: 'email_verification_code_expired',
};

/** Reasons of a ValidationError that WorkOS reports as 400s under a code of its own (the rest are 422s). */
const OWN_400_CODES: Partial<Record<ValidationReason, string>> = {
  password_hash_unusable: 'invalid_password_hash',
  password_with_hash: 'password_and_password_hash_provided',
  password_with_hash_type: 'password_and_password_hash_type_provided',
  metadata_rejected: 'invalid_metadata',
};

/** The door's codec; the shared error hook writes Retry-After and logs a 500. */
export const workosCodec: ErrorCodec = {
  internalError: () => ({ message: 'Internal server error', code: 'server_error' }),
  render: (error, request) => workosError(error, request.routeOptions.config?.workosOperation, request.url.split('?')[0] ?? request.url),
};

export function workosError(error: DomainError, operation: WorkosOperation | undefined, path: string): { status: number; body: WorkosErrorBody } {
  const render = (status: number, code: string, message: string, errors?: WorkosErrorItem[]) => ({
    status,
    body: errors ? { message, code, errors } : { message, code },
  });
  if (error instanceof ValidationError) return validation(error, operation);
  if (error instanceof NotFoundError) {
    if (error.resource === 'route') return render(404, 'route_not_found', `The requested path '${path}' could not be found.`);
    return render(404, 'entity_not_found', error.resource === 'user' && error.id !== undefined ? userNotFoundMessage(error.id) : error.message);
  }
  if (error instanceof ConflictError) {
    if (error.field === 'email' || error.field === 'external_id') {
      const [code, message] = error.field === 'email' ? ['email_not_available', EMAIL_NOT_AVAILABLE] : ['external_id_already_used', EXTERNAL_ID_USED];
      // As the live API answers a taken email on create (contract §5): a BadRequestException with the reason in errors.
      if (operation === 'create_user') return render(400, 'user_creation_error', 'Could not create user.', [{ code, message }]);
      return render(400, code, message);
    }
    return render(409, 'conflict', error.message);
  }
  if (error instanceof VerificationError) {
    const code = error.code === 'email_already_verified' && operation === 'verify_email' ? 'email_previously_verified' : VERIFICATION_CODES[error.code];
    return render(400, code, error.message);
  }
  if (error instanceof RateLimitedError) {
    return render(429, error.reason === 'verification_send_limit' ? 'daily_quota_exceeded' : 'rate_limit_exceeded', error.message);
  }
  if (error instanceof BadRequestError) return render(400, 'invalid_request_body', error.message);
  return render(error.status, error.code, error.message);
}

function validation(error: ValidationError, operation: WorkosOperation | undefined): { status: number; body: WorkosErrorBody } {
  const messages = Object.values(error.details).flat();
  if (error.reason === 'password_strength') {
    return {
      status: 400,
      body: { message: 'Password does not meet the strength requirements.', code: 'password_strength_error', errors: messages.map((message) => ({ code: 'password_too_weak', message })) },
    };
  }
  const own = error.reason && OWN_400_CODES[error.reason];
  if (own) return { status: 400, body: { message: messages[0] ?? error.message, code: own } };
  // updateUser answers a well-formed but unacceptable email or locale with its own 400 codes.
  const fields = Object.keys(error.details);
  if (operation === 'update_user' && fields.length === 1 && (fields[0] === 'email' || fields[0] === 'locale')) {
    return { status: 400, body: { message: messages.join('; '), code: `invalid_${fields[0]}` } };
  }
  return { status: 422, body: { message: summary(error.details), code: 'invalid_request_parameters', errors: fieldErrors(error.details) } };
}

function summary(details: FieldErrors): string {
  const parts = Object.entries(details).map(([field, messages]) => `${field}: ${messages.join(', ')}`);
  return parts.length > 0 ? `Validation failed (${parts.join('; ')})` : 'Validation failed';
}

/**
 * One entry per problem. The SDK shows only the codes ("The following requirements must be met:
 * email_invalid"), so each code names its field.
 */
function fieldErrors(details: FieldErrors): WorkosErrorItem[] {
  return Object.entries(details).flatMap(([field, messages]) =>
    messages.map((message) => ({ field, code: `${field}_${problemOf(message)}`, message })),
  );
}

function problemOf(message: string): string {
  if (message === 'Is required') return 'required';
  if (message === 'Unknown field' || message === 'Unknown parameter' || message === 'Field is read-only') return 'not_allowed';
  return 'invalid';
}
