/**
 * Renders domain errors for the StateSet door. The seed defines no error body; its example carries
 * a `success` flag, so errors are `{success: 0, error: {code, message, fields?}, request_id}`.
 * Field names in `fields` are already StateSet's: routes rename the domain's before they throw.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  RateLimitedError,
  UnavailableError,
  ValidationError,
  type DomainError,
  type FieldErrors,
} from '../../domain/errors.ts';
import { toDomainError } from '../errors.ts';
import { stateSetName } from './wire.ts';

export function sendStateSetError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const domain = toDomainError(error, request.log);
  if (!domain) {
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send(body('internal_error', 'Internal server error', undefined, request.id));
  }
  if (domain instanceof PreconditionFailedError) reply.header('ETag', `"${domain.currentVersion}"`);
  if (domain instanceof RateLimitedError || domain instanceof UnavailableError) {
    reply.header('Retry-After', String(domain.retryAfterSeconds));
  }
  return reply.code(domain.status).send(body(domain.code, messageOf(domain), fieldsOf(domain), request.id));
}

function body(code: string, message: string, fields: FieldErrors | undefined, requestId: string) {
  return { success: 0 as const, error: { code, message, ...(fields ? { fields } : {}) }, request_id: requestId };
}

function fieldsOf(error: DomainError): FieldErrors | undefined {
  if (error instanceof ValidationError) return error.details;
  if (error instanceof ConflictError && error.field !== 'identity') {
    return { [stateSetName(error.field) ?? error.field]: [error.message] };
  }
  return undefined;
}

function messageOf(error: DomainError): string {
  if (error instanceof NotFoundError && error.resource === 'route') return 'No such endpoint';
  return error.message;
}
