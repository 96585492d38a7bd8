/** /v1/webhook_endpoints: admin-scoped webhook endpoints, their secrets and their deliveries. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Services } from '../../services/index.ts';
import type { DeliveryWithAttempts, WebhookEndpoint } from '../../store/webhook-contract.ts';
import { contextOf } from '../auth.ts';
import { listPage, readCursor } from './cursors.ts';
import { EndpointPageQuery, v1Errors, ListOf } from './schemas.ts';
import {
  CreateEndpointBody,
  DeliveriesQuery,
  DeliveryParams,
  DeliverySchema,
  EndpointParams,
  EndpointWithSecretSchema,
  UpdateEndpointBody,
  WebhookEndpointSchema,
} from './webhook-schemas.ts';

const tags = ['webhooks'];
const security = [{ bearer: [] }];
const config = { scope: 'admin' as const };

function endpointWire(endpoint: WebhookEndpoint) {
  const { secret: _secret, previous_secret: _previous, environment: _env, ...rest } = endpoint;
  return { ...rest, object: 'webhook_endpoint' as const };
}

export function deliveryWire(delivery: DeliveryWithAttempts) {
  return {
    id: delivery.id,
    object: 'webhook_delivery' as const,
    endpoint_id: delivery.endpoint_id,
    event_id: delivery.event_id,
    event_type: delivery.event_type,
    user_id: delivery.user_id,
    status: delivery.state,
    attempt_count: delivery.attempts,
    next_attempt_at: delivery.next_attempt_at,
    attempts: delivery.attempt_log.map((a) => ({
      attempt: a.attempt,
      succeeded: a.succeeded,
      status_code: a.http_status,
      latency_ms: a.latency_ms,
      error: a.error,
      attempted_at: a.created_at,
    })),
    created_at: delivery.created_at,
    updated_at: delivery.updated_at,
  };
}

export const webhookEndpointRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  const webhooks = services.webhooks;

  app.post(
    '/webhook_endpoints',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'webhook_endpoints_create',
        summary: 'Create a webhook endpoint',
        description:
          'Events of the key’s environment are POSTed to the URL from now on. The signing secret is in this response only. ' +
          'The URL must reach a public address (not loopback, private, link-local, CGNAT, multicast…, as written or as its name resolves) ' +
          'and carry no credentials; an environment has at most USERPLANE_WEBHOOK_MAX_ENDPOINTS endpoints (50 by default).',
        body: CreateEndpointBody,
        response: { 201: EndpointWithSecretSchema, ...v1Errors(400, 413, 415) },
      },
    },
    async (request, reply) => {
      const { endpoint, secret } = await webhooks.create(contextOf(request, 'v1'), request.body);
      return reply.code(201).send({ ...endpointWire(endpoint), secret });
    },
  );

  app.get(
    '/webhook_endpoints',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'webhook_endpoints_list',
        summary: 'List webhook endpoints (never their secrets)',
        description: 'Oldest first, 20 to a page unless `limit` says otherwise; page with `after` and `before` as on /v1/users.',
        querystring: EndpointPageQuery,
        response: { 200: ListOf(WebhookEndpointSchema), ...v1Errors(400) },
      },
    },
    async (request) => {
      const { limit, after, before } = request.query;
      const cursor = readCursor({ after, before }, 'whe');
      return listPage(await webhooks.list(contextOf(request, 'v1'), { limit, ...cursor }), cursor, endpointWire);
    },
  );

  app.get(
    '/webhook_endpoints/:id',
    { config, schema: { tags, security, operationId: 'webhook_endpoints_get', summary: 'Get a webhook endpoint', params: EndpointParams, response: { 200: WebhookEndpointSchema, ...v1Errors(404) } } },
    async (request) => endpointWire(await webhooks.get(contextOf(request, 'v1'), request.params.id)),
  );

  app.patch(
    '/webhook_endpoints/:id',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'webhook_endpoints_update',
        summary: 'Change a webhook endpoint',
        description: 'url, description, event_types, enabled, include_imports. Omitted fields stay; the format is fixed at creation.',
        params: EndpointParams,
        body: UpdateEndpointBody,
        response: { 200: WebhookEndpointSchema, ...v1Errors(400, 404, 413, 415) },
      },
    },
    async (request) => endpointWire(await webhooks.update(contextOf(request, 'v1'), request.params.id, request.body)),
  );

  app.delete(
    '/webhook_endpoints/:id',
    {
      config,
      schema: { tags, security, operationId: 'webhook_endpoints_delete', summary: 'Delete a webhook endpoint and its delivery history', params: EndpointParams, response: { 204: Type.Null(), ...v1Errors(404) } },
    },
    async (request, reply) => {
      await webhooks.delete(contextOf(request, 'v1'), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/webhook_endpoints/:id/rotate_secret',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'webhook_endpoints_rotate_secret',
        summary: 'Rotate the signing secret',
        description: 'Returns the new secret, once. For 24 hours deliveries carry signatures with both the old and the new secret.',
        params: EndpointParams,
        response: { 200: EndpointWithSecretSchema, ...v1Errors(404) },
      },
    },
    async (request) => {
      const { endpoint, secret } = await webhooks.rotateSecret(contextOf(request, 'v1'), request.params.id);
      return { ...endpointWire(endpoint), secret };
    },
  );

  app.get(
    '/webhook_endpoints/:id/deliveries',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'webhook_endpoints_deliveries_list',
        summary: 'Deliveries to this endpoint, newest event first, each with its attempts',
        params: EndpointParams,
        querystring: DeliveriesQuery,
        response: {
          200: ListOf(DeliverySchema),
          ...v1Errors(400, 404),
        },
      },
    },
    async (request) => {
      const { limit, after, before, status } = request.query;
      const cursor = readCursor({ after, before }, 'whd');
      const page = await webhooks.deliveries(contextOf(request, 'v1'), request.params.id, { limit, ...cursor, state: status });
      return listPage(page, cursor, deliveryWire);
    },
  );

  app.post(
    '/webhook_endpoints/:id/deliveries/:delivery_id/retry',
    {
      config,
      schema: {
        tags,
        security,
        operationId: 'webhook_endpoints_deliveries_retry',
        summary: 'Deliver again',
        description: 'Queues the delivery at once with a fresh retry window, whatever its status; the answer is 202 and the attempt follows.',
        params: DeliveryParams,
        response: { 202: DeliverySchema, ...v1Errors(404) },
      },
    },
    async (request, reply) => {
      const delivery = await webhooks.retry(contextOf(request, 'v1'), request.params.id, request.params.delivery_id);
      return reply.code(202).send(deliveryWire(delivery));
    },
  );
};
