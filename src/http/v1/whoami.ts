/** /v1/whoami: the credential a request is using. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { contextOf } from '../auth.ts';
import { v1Errors } from './schemas.ts';

// Listed with the key routes in the OpenAPI document, as it always was.
const tags = ['api keys'];
const security = [{ bearer: [] }];

export const whoamiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/whoami',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        security,
        operationId: 'whoami',
        summary: 'The credential this request is using',
        response: { 200: Type.Object({ key_id: Type.String(), environment: Type.String(), scopes: Type.Array(Type.String()) }), ...v1Errors() },
      },
    },
    async (request) => {
      const ctx = contextOf(request, 'v1');
      return { key_id: ctx.actor, environment: ctx.environment, scopes: [...(request.principal?.scopes ?? [])] };
    },
  );
};
