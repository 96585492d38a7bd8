/** Renders domain errors in seed 001's shape: {error, message, details?, request_id}. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, NotFoundError, RateLimitedError, UnavailableError, ValidationError, ConflictError, PreconditionFailedError } from '../../domain/errors.ts';
import { toDomainError } from '../errors.ts';

export function sendV1Error(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const domain = toDomainError(error, request.log);
  if (!domain) {
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send({ error: 'internal_error', message: 'Internal server error', request_id: request.id });
  }
  const body: Record<string, unknown> = { error: domain.code, message: messageOf(domain), request_id: request.id };
  if (domain instanceof ValidationError) body.details = domain.details;
  if (domain instanceof ConflictError && domain.field !== 'identity') body.details = { [domain.field]: [domain.message] };
  if (domain instanceof PreconditionFailedError) reply.header('ETag', `"${domain.currentVersion}"`);
  if (domain instanceof RateLimitedError || domain instanceof UnavailableError) {
    reply.header('Retry-After', String(domain.retryAfterSeconds));
  }
  return reply.code(domain.status).send(body);
}

function messageOf(error: DomainError): string {
  if (error instanceof NotFoundError && error.resource === 'route') return 'No such endpoint';
  return error.message;
}
