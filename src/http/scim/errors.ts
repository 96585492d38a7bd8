/**
 * SCIM's error shape (RFC 7644 §3.12): `{schemas: [Error], status: "404", scimType?, detail}`,
 * with `status` a string, as Okta's spec test checks. ScimError carries a scimType of its own
 * (invalidFilter, invalidPath, noTarget, mutability, …); the codec gives every other domain error
 * the status and scimType SCIM expects of it.
 */
import {
  BadRequestError,
  ConflictError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
  type FieldErrors,
} from '../../domain/errors.ts';
import { FilterSyntaxError } from '../../domain/filter.ts';
import type { ErrorCodec } from '../door-spec.ts';
import { PayloadTooLargeError } from '../transport-errors.ts';
import { SCHEMAS } from './schema.ts';

export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

/** An error with SCIM's own scimType; status 400 unless said otherwise. */
export class ScimError extends DomainError {
  readonly code: string;
  constructor(
    readonly scimType: ScimType | null,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.code = scimType ?? 'scim_error';
  }
}

export interface ScimErrorBody {
  schemas: [typeof SCHEMAS.error];
  status: string;
  scimType?: ScimType;
  detail: string;
}

export function scimErrorBody(status: number, detail: string, scimType?: ScimType | null): ScimErrorBody {
  return { schemas: [SCHEMAS.error], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

/** A filter that does not parse, or names what this door cannot filter on. */
export function invalidFilter(error: FilterSyntaxError): ScimError {
  return new ScimError('invalidFilter', `Invalid filter: ${error.message}`);
}

function summary(details: FieldErrors): string {
  const parts = Object.entries(details).map(([field, messages]) => `${field}: ${messages.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'Invalid value';
}

/** The status, scimType and detail of any domain error. */
export function scimError(error: DomainError, wireName: (canonical: string) => string | undefined = () => undefined): { status: number; body: ScimErrorBody } {
  const render = (status: number, detail: string, scimType?: ScimType | null) => ({ status, body: scimErrorBody(status, detail, scimType) });
  if (error instanceof ScimError) return render(error.status, error.message, error.scimType);
  if (error instanceof ValidationError) {
    const readOnly = Object.values(error.details).flat().some((m) => m === 'Field is read-only');
    return render(400, summary(error.details), readOnly ? 'mutability' : 'invalidValue');
  }
  if (error instanceof BadRequestError) return render(400, error.message, 'invalidSyntax');
  if (error instanceof NotFoundError) {
    if (error.resource === 'route') return render(404, error.id !== undefined ? error.message : 'No SCIM endpoint at this path: see /scim/v2/ResourceTypes');
    const label = error.resource === 'user' ? 'User' : error.message.replace(/ not found$/, '');
    return render(404, error.id !== undefined ? `${label} ${error.id} not found` : error.message);
  }
  if (error instanceof ConflictError) {
    const attribute = error.field === 'identity' ? null : (wireName(error.field) ?? error.field);
    return render(409, attribute ? `${error.message}: another user has this ${attribute}` : error.message, 'uniqueness');
  }
  if (error instanceof PreconditionFailedError) return render(412, `${error.message} (If-Match did not match the current version W/"${error.currentVersion}")`);
  if (error instanceof PayloadTooLargeError) return render(413, error.message);
  if (error instanceof ForbiddenError) return render(403, error.message);
  return render(error.status, error.message);
}

export const scimCodec: ErrorCodec = {
  internalError: () => scimErrorBody(500, 'Internal server error'),
  render: (error, _request, wireName) => scimError(error, wireName),
};
