/** Renders domain errors in seed 001's shape: {error, message, details?, request_id}. */
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import type { ErrorCodec } from '../door-spec.ts';

export const v1Codec: ErrorCodec = {
  internalError: (request) => ({ error: 'internal_error', message: 'Internal server error', request_id: request.id }),
  render(error, request) {
    const body: Record<string, unknown> = { error: error.code, message: messageOf(error), request_id: request.id };
    if (error instanceof ValidationError) body.details = error.details;
    if (error instanceof ConflictError && error.field !== 'identity') body.details = { [error.field]: [error.message] };
    return { status: error.status, body };
  },
};

function messageOf(error: DomainError): string {
  if (error instanceof NotFoundError && error.resource === 'route') return 'No such endpoint';
  return error.message;
}
