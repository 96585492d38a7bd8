/**
 * /klaim/users: Klaim's user API (seed 002). The path's user_id is the client's own id (canonical
 * external_id); each route finds the user by it, then acts through the shared services by id.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { etagFor } from '../../domain/user.ts';
import type { Services } from '../../services/index.ts';
import { contextOf } from '../auth.ts';
import { expectedVersions } from '../preconditions.ts';
import { KlaimCreateBody, klaimErrors, KlaimUpdateBody, KlaimUserIdParams, KlaimUserSchema } from './schemas.ts';
import { klaim } from './door.ts';
import { generateUserId, klaimUser, MESSAGES } from './wire.ts';

const tags = ['klaim'];
const security = [{ bearer: [] }];
const ifMatch = { type: 'object', properties: { 'if-match': { type: 'string', description: 'ETag of the version you read' } } };

export const klaimUserRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/users',
    {
      config: { scope: 'write' },
      attachValidation: true,
      schema: {
        tags,
        security,
        operationId: 'klaim_users_create',
        summary: 'Create a user',
        description: 'Every field is optional; without user_id a ULID is generated. Answers 201 with message "create resource successfully".',
        body: KlaimCreateBody,
        response: { 201: KlaimUserSchema, ...klaimErrors(400, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const input = { ...klaim.bodyToPatch(request, services.users.fieldErrors), external_id: request.body.user_id ?? generateUserId() };
      const user = await services.users.create(contextOf(request, 'klaim'), input);
      return reply.code(201).header('ETag', etagFor(user)).send(klaimUser(user, MESSAGES.created));
    },
  );

  app.get(
    '/users/:user_id',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        security,
        operationId: 'klaim_users_get',
        summary: 'Get a user by user_id',
        params: KlaimUserIdParams,
        response: { 200: KlaimUserSchema, ...klaimErrors(404) },
      },
    },
    async (request, reply) => {
      const user = await services.users.getByExternalId(contextOf(request, 'klaim'), request.params.user_id);
      return reply.header('ETag', etagFor(user)).send(klaimUser(user, MESSAGES.fetched));
    },
  );

  app.put(
    '/users/:user_id',
    {
      config: { scope: 'write' },
      attachValidation: true,
      schema: {
        tags,
        security,
        operationId: 'klaim_users_update',
        summary: 'Update user profile',
        description:
          'A partial update despite the verb: omitted fields stay as they are. user_id in the body renames the user. ' +
          'metadata is merged (a null value deletes its key). If-Match with a stale ETag is refused with 412.',
        params: KlaimUserIdParams,
        headers: ifMatch,
        body: KlaimUpdateBody,
        response: { 200: KlaimUserSchema, ...klaimErrors(400, 404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      const patch = klaim.bodyToPatch(request, services.users.fieldErrors);
      const ctx = contextOf(request, 'klaim');
      const current = await services.users.getByExternalId(ctx, request.params.user_id);
      const result = await services.users.update(ctx, current.id, patch, { expectedVersions: expectedVersions(request.headers['if-match']) });
      return reply.header('ETag', etagFor(result.user)).send(klaimUser(result.user, MESSAGES.fetched));
    },
  );

  app.delete(
    '/users/:user_id',
    {
      config: { scope: 'write' },
      schema: {
        tags,
        security,
        operationId: 'klaim_users_delete',
        summary: 'Delete a user',
        description: 'Answers with the user as it was and message "delete resource successfully".',
        params: KlaimUserIdParams,
        headers: ifMatch,
        response: { 200: KlaimUserSchema, ...klaimErrors(404, 412) },
      },
    },
    async (request) => {
      const ctx = contextOf(request, 'klaim');
      const current = await services.users.getByExternalId(ctx, request.params.user_id);
      const user = await services.users.delete(ctx, current.id, { expectedVersions: expectedVersions(request.headers['if-match']) });
      return klaimUser(user, MESSAGES.deleted);
    },
  );
};
