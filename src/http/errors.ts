/**
 * Turns whatever a request threw into a domain error, so that each door's codec has only domain
 * errors to render: Fastify's own errors (bad JSON, wrong content type, body too large, schema
 * validation) and the store's (unreachable database) included.
 */
import type { FastifyBaseLogger, FastifyError } from 'fastify';
import {
  BadRequestError,
  DomainError,
  NotFoundError,
  UnavailableError,
  ValidationError,
  addFieldError,
  emptyFieldErrors,
} from '../domain/errors.ts';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from './transport-errors.ts';
import { READ_ONLY_FIELDS, SECRET_FIELDS } from '../domain/user.ts';

interface AjvIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
  data?: unknown;
}

const READ_ONLY: ReadonlySet<string> = new Set(READ_ONLY_FIELDS);
const SECRET: ReadonlySet<string> = new Set(SECRET_FIELDS);

// Failures of the database connection rather than of the request, so it may be retried: socket
// errors, PostgreSQL's connection_exception class (08…), server shut down or starting up (57P0x),
// too many connections, a statement cut off by statement_timeout (57014), and SQLite's busy lock.
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300', '57014', 'SQLITE_BUSY']);
// What an operator must fix rather than the request (issue 13): the database is missing (3D000),
// the disk is full (53100, SQLITE_FULL) or failing (SQLITE_IOERR_…), and every SQLITE_BUSY_…
// variant of the file lock. (A missing table stays a bug of the request; /readyz reports a missing schema.)
const OPERATOR_CODES = /^(3D000|53100|SQLITE_FULL|SQLITE_IOERR(_\w+)?|SQLITE_CANTOPEN|SQLITE_BUSY_\w+)$/;
// pg's own errors for a connection that died or could not be had carry no code at all.
const UNAVAILABLE_MESSAGES = /^(Connection terminated|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect|Query read timeout)/;

/** True for a failure of the database connection, looking through `cause` and AggregateError's errors. */
export function isUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  const { code, message, cause, errors } = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || OPERATOR_CODES.test(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
  return isUnavailable(cause, depth + 1) || (Array.isArray(errors) && errors.some((inner) => isUnavailable(inner, depth + 1)));
}

/**
 * `log`: where a database failure that becomes a 503 is logged with its real cause (the client
 * only sees "unavailable").
 */
export function toDomainError(error: unknown, log?: FastifyBaseLogger): DomainError | null {
  if (error instanceof DomainError) return error;
  const e = error as FastifyError & { validation?: AjvIssue[]; validationContext?: string };
  if (Array.isArray(e.validation)) return fromValidation(e.validation, e.validationContext ?? 'body');
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new UnsupportedMediaTypeError();
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError();
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new BadRequestError('Request body must not be empty when Content-Type is application/json', 'empty_body');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_BAD_URL':
      return new BadRequestError(e.code === 'FST_ERR_BAD_URL' ? 'Malformed URL' : 'Malformed JSON in request body', 'malformed_json');
    case 'FST_ERR_NOT_FOUND':
      return new NotFoundError('route');
  }
  if (e instanceof SyntaxError && e.statusCode === 400) return new BadRequestError('Malformed JSON in request body', 'malformed_json');
  // A NUL that reached PostgreSQL text (22021) or jsonb (22P05) through a path no check covers: the input's fault.
  if (e.code === '22021' || e.code === '22P05') return new BadRequestError('Text must not contain NUL characters', 'nul_character');
  if (isUnavailable(e)) {
    log?.error({ err: e }, `database unavailable: ${(e as Error).message}`);
    return new UnavailableError();
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new BadRequestError(e.message);
  }
  return null;
}

function fromValidation(issues: AjvIssue[], context: string): ValidationError {
  const details = emptyFieldErrors();
  const add = (field: string, message: string) => addFieldError(details, field, message);
  for (const issue of issues) {
    const path = issue.instancePath.split('/').filter(Boolean);
    if (issue.keyword === 'additionalProperties' && path.length === 0) {
      const key = String(issue.params.additionalProperty);
      add(key, context === 'body' ? unwritableMessage(key) : 'Unknown parameter');
      continue;
    }
    if (issue.keyword === 'required') {
      add(String(issue.params.missingProperty), 'Is required');
      continue;
    }
    add(path[0] ?? context, describe(issue));
  }
  return new ValidationError(details);
}

function unwritableMessage(key: string): string {
  if (READ_ONLY.has(key)) return 'Field is read-only';
  if (SECRET.has(key)) return 'Passwords are set with POST /v1/users/{id}/password';
  return 'Unknown field';
}

const ARTICLE: Record<string, string> = {
  string: 'a string',
  boolean: 'a boolean',
  integer: 'an integer',
  number: 'a number',
  object: 'an object',
  array: 'an array',
};

function describe(issue: AjvIssue): string {
  const p = issue.params;
  switch (issue.keyword) {
    case 'type': {
      if (issue.data === null) return 'Must not be null';
      const types = String(p.type).split(',').filter((t) => t !== 'null');
      return `Must be ${types.map((t) => ARTICLE[t] ?? t).join(' or ')}`;
    }
    case 'maxLength':
      return `Must be at most ${String(p.limit)} characters`;
    case 'minLength':
      return Number(p.limit) === 1 ? 'Must not be empty' : `Must be at least ${String(p.limit)} characters`;
    case 'minimum':
      return `Must be at least ${String(p.limit)}`;
    case 'maximum':
      return `Must be at most ${String(p.limit)}`;
    case 'enum':
      return `Must be one of: ${(p.allowedValues as unknown[]).join(', ')}`;
    case 'maxItems':
      return `Must have at most ${String(p.limit)} items`;
    case 'minItems':
      return `Must have at least ${String(p.limit)} items`;
    case 'uniqueItems':
      return 'Must not repeat items';
    default:
      return issue.message ? issue.message.charAt(0).toUpperCase() + issue.message.slice(1) : 'Is invalid';
  }
}
