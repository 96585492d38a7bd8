/**
 * /scim/v2/Users (RFC 7644 §3) over the shared user service: the mapping is ./user-mapping.ts,
 * PATCH is ./patch.ts run inside the update's transaction on the locked user (one PatchOp, one
 * version, one event).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { PreconditionFailedError } from '../../domain/errors.ts';
import type { User } from '../../domain/user.ts';
import type { Services } from '../../services/index.ts';
import type { PreparedPassword } from '../../services/password-service.ts';
import { DoorWrite } from '../../services/user-service.ts';
import { contextOf } from '../auth.ts';
import { ScimError } from './errors.ts';
import { applyPatch, readPatchOp, type PatchOperation } from './patch.ts';
import { SCHEMAS, USER_RESOURCE } from './schema.ts';
import { userCondition } from './user-filter.ts';
import { fromScimUser, normalizeResource, SCIM_EXTENSION, toScimUser } from './user-mapping.ts';
import { etagOf, filterOf, IdParams, ifMatchVersions, listResponse, ListQuery, locationOf, pagingOf, project, ProjectionQuery, SCIM_CONSUMES, SCIM_PRODUCES, scimErrors } from './wire.ts';
import { ScimUserSchema, ScimListResponseSchema, ScimPatchOpSchema } from './schemas.ts';

const tags = ['scim'];
const security = [{ bearer: [] }];
const USER_SCHEMAS = [SCHEMAS.user, SCHEMAS.enterprise];

export function userLocation(request: FastifyRequest, id: string): string {
  return locationOf(request, '/Users', id);
}

/** The user as SCIM shows it at this request's address. */
export function scimUser(request: FastifyRequest, user: User) {
  return toScimUser(user, userLocation(request, user.id));
}

/** A password in a PatchOp (Okta's password change): taken out, to be hashed before the transaction. */
function takePassword(operations: PatchOperation[]): { operations: PatchOperation[]; password?: string } {
  let password: string | undefined;
  const rest: PatchOperation[] = [];
  for (const operation of operations) {
    if (operation.op !== 'remove' && operation.path?.toLowerCase() === 'password') {
      if (typeof operation.value !== 'string') throw new ScimError('invalidValue', 'password must be a string');
      password = operation.value;
      continue;
    }
    if (operation.op !== 'remove' && operation.path === undefined && typeof operation.value === 'object' && operation.value !== null && !Array.isArray(operation.value)) {
      const value = { ...(operation.value as Record<string, unknown>) };
      const key = Object.keys(value).find((k) => k.toLowerCase() === 'password');
      if (key !== undefined) {
        if (typeof value[key] !== 'string') throw new ScimError('invalidValue', 'password must be a string');
        password = value[key] as string;
        delete value[key];
      }
      rest.push({ ...operation, value });
      continue;
    }
    if (operation.op === 'remove' && operation.path?.toLowerCase() === 'password') throw new ScimError('mutability', 'password cannot be removed; set a new one instead');
    rest.push(operation);
  }
  return { operations: rest, ...(password !== undefined ? { password } : {}) };
}

/** The write of a SCIM User body as a replace of `current` (a PUT, or a PATCH's resulting document). */
export function replaceWrite(body: unknown, current: User): DoorWrite {
  const { patch, residual } = fromScimUser(body, current);
  return new DoorWrite(patch, SCIM_EXTENSION, residual);
}

/** The write of a PatchOp on `current`: the operations on its SCIM document, mapped back as a replace. */
export function patchWrite(current: User, operations: readonly PatchOperation[]): DoorWrite {
  const after = applyPatch(normalizeResource(toScimUser(current, ''), USER_RESOURCE), operations, USER_RESOURCE);
  if (after.userName === undefined || after.userName === null) throw new ScimError('invalidValue', 'userName is required: it can be replaced, not removed');
  return replaceWrite(after, current);
}

