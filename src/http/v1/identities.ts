/** /v1/users/{id}/identities: accounts at identity providers linked to the user (issue 3). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Identity } from '../../store/contract.ts';
import type { Services } from '../../services/index.ts';
import { contextOf } from '../auth.ts';
import { Nullable, named } from '../schemas.ts';
import { v1Errors, UserIdParams } from './schemas.ts';

const tags = ['identities'];
const security = [{ bearer: [] }];

export const IdentitySchema = named('Identity', Type.Object({
  id: Type.String(),
  object: Type.Literal('identity'),
  user_id: Type.String(),
  provider: Type.String(),
  provider_user_id: Type.String(),
  email: Nullable(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
}));

export function identityWire(identity: Identity) {
  const { environment: _env, ...rest } = identity;
  return { ...rest, object: 'identity' as const };
}

export const identityRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/users/:id/identities',
    {
      config: { scope: 'read' },
      schema: { tags, security, operationId: 'users_identities_list', summary: "A user's linked identities", params: UserIdParams, response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(IdentitySchema) }), ...v1Errors(404) } },
    },
    async (request) => {
      const identities = await services.identities.list(contextOf(request, 'v1'), request.params.id);
      return { object: 'list' as const, data: identities.map(identityWire) };
    },
  );

  app.post(
    '/users/:id/identities',
    {
      config: { scope: 'write' },
      schema: {
        tags,
        security,
        operationId: 'users_identities_link',
        summary: 'Link an identity',
        description: 'Unique per (environment, provider, provider_user_id): 409 if already linked. Unlinked automatically when the user\'s email changes to a different address.',
        params: UserIdParams,
        body: named(
          'IdentityLink',
          Type.Object(
            { provider: Type.String({ minLength: 1, maxLength: 64 }), provider_user_id: Type.String({ minLength: 1, maxLength: 256 }), email: Type.String({ maxLength: 254 }) },
            { additionalProperties: false },
          ),
        ),
        response: { 201: IdentitySchema, ...v1Errors(400, 404, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const identity = await services.identities.link(contextOf(request, 'v1'), request.params.id, request.body);
      return reply.code(201).send(identityWire(identity));
    },
  );

  app.delete(
    '/users/:id/identities/:identity_id',
    {
      config: { scope: 'write' },
      schema: {
        tags,
        security,
        operationId: 'users_identities_unlink',
        summary: 'Unlink an identity',
        params: Type.Object({ id: Type.String(), identity_id: Type.String() }),
        response: { 204: Type.Null(), ...v1Errors(404) },
      },
    },
    async (request, reply) => {
      await services.identities.unlink(contextOf(request, 'v1'), request.params.id, request.params.identity_id);
      return reply.code(204).send(null);
    },
  );
};
