/**
 * POST /scim/v2/Bulk (RFC 7644 §3.7) over the batch machinery (src/services/batch-service.ts): the
 * operations run in order, each in its own transaction, one failure never undoing another.
 * `bulkId:<id>` anywhere in a later operation's path or data is the id of the resource an earlier
 * POST created (a reference forward, or to an operation that failed, is that operation's 409);
 * `failOnErrors` stops after that many errors. Above the advertised limits the request is a 413.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { ValidationError } from '../../domain/errors.ts';
import type { BatchOperation } from '../../services/batch-service.ts';
import type { RequestContext } from '../../services/context.ts';
import type { Services } from '../../services/index.ts';
import { DoorWrite } from '../../services/user-service.ts';
import { contextOf } from '../auth.ts';
import { toDomainError } from '../errors.ts';
import { PayloadTooLargeError } from '../transport-errors.ts';
import { scim } from './door.ts';
import { scimError, ScimError } from './errors.ts';
import { readPatchOp } from './patch.ts';
import { patchWrite, replaceWrite } from './users.ts';
import { SCHEMAS } from './schema.ts';
import { fromScimUser, SCIM_EXTENSION } from './user-mapping.ts';
import { ScimBulkRequestSchema, ScimBulkResponseSchema } from './schemas.ts';
import { BULK_LIMITS, etagOf, locationOf, SCIM_CONSUMES, SCIM_PRODUCES, scimErrors } from './wire.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export type BulkMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One operation of a Bulk request, bulkIds already replaced. */
export interface BulkStep {
  method: BulkMethod;
  /** The resource id of PUT, PATCH and DELETE. */
  id?: string;
  data: unknown;
  /** The versions `version` (an ETag) accepts. */
  expectedVersions?: number[];
}

export interface BulkOutcome {
  status: number;
  id: string;
  version?: number;
}

/** What a resource endpoint does for Bulk; `/Users` is here, and another resource adds its own. */
export interface BulkHandler {
  endpoint: string;
  run(step: BulkStep, context: { ctx: RequestContext; batch: ReturnType<Services['batches']['session']>; services: Services }): Promise<BulkOutcome>;
}

const usersHandler: BulkHandler = {
  endpoint: '/Users',
  async run(step, { batch }) {
    const passwordOf = (data: unknown) => {
      const value = isObject(data) ? data[Object.keys(data).find((k) => k.toLowerCase() === 'password') ?? 'password'] : undefined;
      return typeof value === 'string' ? { password: value } : undefined;
    };
    let operation: BatchOperation;
    switch (step.method) {
      case 'POST': {
        const { patch, residual, password } = fromScimUser(step.data, null);
        operation = { op: 'create', data: new DoorWrite(patch, SCIM_EXTENSION, residual), ...(password !== undefined ? { password: { password } } : {}) };
        break;
      }
      case 'PUT': {
        const password = passwordOf(step.data);
        operation = {
          op: 'update',
          id: step.id!,
          data: (current) => replaceWrite(step.data, current),
          ...(password ? { password } : {}),
          expectedVersions: step.expectedVersions,
        };
        break;
      }
      case 'PATCH': {
        const operations = readPatchOp(step.data);
        operation = {
          op: 'update',
          id: step.id!,
          data: (current) => patchWrite(current, operations),
          expectedVersions: step.expectedVersions,
        };
        break;
      }
      case 'DELETE':
        operation = { op: 'delete', id: step.id!, expectedVersions: step.expectedVersions };
        break;
    }
    const result = await batch.step(operation);
    return { status: step.method === 'POST' ? 201 : step.method === 'DELETE' ? 204 : 200, id: result.user.id, version: step.method === 'DELETE' ? undefined : result.user.version };
  },
};

/** The resource endpoints Bulk serves; a new resource pushes its handler here. */
export const BULK_HANDLERS: BulkHandler[] = [usersHandler];

const BULK_ID = /bulkId:([A-Za-z0-9._~-]{1,200})/g;

/** `value` with every "bulkId:x" replaced by x's resource id; an unknown x is a 409 invalidValue. */
function resolveBulkIds(value: unknown, ids: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(BULK_ID, (_all, bulkId: string) => {
      const id = ids.get(bulkId);
      if (id === undefined) throw new ScimError('invalidValue', `bulkId:${bulkId} names no resource created earlier in this request (references must point back to a successful POST)`, 409);
      return id;
    });
  }
  if (Array.isArray(value)) return value.map((v) => resolveBulkIds(v, ids));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveBulkIds(v, ids)]));
  return value;
}

function field(object: Json, name: string): unknown {
  return object[Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name];
}

