/**
 * POST /v1/users/batch (issue 15, item 1): the wire side of the batch service. The body is read
 * here, operation by operation, so that one malformed operation is a per-item 400 and not the
 * whole batch's; per-item errors are the v1 codec's bodies, without request_id (the batch's
 * X-Request-Id header names the request).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ValidationError, type FieldErrors } from '../../domain/errors.ts';
import { canonicalUser } from '../../formats/canonical-user.ts';
import { BATCH_MAX_OPERATIONS, type BatchOperation, type BatchResult } from '../../services/batch-service.ts';
import type { IdentityInput } from '../../services/identity-links.ts';
import type { Services } from '../../services/index.ts';
import { contextOf } from '../auth.ts';
import { toDomainError } from '../errors.ts';
import { expectedVersions } from '../preconditions.ts';
import { StringEnum, named } from '../schemas.ts';
import { v1 } from './door.ts';
import { v1Codec } from './error-codec.ts';
import { UserCreateSchema, UserSchema, v1Errors } from './schemas.ts';

/** The header that marks a batch as an import's (see the route's description). */
const IMPORT_HEADER = 'userplane-import';

/** More than any real user has; keeps one operation's work bounded. */
const MAX_IDENTITIES = 20;
const BatchIdentity = Type.Object(
  { provider: Type.String(), provider_user_id: Type.String(), email: Type.String() },
  { additionalProperties: false, description: 'As POST /v1/users/{id}/identities takes it' },
);

const BatchData = Type.Object(
  {
    ...UserCreateSchema.properties,
    password_hash: Type.Optional(Type.String({ maxLength: 1024, description: 'An existing hash to import, with password_hash_type' })),
    password_hash_type: Type.Optional(Type.String({ description: 'Format of password_hash (as POST /v1/users/{id}/password takes it)' })),
    identities: Type.Optional(
      Type.Array(BatchIdentity, {
        maxItems: MAX_IDENTITIES,
        description: 'Identities to link in the same transaction; one the user already has (same provider and provider_user_id) is kept as it is',
      }),
    ),
  },
  { description: 'Every field of create, plus password_hash with password_hash_type, plus identities' },
);
const UserId = Type.String({ description: 'The user id (usr_…)' });
const IfMatch = Type.String({ description: 'The ETag you read, e.g. "\\"3\\"": a user at another version is a per-item 412' });

const BatchOperationSchema = Type.Union([
  Type.Object({ op: Type.Literal('create'), data: BatchData }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('upsert'), match: StringEnum(['external_id', 'email']), data: BatchData }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('update'), id: UserId, data: BatchData, if_match: Type.Optional(IfMatch) }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('delete'), id: UserId, if_match: Type.Optional(IfMatch) }, { additionalProperties: false }),
]);

const BatchBody = named('BatchRequest', Type.Object(
  {
    operations: Type.Array(BatchOperationSchema, { maxItems: BATCH_MAX_OPERATIONS }),
    dry_run: Type.Optional(Type.Boolean({ default: false, description: 'Validate and plan everything, write nothing' })),
  },
  { additionalProperties: false },
));

const ItemError = named('BatchItemError', Type.Object({
  error: Type.String(),
  message: Type.String(),
  details: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
}));

const count = Type.Integer({ minimum: 0 });
const BatchAnswer = named('BatchResponse', Type.Object({
  object: Type.Literal('batch'),
  dry_run: Type.Boolean(),
  results: Type.Array(
    Type.Object({
      index: Type.Integer({ minimum: 0 }),
      status: Type.Integer({ description: '201 created, 200 updated/unchanged/deleted, else the error status' }),
      user: Type.Optional(UserSchema),
      error: Type.Optional(ItemError),
    }),
  ),
  summary: Type.Object({ created: count, updated: count, unchanged: count, deleted: count, failed: count }),
}));

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The body's operations and dry_run, or a 400 for the whole batch when its frame is wrong. */
function readBody(body: unknown): { operations: unknown[]; dryRun: boolean } {
  if (!isObject(body)) throw ValidationError.field('body', 'Must be an object with operations');
  const details: FieldErrors = {};
  for (const key of Object.keys(body)) if (key !== 'operations' && key !== 'dry_run') details[key] = ['Unknown field'];
  if (!Array.isArray(body.operations)) details.operations = ['Is required: an array of operations'];
  else if (body.operations.length > BATCH_MAX_OPERATIONS) {
    details.operations = [`At most ${BATCH_MAX_OPERATIONS} operations per batch, got ${body.operations.length}`];
  }
  if (body.dry_run !== undefined && typeof body.dry_run !== 'boolean') details.dry_run = ['Must be a boolean'];
  if (Object.keys(details).length > 0) {
    const message = details.operations?.[0]?.startsWith('At most') ? details.operations[0] : undefined;
    throw new ValidationError(details, message);
  }
  return { operations: body.operations as unknown[], dryRun: body.dry_run === true };
}

const ALLOWED_KEYS: Record<string, readonly string[]> = {
  create: ['op', 'data'],
  upsert: ['op', 'match', 'data'],
  update: ['op', 'id', 'data', 'if_match'],
  delete: ['op', 'id', 'if_match'],
};

