/** /stateset/v1/users/:id: StateSet's get and update user (seed 004) over the shared user service. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { etagFor } from '../../domain/user.ts';
import type { Services } from '../../services/index.ts';
import { contextOf } from '../auth.ts';
import { expectedVersions } from '../preconditions.ts';
import { statesetErrors, UpdateUserBody, UserIdParams, UserSchema } from './schemas.ts';
import { stateset } from './door.ts';
import { statesetUser } from './wire.ts';

const tags = ['stateset'];
const security = [{ bearer: [] }];

export const statesetUserRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/v1/users/:id',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        security,
        operationId: 'stateset_users_get',
        summary: 'Get a user (StateSet)',
        description: 'The user in StateSet field names. Authorization: Token <key> or Bearer <key>.',
        params: UserIdParams,
        response: { 200: UserSchema, ...statesetErrors(404) },
      },
    },
    async (request, reply) => {
      const user = await services.users.get(contextOf(request, 'stateset'), request.params.id);
      return reply.header('ETag', etagFor(user)).send(statesetUser(user));
    },
  );

  app.put(
    '/v1/users/:id',
    {
      config: { scope: 'write' },
      attachValidation: true,
      schema: {
        tags,
        security,
        operationId: 'stateset_users_update',
        summary: 'Update a user (StateSet)',
        description:
          'A partial update: omitted fields stay as they are, null clears a field (active cannot be null). ' +
          'An id in the body must equal the one in the path. Send If-Match with the ETag you read to be ' +
          'refused (412) if the user changed meanwhile.',
        params: UserIdParams,
        headers: { type: 'object', properties: { 'if-match': { type: 'string', description: 'ETag of the version you read' } } },
        body: UpdateUserBody,
        response: { 200: UserSchema, ...statesetErrors(400, 404, 409, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      const patch = stateset.bodyToPatch(request, services.users.fieldErrors);
      const result = await services.users.update(contextOf(request, 'stateset'), request.params.id, patch, {
        expectedVersions: expectedVersions(request.headers['if-match']),
      });
      return reply.header('ETag', etagFor(result.user)).send(statesetUser(result.user));
    },
  );
};