export const scimUserRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  async function prepare(password: string | undefined): Promise<PreparedPassword | undefined> {
    return password === undefined ? undefined : services.passwords.prepare({ password });
  }

  app.get(
    '/Users',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        security,
        operationId: 'scim_users_list',
        produces: SCIM_PRODUCES,
        summary: 'List or filter users (SCIM)',
        description: 'RFC 7644 §3.4.2: filter, startIndex, count (at most 200), attributes, excludedAttributes. A filter that matches nothing is a 200 with totalResults 0.',
        querystring: ListQuery,
        response: { 200: ScimListResponseSchema, ...scimErrors() },
      },
    },
    async (request) => {
      const paging = pagingOf(request.query);
      const filter = filterOf(request.query.filter);
      const where = filter ? userCondition(filter) : ({ kind: 'const', value: true } as const);
      const { items, total } = await services.users.query(contextOf(request, 'scim'), where, { offset: paging.startIndex - 1, limit: paging.count });
      return listResponse(
        items.map((user) => project(scimUser(request, user), request.query, USER_SCHEMAS)),
        total,
        paging,
      );
    },
  );

  app.get(
    '/Users/:id',
    {
      config: { scope: 'read' },
      schema: { operationId: 'scim_users_get', tags, security, produces: SCIM_PRODUCES, summary: 'Get a user (SCIM)', params: IdParams, querystring: ProjectionQuery, response: { 200: ScimUserSchema, ...scimErrors(404) } },
    },
    async (request, reply) => {
      const user = await services.users.get(contextOf(request, 'scim'), request.params.id);
      return reply.header('ETag', etagOf(user.version)).send(project(scimUser(request, user), request.query, USER_SCHEMAS));
    },
  );

  app.post(
    '/Users',
    {
      config: { scope: 'write' },
      // The body's shape is checked by the mapping, which answers in SCIM's terms (invalidSyntax, invalidValue).
      attachValidation: true,
      schema: {
        tags,
        security,
        operationId: 'scim_users_create',
        consumes: SCIM_CONSUMES, produces: SCIM_PRODUCES,
        summary: 'Create a user (SCIM)',
        description: 'userName is required; an email-shaped userName becomes the user\'s email. A password, if sent, is set in the same step. 409 uniqueness for a taken userName, email or externalId.',
        body: ScimUserSchema,
        response: { 201: ScimUserSchema, ...scimErrors(409, 413, 415) },
      },
    },
    async (request, reply) => {
      const { patch, residual, password } = fromScimUser(request.body, null);
      const user = await services.users.create(contextOf(request, 'scim'), new DoorWrite(patch, SCIM_EXTENSION, residual), { password: await prepare(password) });
      const location = userLocation(request, user.id);
      return reply.code(201).header('Location', location).header('ETag', etagOf(user.version)).send(scimUser(request, user));
    },
  );

  app.put(
    '/Users/:id',
    {
      config: { scope: 'write' },
      attachValidation: true,
      schema: {
        tags,
        security,
        operationId: 'scim_users_replace',
        consumes: SCIM_CONSUMES, produces: SCIM_PRODUCES,
        summary: 'Replace a user (SCIM)',
        description: 'A full replace: attributes left out are cleared, except active (a PUT without active does not deactivate) and the password. If-Match (weak or strong) is checked.',
        params: IdParams,
        body: ScimUserSchema,
        response: { 200: ScimUserSchema, ...scimErrors(404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      const ctx = contextOf(request, 'scim');
      const id = request.params.id;
      const body = request.body as Record<string, unknown>;
      const password = await (async () => {
        const key = typeof body === 'object' && body !== null ? Object.keys(body).find((k) => k.toLowerCase() === 'password') : undefined;
        if (key === undefined || body[key] === undefined || body[key] === null) return undefined;
        if (typeof body[key] !== 'string') throw new ScimError('invalidValue', 'password must be a string');
        return services.passwords.prepareFor(ctx, id, { password: body[key] });
      })();
      const { user } = await services.users.update(ctx, id, (current) => replaceWrite(body, current), { password, expectedVersions: ifMatchVersions(request) });
      return reply.header('ETag', etagOf(user.version)).send(scimUser(request, user));
    },
  );

  app.patch(
    '/Users/:id',
    {
      config: { scope: 'write' },
      attachValidation: true,
      schema: {
        tags,
        security,
        operationId: 'scim_users_patch',
        consumes: SCIM_CONSUMES, produces: SCIM_PRODUCES,
        summary: 'Patch a user (SCIM PatchOp)',
        description:
          'add, replace, remove in any case; paths with sub-attributes, URNs and value filters (a filter that matches nothing creates the value); ' +
          'path-less values with dotted or URN keys; "True"/"False" for booleans. All operations are one change: one version, one event.',
        params: IdParams,
        body: ScimPatchOpSchema,
        response: { 200: ScimUserSchema, ...scimErrors(404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      const ctx = contextOf(request, 'scim');
      const id = request.params.id;
      const { operations, password: plain } = takePassword(readPatchOp(request.body));
      const password = plain === undefined ? undefined : await services.passwords.prepareFor(ctx, id, { password: plain });
      if (operations.length === 0 && password === undefined) {
        // An empty PatchOp changes nothing (Entra sends them): the user as it is, If-Match still checked.
        const user = await services.users.get(ctx, id);
        const expected = ifMatchVersions(request);
        if (expected && !expected.includes(user.version)) throw new PreconditionFailedError(user.version);
        return reply.header('ETag', etagOf(user.version)).send(scimUser(request, user));
      }
      const { user } = await services.users.update(
        ctx,
        id,
        (current) => patchWrite(current, operations),
        { password, expectedVersions: ifMatchVersions(request) },
      );
      return reply.header('ETag', etagOf(user.version)).send(scimUser(request, user));
    },
  );

  app.delete(
    '/Users/:id',
    {
      config: { scope: 'write' },
      schema: { operationId: 'scim_users_delete', tags, security, produces: SCIM_PRODUCES, summary: 'Delete a user (SCIM)', params: IdParams, response: { 204: Type.Null({ description: 'Deleted' }), ...scimErrors(404, 412) } },
    },
    async (request, reply) => {
      await services.users.delete(contextOf(request, 'scim'), request.params.id, { expectedVersions: ifMatchVersions(request) });
      return reply.code(204).send(null);
    },
  );
};
