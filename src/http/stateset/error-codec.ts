/**
 * Renders domain errors for the StateSet door. The seed defines no error body; its example carries
 * a `success` flag, so errors are `{success: 0, error: {code, message, fields?}, request_id}`.
 * Field names in `fields` are already StateSet's: the door's error hook renames the domain's.
 */
import { ConflictError, NotFoundError, ValidationError, type DomainError, type FieldErrors } from '../../domain/errors.ts';
import type { ErrorCodec } from '../door-spec.ts';

export const statesetCodec: ErrorCodec = {
  internalError: (request) => body('internal_error', 'Internal server error', undefined, request.id),
  render: (error, request, wireName) => ({ status: error.status, body: body(error.code, messageOf(error), fieldsOf(error, wireName), request.id) }),
};

function body(code: string, message: string, fields: FieldErrors | undefined, requestId: string) {
  return { success: 0 as const, error: { code, message, ...(fields ? { fields } : {}) }, request_id: requestId };
}

function fieldsOf(error: DomainError, wireName: (canonical: string) => string | undefined): FieldErrors | undefined {
  if (error instanceof ValidationError) return error.details;
  if (error instanceof ConflictError && error.field !== 'identity') {
    return { [wireName(error.field) ?? error.field]: [error.message] };
  }
  return undefined;
}

function messageOf(error: DomainError): string {
  if (error instanceof NotFoundError && error.resource === 'route') return 'No such endpoint';
  return error.message;
}
