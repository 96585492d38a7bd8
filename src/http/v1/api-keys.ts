/** /v1/api_keys: admin-scoped key management. Secrets are shown once, at creation. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ApiKeyRecord } from '../../store/contract.ts';
import type { Services } from '../../services/index.ts';
import { contextOf } from '../auth.ts';
import { listPage, readCursor } from './cursors.ts';
import { ApiKeySchema, CreateApiKeyBody, CreatedApiKeySchema, v1Errors, KeyIdParams, KeyPageQuery, ListOf } from './schemas.ts';

const tags = ['api keys'];
const security = [{ bearer: [] }];

function keyWire(key: ApiKeyRecord) {
  const { secret_hash: _hash, created_by: _by, user_proof_secret: proofSecret, ...rest } = key;
  return { ...rest, object: 'api_key' as const, require_user_proof: proofSecret !== undefined };
}

export const apiKeyRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/api_keys',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        security,
        operationId: 'api_keys_create',
        summary: 'Create an API key',
        description:
          'The key belongs to the environment of the key that creates it. Secret keys need scopes (read, write, admin); ' +
          'publishable keys (type "publishable") have none and act only for one end user. With require_user_proof, a ' +
          'publishable key accepts an end user only with proof from your backend; its user_proof_secret is shown once.',
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKeySchema, ...v1Errors(400, 413, 415) },
      },
    },
    async (request, reply) => {
      const { key, secret } = await services.apiKeys.create(contextOf(request, 'v1'), request.body);
      return reply.code(201).send({ ...keyWire(key), secret, ...(key.user_proof_secret ? { user_proof_secret: key.user_proof_secret } : {}) });
    },
  );

  app.get(
    '/api_keys',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        security,
        operationId: 'api_keys_list',
        summary: 'List API keys (never their secrets)',
        description: 'In creation order, 100 to a page unless `limit` says otherwise; page with `after` and `before` as on /v1/users.',
        querystring: KeyPageQuery,
        response: { 200: ListOf(ApiKeySchema), ...v1Errors(400) },
      },
    },
    async (request) => {
      const { limit, after, before } = request.query;
      const cursor = readCursor({ after, before }, 'key');
      const page = await services.apiKeys.page(contextOf(request, 'v1'), { limit, ...cursor });
      return listPage(page, cursor, keyWire);
    },
  );

  app.delete(
    '/api_keys/:id',
    {
      config: { scope: 'admin' },
      schema: { tags, security, operationId: 'api_keys_revoke', summary: 'Revoke an API key at once', params: KeyIdParams, response: { 204: Type.Null(), ...v1Errors(404) } },
    },
    async (request, reply) => {
      await services.apiKeys.revoke(contextOf(request, 'v1'), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