export const scimBulkRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/Bulk',
    {
      config: { scope: 'write' },
      bodyLimit: BULK_LIMITS.maxPayloadSize,
      attachValidation: true,
      schema: {
        operationId: 'scim_bulk',
        tags: ['scim'],
        consumes: SCIM_CONSUMES,
        produces: SCIM_PRODUCES,
        security: [{ bearer: [] }],
        summary: 'Bulk operations (SCIM, RFC 7644 §3.7)',
        description: `At most ${BULK_LIMITS.maxOperations} operations and ${BULK_LIMITS.maxPayloadSize} bytes (413 above). Operations run in order, each on its own; bulkId references point back to earlier POSTs; failOnErrors stops after that many errors.`,
        body: ScimBulkRequestSchema,
        response: { 200: ScimBulkResponseSchema, ...scimErrors(413, 415) },
      },
    },
    async (request) => {
      const body = request.body;
      if (!isObject(body)) throw new ScimError('invalidSyntax', 'The body must be a BulkRequest: {"schemas": [...BulkRequest], "Operations": [...]}');
      const operations = field(body, 'Operations');
      if (!Array.isArray(operations)) throw new ScimError('invalidSyntax', 'Operations must be a list of {"method", "path", "bulkId", "data"}');
      if (operations.length > BULK_LIMITS.maxOperations) {
        throw new PayloadTooLargeError(`A Bulk request may carry at most ${BULK_LIMITS.maxOperations} operations; this one has ${operations.length}. Split it.`);
      }
      const failOnErrorsRaw = field(body, 'failOnErrors');
      if (failOnErrorsRaw !== undefined && !(Number.isInteger(failOnErrorsRaw) && (failOnErrorsRaw as number) >= 1)) {
        throw new ScimError('invalidValue', 'failOnErrors must be an integer of at least 1');
      }
      const failOnErrors = (failOnErrorsRaw as number | undefined) ?? Number.POSITIVE_INFINITY;
      const ctx = contextOf(request, 'scim');
      // Chained: a later operation may change what an earlier one created (that is what bulkIds are for).
      const batch = services.batches.session(ctx, { dryRun: false, chained: true });
      const ids = new Map<string, string>();
      const results: Json[] = [];
      let errors = 0;
      for (const [index, raw] of operations.entries()) {
        if (errors >= failOnErrors) break;
        const result = await runOne(request, raw, index, { ctx, batch, services }, ids);
        if (Number(result.status) >= 400) errors += 1;
        results.push(result);
      }
      return { schemas: [SCHEMAS.bulkResponse], Operations: results };
    },
  );
};

async function runOne(request: FastifyRequest, raw: unknown, index: number, context: Parameters<BulkHandler['run']>[1], ids: Map<string, string>): Promise<Json> {
  const method = isObject(raw) && typeof field(raw, 'method') === 'string' ? (field(raw, 'method') as string).toUpperCase() : undefined;
  const bulkId = isObject(raw) && typeof field(raw, 'bulkId') === 'string' ? (field(raw, 'bulkId') as string) : undefined;
  const echo = { ...(method ? { method } : {}), ...(bulkId !== undefined ? { bulkId } : {}) };
  try {
    if (!isObject(raw)) throw new ScimError('invalidSyntax', `Operations[${index}] must be an object`);
    if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH' && method !== 'DELETE') throw new ScimError('invalidSyntax', `Operations[${index}].method must be POST, PUT, PATCH or DELETE`);
    if (method === 'POST' && bulkId === undefined) throw new ScimError('invalidSyntax', `Operations[${index}]: a POST needs a bulkId`);
    const path = resolveBulkIds(field(raw, 'path'), ids);
    if (typeof path !== 'string') throw new ScimError('invalidSyntax', `Operations[${index}].path must be a string such as "/Users" or "/Users/<id>"`);
    const [, endpoint = '', id, extra] = path.split('/');
    const handler = BULK_HANDLERS.find((h) => h.endpoint.toLowerCase() === `/${endpoint.toLowerCase()}`);
    if (!handler) throw new ScimError('invalidPath', `Operations[${index}].path "${path.slice(0, 100)}" names no resource endpoint (${BULK_HANDLERS.map((h) => h.endpoint).join(', ')})`);
    if (extra !== undefined || (method === 'POST') !== (id === undefined || id === '')) {
      throw new ScimError('invalidPath', `Operations[${index}].path: POST goes to ${handler.endpoint}, PUT, PATCH and DELETE to ${handler.endpoint}/<id>`);
    }
    const version = field(raw, 'version');
    const expectedVersions = typeof version === 'string' ? (/^(?:W\/)?"(\d{1,15})"$/.exec(version.trim())?.slice(1).map(Number) ?? []) : undefined;
    const data = resolveBulkIds(field(raw, 'data'), ids);
    const outcome = await handler.run({ method, ...(id ? { id: decodeURIComponent(id) } : {}), data, ...(expectedVersions ? { expectedVersions } : {}) }, context);
    if (method === 'POST' && bulkId !== undefined) ids.set(bulkId, outcome.id);
    return {
      ...echo,
      location: locationOf(request, handler.endpoint, outcome.id),
      ...(outcome.version !== undefined ? { version: etagOf(outcome.version) } : {}),
      status: String(outcome.status),
    };
  } catch (error) {
    const domain = toDomainError(error, request.log);
    if (!domain) {
      request.log.error({ err: error }, 'unhandled error in a bulk operation');
      return { ...echo, status: '500', response: { schemas: [SCHEMAS.error], status: '500', detail: 'Internal server error' } };
    }
    // The planner names canonical fields; SCIM's names go in the detail, as the error hook does for routes.
    const named = domain instanceof ValidationError ? new ValidationError(scim.inWireNames(domain.details), domain.message, domain.reason) : domain;
    const { status, body } = scimError(named, scim.wireName);
    return { ...echo, status: String(status), response: body };
  }
}