/** One operation in the service's terms, or the ValidationError that is its result. */
function readOperation(raw: unknown): BatchOperation | ValidationError {
  if (!isObject(raw)) return ValidationError.field('operation', 'Must be an object');
  const op = raw.op;
  if (typeof op !== 'string' || !Object.hasOwn(ALLOWED_KEYS, op)) return ValidationError.field('op', 'Must be one of create, upsert, update, delete');
  const details: FieldErrors = {};
  for (const key of Object.keys(raw)) if (!ALLOWED_KEYS[op]!.includes(key)) details[key] = [`Is not a field of a ${op} operation`];
  if ((op === 'update' || op === 'delete') && (typeof raw.id !== 'string' || raw.id === '')) details.id = ['Is required: the user id'];
  if (op === 'upsert' && raw.match !== 'external_id' && raw.match !== 'email') details.match = ['Must be "external_id" or "email"'];
  if (raw.if_match !== undefined && typeof raw.if_match !== 'string') details.if_match = ['Must be a string: the ETag, e.g. "\\"3\\""'];
  if (op !== 'delete' && !isObject(raw.data)) details.data = ['Is required: an object of user fields'];
  if (Object.keys(details).length > 0) return new ValidationError(details);

  const versions = typeof raw.if_match === 'string' ? expectedVersions(raw.if_match) : undefined;
  if (op === 'delete') return { op, id: raw.id as string, expectedVersions: versions };
  const { password_hash, password_hash_type, identities: rawIdentities, ...fields } = raw.data as Record<string, unknown>;
  const identities = readIdentities(rawIdentities);
  if (identities instanceof ValidationError) return identities;
  const data = v1.toCanonical(fields, true);
  const password = password_hash !== undefined || password_hash_type !== undefined ? { password_hash, password_hash_type } : undefined;
  if (op === 'create') return { op, data, password, identities };
  if (op === 'upsert') return { op, match: raw.match as 'external_id' | 'email', data, password, identities };
  return { op: 'update', id: raw.id as string, data, password, identities, expectedVersions: versions };
}

/** data.identities: absent, or an array of {provider, provider_user_id, email} strings (the service checks their values). */
function readIdentities(raw: unknown): IdentityInput[] | undefined | ValidationError {
  if (raw === undefined) return undefined;
  const problem = 'Must be an array of at most ' + MAX_IDENTITIES + ' objects with provider, provider_user_id and email (strings)';
  if (!Array.isArray(raw) || raw.length > MAX_IDENTITIES) return ValidationError.field('identities', problem);
  for (const item of raw) {
    if (!isObject(item) || Object.keys(item).some((k) => !['provider', 'provider_user_id', 'email'].includes(k))) return ValidationError.field('identities', problem);
    if (typeof item.provider !== 'string' || typeof item.provider_user_id !== 'string' || typeof item.email !== 'string') {
      return ValidationError.field('identities', problem);
    }
  }
  return raw as IdentityInput[];
}

type WireError = { error: string; message: string; details?: Record<string, string[]> };

/** A per-item result on the wire: the user, or the error as the v1 codec renders it. */
function wireResult(result: BatchResult, request: FastifyRequest) {
  if (result.outcome !== 'failed') return { index: result.index, status: result.status, user: canonicalUser(result.user) };
  const domain = toDomainError(result.error, request.log);
  if (!domain) {
    request.log.error({ err: result.error, index: result.index }, 'unhandled error in a batch operation');
    const { request_id: _id, ...error } = v1Codec.internalError(request) as WireError & { request_id: string };
    return { index: result.index, status: 500, error: error as WireError };
  }
  const named = domain instanceof ValidationError ? new ValidationError(v1.inWireNames(domain.details), domain.message, domain.reason) : domain;
  const { status, body } = v1Codec.render(named, request, v1.wireName);
  const { request_id: _id, ...error } = body as WireError & { request_id: string };
  return { index: result.index, status, error: error as WireError };
}

export const batchRoutes: FastifyPluginAsyncTypebox<{ services: Services; bodyLimit: number }> = async (app, { services, bodyLimit }) => {
  app.post(
    '/users/batch',
    {
      bodyLimit,
      config: { scope: 'write' },
      attachValidation: true,
      schema: {
        tags: ['users'],
        security: [{ bearer: [] }],
        operationId: 'users_batch',
        summary: 'Create, upsert, update and delete users in one request',
        description:
          `At most ${BATCH_MAX_OPERATIONS} operations, run in order, each in its own transaction (one failure never undoes another), ` +
          'each change with its event. Results come in request order: 201 created, 200 updated, unchanged or deleted (the user as it was), ' +
          'or the error an operation of its own would have had. upsert patches the user whose match field (external_id or email) equals ' +
          "data's, with PATCH's semantics (a password_hash is set only on a user without a password: re-importing never undoes a " +
          'password changed since; use update or POST /v1/users/{id}/password to replace one), or creates one. data.identities are ' +
          'linked in the same transaction (those the user has are kept). When two operations touch the same user or unique value, the first wins and ' +
          'the later is a 409. dry_run plans everything (uniqueness included) and writes nothing. The body limit is USERPLANE_BATCH_BODY_LIMIT. ' +
          'With the header Userplane-Import: 1 (userplane import sends it) the batch is an import: webhook deliveries of its events ' +
          'are claimed after every due live delivery of their endpoint, and endpoints with include_imports: false get none.',
        body: BatchBody,
        response: { 200: BatchAnswer, ...v1Errors(400, 413, 415) },
      },
    },
    async (request) => {
      const { operations, dryRun } = readBody(request.body);
      // An import's batch (userplane import sends this header): its events' webhooks wait behind live ones.
      const bulk = request.headers[IMPORT_HEADER] === '1';
      const results = await services.batches.run({ ...contextOf(request, 'v1'), ...(bulk ? { bulk } : {}) }, operations.map(readOperation), { dryRun });
      const summary = { created: 0, updated: 0, unchanged: 0, deleted: 0, failed: 0 };
      for (const result of results) summary[result.outcome] += 1;
      return { object: 'batch' as const, dry_run: dryRun, results: results.map((result) => wireResult(result, request)), summary };
    },
  );
};
