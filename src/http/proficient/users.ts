/** /proficient/users/{user_id}: read and update a user as the Proficient seed describes it. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../services/index.ts';
import { contextOf } from '../auth.ts';
import { proficient } from './door.ts';
import { ProficientHeaders, ProficientUserParams, ProficientUserSchema, ProficientUserUpdateSchema, proficientErrors } from './schemas.ts';
import { selfServiceOf } from './self-service.ts';
import { proficientUser } from './wire.ts';

const tags = ['proficient'];
const security = [{ bearer: [] }];
const ACCESS =
  'With a secret key (read scope to get, write to update) any user of the environment. With a publishable key ' +
  '(pk_…) only the user whose external id is sent in X-User-External-Id, and only first_name and last_name.';

export const proficientUserRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/users/:user_id',
    {
      config: { scope: 'read', publishable: true },
      schema: {
        tags,
        security,
        operationId: 'proficient_users_get',
        summary: 'Retrieve a user (Proficient)',
        description: ACCESS,
        params: ProficientUserParams,
        headers: ProficientHeaders,
        response: { 200: ProficientUserSchema, ...proficientErrors() },
      },
    },
    async (request) => {
      const restrictTo = selfServiceOf(request);
      const user = await services.users.get(contextOf(request, 'proficient'), request.params.user_id, restrictTo);
      return proficientUser(user);
    },
  );

  app.post(
    '/users/:user_id',
    {
      config: {
        scope: 'write',
        publishable: true,
        // An end user reaches only their own user, before any stored Idempotency-Key response is replayed.
        authorize: async (request) => {
          const restrictTo = selfServiceOf(request);
          if (restrictTo) await services.users.get(contextOf(request, 'proficient'), (request.params as { user_id: string }).user_id, restrictTo);
        },
      },
      attachValidation: true,
      schema: {
        tags,
        security,
        operationId: 'proficient_users_update',
        summary: 'Update a user (Proficient)',
        description:
          'Updates the properties of the specified user. Only the provided properties will be updated; null clears one. ' +
          'Any other property is refused, never dropped. An update that changes nothing returns the user as it was. ' +
          ACCESS,
        params: ProficientUserParams,
        headers: ProficientHeaders,
        body: ProficientUserUpdateSchema,
        response: { 200: ProficientUserSchema, ...proficientErrors(409) },
      },
    },
    async (request) => {
      const restrictTo = selfServiceOf(request);
      // A publishable key reaching beyond its fields is the service's to refuse (403), not a wire error.
      const patch = proficient.bodyToPatch(request, services.users.fieldErrors, { restrictTo });
      const result = await services.users.update(contextOf(request, 'proficient'), request.params.user_id, patch, restrictTo ? { restrictTo } : {});
      return proficientUser(result.user);
    },
  );
};
