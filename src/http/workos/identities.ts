/** A user's linked identities as WorkOS lists them (contract §2), over the shared identity service. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Services } from '../../services/index.ts';
import { contextOf } from '../auth.ts';
import { toCanonicalUserId } from '../../formats/workos-user.ts';
import { IdentitySchema, UserIdParams, workosErrors } from './schemas.ts';
import { workosIdentity } from './wire.ts';

const security = [{ bearer: [] }];

export const workosIdentityRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/users/:id/identities',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['workos'],
        security,
        operationId: 'workos_users_identities_list',
        summary: "A user's linked identities (WorkOS getUserIdentities)",
        description: 'A bare array, oldest first. Identities are linked through POST /v1/users/{id}/identities.',
        params: UserIdParams,
        response: { 200: Type.Array(IdentitySchema), ...workosErrors(404) },
      },
    },
    async (request) => {
      const identities = await services.identities.list(contextOf(request, 'workos'), toCanonicalUserId(request.params.id));
      return identities.map(workosIdentity);
    },
  );
};
