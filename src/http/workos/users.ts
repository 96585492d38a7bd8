/**
 * /user_management/users: WorkOS's user calls (contract §2) over the shared user service. The
 * email-change rule, uniqueness and field rules are the service's; this module maps the wire.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { NotFoundError, ValidationError } from '../../domain/errors.ts';
import type { Services } from '../../services/index.ts';
import { contextOf } from '../auth.ts';
import { workos } from './door.ts';
import { isUserId, toCanonicalUserId, toWorkosUserId, workosUser } from '../../formats/workos-user.ts';
import { WORKOS_METADATA_LIMITS } from './metadata.ts';
import {
  CreateUserBody,
  ExternalIdParams,
  ListUsersQuery,
  UpdateUserBody,
  UserIdParams,
  UserListSchema,
  workosErrors,
  WorkosUserSchema,
} from './schemas.ts';
import { createMetadata, passwordOf, updateMetadata } from './wire.ts';

const tags = ['workos'];
const security = [{ bearer: [] }];
const metadataMaxKeys = WORKOS_METADATA_LIMITS.maxKeys;

export const workosUserRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/users',
    {
      config: { scope: 'write', workosOperation: 'create_user' },
      attachValidation: true,
      schema: {
        tags,
        security,
        operationId: 'workos_users_create',
        summary: 'Create a user (WorkOS createUser)',
        description: 'email is required. password, or password_hash with password_hash_type, sets a password in the same step.',
        body: CreateUserBody,
        response: { 201: WorkosUserSchema, ...workosErrors(400, 413, 415) },
      },
    },
    async (request, reply) => {
      const input = { ...workos.bodyToPatch(request, services.users.fieldErrors), ...createMetadata(request.body) };
      const password = await passwordOf(request.body, services.passwords.prepare);
      const user = await services.users.create(contextOf(request, 'workos'), input, { password, metadataMaxKeys });
      return reply.code(201).send(workosUser(user));
    },
  );

  app.get(
    '/users',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        security,
        operationId: 'workos_users_list',
        summary: 'List users (WorkOS listUsers)',
        description:
          'Newest first by default (order=desc; normal means desc too). Pass list_metadata.after back as `after` for the next page, ' +
          'or list_metadata.before as `before` for the previous one. organization_id always gives an empty list: Userplane has no organizations.',
        querystring: ListUsersQuery,
        response: { 200: UserListSchema, ...workosErrors() },
      },
    },
    async (request) => {
      const { email, organization_id, organization, limit, before, after, order } = request.query;
      const cursors = { before, after };
      for (const [name, cursor] of Object.entries(cursors)) {
        if (cursor !== undefined && !isUserId(cursor)) throw ValidationError.field(name, 'Must be a user id (user_…)');
      }
      if (before !== undefined && after !== undefined) throw ValidationError.field('before', 'Send before or after, not both');
      const ctx = contextOf(request, 'workos');
      if (organization_id !== undefined || organization !== undefined) {
        return { object: 'list' as const, data: [], list_metadata: { before: null, after: null } };
      }
      const page = await services.users.list(ctx, email === undefined ? {} : { email }, {
        limit,
        order: order === 'asc' ? 'asc' : 'desc',
        after: after === undefined ? undefined : toCanonicalUserId(after),
        before: before === undefined ? undefined : toCanonicalUserId(before),
      });
      const first = page.items[0];
      const last = page.items.at(-1);
      // Going backwards, hasMore is about what precedes the page, and the cursor itself follows it.
      const morePrevious = before !== undefined ? page.hasMore : after !== undefined;
      const moreNext = before !== undefined ? true : page.hasMore;
      return {
        object: 'list' as const,
        data: page.items.map(workosUser),
        list_metadata: {
          before: morePrevious && first ? toWorkosUserId(first.id) : null,
          after: moreNext && last ? toWorkosUserId(last.id) : null,
        },
      };
    },
  );

  app.get(
    '/users/:id',
    {
      config: { scope: 'read' },
      schema: { tags, security, operationId: 'workos_users_get', summary: 'Get a user (WorkOS getUser)', params: UserIdParams, response: { 200: WorkosUserSchema, ...workosErrors(404) } },
    },
    async (request) => workosUser(await services.users.get(contextOf(request, 'workos'), toCanonicalUserId(request.params.id))),
  );

  app.get(
    '/users/external_id/:external_id',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        security,
        operationId: 'workos_users_get_by_external_id',
        summary: 'Get a user by external id (WorkOS getUserByExternalId)',
        params: ExternalIdParams,
        response: { 200: WorkosUserSchema, ...workosErrors(404) },
      },
    },
    async (request) => {
      const externalId = request.params.external_id;
      try {
        return workosUser(await services.users.getByExternalId(contextOf(request, 'workos'), externalId));
      } catch (error) {
        // The message names the external id as sent, never a user id form of it.
        if (error instanceof NotFoundError) throw new NotFoundError('user', undefined, `User not found: '${externalId}'.`);
        throw error;
      }
    },
  );

  app.put(
    '/users/:id',
    {
      config: { scope: 'write', workosOperation: 'update_user' },
      attachValidation: true,
      schema: {
        tags,
        security,
        operationId: 'workos_users_update',
        summary: 'Update a user (WorkOS updateUser)',
        description:
          'Omitted fields stay as they are. A new email sets email_verified to false (unless this request sets it true) and ' +
          'unlinks identities whose email differs. metadata is merged: a null value deletes its key, {} deletes every key.',
        params: UserIdParams,
        body: UpdateUserBody,
        response: { 200: WorkosUserSchema, ...workosErrors(400, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const patch = { ...workos.bodyToPatch(request, services.users.fieldErrors), ...updateMetadata(request.body) };
      const ctx = contextOf(request, 'workos');
      const id = toCanonicalUserId(request.params.id);
      const password = await passwordOf(request.body, (input) => services.passwords.prepareFor(ctx, id, input));
      // WorkOS's key limit is checked by the planner against the user as it is in the update's transaction.
      const { user } = await services.users.update(ctx, id, patch, { password, metadataMaxKeys });
      return workosUser(user);
    },
  );

  app.delete(
    '/users/:id',
    {
      config: { scope: 'write' },
      schema: { tags, security, operationId: 'workos_users_delete', summary: 'Delete a user (WorkOS deleteUser)', params: UserIdParams, response: { 204: Type.Null({ description: 'Deleted' }), ...workosErrors(404) } },
    },
    async (request, reply) => {
      await services.users.delete(contextOf(request, 'workos'), toCanonicalUserId(request.params.id));
      return reply.code(204).send(null);
    },
  );
};
