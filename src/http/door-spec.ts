/**
 * One spec per API door: its field map (wire name ⇄ canonical name), the wire fields it shows but
 * never accepts, and its error codec. The glue every door needs is written once, here: a request
 * body to a canonical patch (schema and domain errors together, in wire names), and the error hook
 * (the 500 with its log line, Retry-After, the ETag on 412, field names through the map) that runs
 * before the door's codec renders the body. A new door is a field map, a codec and routes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  DomainError,
  emptyFieldErrors,
  NotFoundError,
  PreconditionFailedError,
  RateLimitedError,
  UnavailableError,
  ValidationError,
  type FieldErrors,
} from '../domain/errors.ts';
import type { SelfService } from '../services/user-service.ts';
import { toDomainError } from './errors.ts';

export interface ErrorCodec {
  /**
   * The door's status and body for a domain error whose field names are already the door's;
   * `wireName` names other canonical fields (e.g. a ConflictError's) as the door does.
   */
  render(error: DomainError, request: FastifyRequest, wireName: (canonical: string) => string | undefined): { status: number; body: unknown };
  /** The body of a 500: whatever was thrown is no domain error (the hook has logged it). */
  internalError(request: FastifyRequest): unknown;
}

export interface DoorSpec {
  /** Wire name → canonical name of every field a body may write under its own name. */
  fields: Readonly<Record<string, string>>;
  /** Wire fields the door shows but never accepts: a body sending one hears "Field is read-only". */
  readOnly?: readonly string[];
  /** The door's own message for any other body key outside the map (else the schema's stands). */
  unknownField?: (key: string) => string;
  /** Body keys outside the map that the door checks itself (StateSet's `id`, which must equal the path's). */
  ownKeys?: { names: readonly string[]; check(body: Record<string, unknown>, request: FastifyRequest): FieldErrors };
  /** The message for a body that is not a JSON object (else the schema's). */
  notAnObject?: string;
  /** A domain error about a field the door does not show is left out when one it shows carries the message. */
  hideUnshown?: boolean;
  codec: ErrorCodec;
}

/** Field errors already in a door's names: the error hook passes them on as they are. */
class WireValidationError extends ValidationError {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type Door = ReturnType<typeof defineDoor>;

export function defineDoor(spec: DoorSpec) {
  const toWire = new Map(Object.entries(spec.fields).map(([wire, canonical]) => [canonical, wire]));
  const readOnly: ReadonlySet<string> = new Set(spec.readOnly ?? []);
  const ownKeys: ReadonlySet<string> = new Set(spec.ownKeys?.names ?? []);

  /** The door's name of a canonical field, when the door shows it. */
  const wireName = (canonical: string): string | undefined => toWire.get(canonical);

  /** Field errors of the domain (canonical names) in the door's names. */
  function inWireNames(details: FieldErrors): FieldErrors {
    const renamed = emptyFieldErrors();
    const unshown = emptyFieldErrors();
    for (const [field, messages] of Object.entries(details)) {
      const name = wireName(field);
      if (name !== undefined || !spec.hideUnshown) {
        const key = name ?? field;
        renamed[key] = [...(renamed[key] ?? []), ...messages];
      } else unshown[field] = messages;
    }
    // No error ever loses its reason: unshown fields stay when nothing else carries the message.
    return Object.keys(renamed).length > 0 || Object.keys(unshown).length === 0 ? renamed : unshown;
  }

  /** The canonical patch of a body's mapped fields; `keepOthers` passes other keys on by their own name. */
  function toCanonical(body: Record<string, unknown>, keepOthers = false): Record<string, unknown> {
    const patch: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(body)) {
      const canonical = Object.hasOwn(spec.fields, key) ? spec.fields[key] : keepOthers ? key : undefined;
      if (canonical !== undefined) patch[canonical] = value;
    }
    return patch;
  }

  /**
   * The canonical patch of a route's body (validated with `attachValidation`), or a ValidationError
   * naming every bad field at once, in the door's names: the schema's verdict, the domain's
   * (`fieldErrors`), and the door's own checks. The schema's message wins for a mapped field both
   * reject (it is the more basic problem); the door's own message wins for any other key.
   * With `restrictTo`, a body naming fields beyond the allowed ones goes to the service as it is, so
   * that the service refuses it (403, or 404 for someone else's user) rather than the schema (400).
   */
  function bodyToPatch(
    request: FastifyRequest,
    fieldErrors: (patch: Record<string, unknown>) => FieldErrors,
    opts: { restrictTo?: SelfService } = {},
  ): Record<string, unknown> {
    const body = request.body;
    if (opts.restrictTo && isObject(body)) {
      const allowed: readonly string[] = opts.restrictTo.fields;
      const patch = toCanonical(body, true);
      if (Object.keys(patch).some((field) => !allowed.includes(field))) return patch;
    }
    if (!isObject(body) && spec.notAnObject) throw new WireValidationError({ body: [spec.notAnObject] });
    const schemaError = request.validationError ? toDomainError(request.validationError) : null;
    if (request.validationError && !(schemaError instanceof ValidationError)) throw request.validationError;
    const schemaDetails = schemaError instanceof ValidationError ? schemaError.details : null;
    if (!isObject(body)) {
      if (schemaDetails) throw new WireValidationError(schemaDetails);
      return {};
    }
    const own = spec.ownKeys?.check(body, request) ?? {};
    if (!schemaDetails && Object.keys(own).length === 0) return toCanonical(body);

    const details = inWireNames(fieldErrors(toCanonical(body)));
    for (const key of Object.keys(body)) {
      if (Object.hasOwn(spec.fields, key) || ownKeys.has(key)) continue;
      if (readOnly.has(key)) details[key] = ['Field is read-only'];
      else if (spec.unknownField) details[key] = [spec.unknownField(key)];
    }
    for (const [key, messages] of Object.entries(own)) details[key] = messages;
    for (const [field, messages] of Object.entries(schemaDetails ?? {})) {
      const doorsOwn = !Object.hasOwn(spec.fields, field) && (readOnly.has(field) || ownKeys.has(field) || spec.unknownField !== undefined);
      if (!doorsOwn) details[field] = messages;
    }
    throw new WireValidationError(details);
  }

  /** The error hook: what every door writes, then the door's codec for the body. */
  function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
    const domain = toDomainError(error, request.log);
    if (!domain) {
      request.log.error({ err: error }, 'unhandled error');
      return reply.code(500).send(spec.codec.internalError(request));
    }
    if (domain instanceof RateLimitedError || domain instanceof UnavailableError) {
      reply.header('Retry-After', String(domain.retryAfterSeconds));
    }
    if (domain instanceof PreconditionFailedError) reply.header('ETag', `"${domain.currentVersion}"`);
    const named =
      domain instanceof ValidationError && !(domain instanceof WireValidationError)
        ? new ValidationError(inWireNames(domain.details), domain.message, domain.reason)
        : domain;
    const { status, body } = spec.codec.render(named, request, wireName);
    return reply.code(status).send(body);
  }

  /** Installs the door's error and not-found handlers on its Fastify context. */
  function install(app: FastifyInstance): void {
    app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
    app.setNotFoundHandler((request, reply) => sendError(new NotFoundError('route'), request, reply));
  }

  return { spec, wireName, inWireNames, toCanonical, bodyToPatch, sendError, install };
}
