/**
 * Webhook endpoints (admin): create with a signing secret shown once, change, rotate the secret,
 * delete; and what an admin needs when deliveries fail: the attempts, and a way to send again.
 */
import { randomBytes } from 'node:crypto';
import { BadRequestError, NotFoundError, ValidationError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import {
  checkWebhookEndpoint,
  SECRET_ROTATION_OVERLAP_MS,
  type WebhookDeliveryState,
  type WebhookEndpointInput,
  type WebhookEventType,
  type WebhookFormatName,
} from '../domain/webhooks.ts';
import type { ListPage, Store } from '../store/contract.ts';
import type { DeliveryWithAttempts, WebhookEndpoint, WebhookEndpointChanges } from '../store/webhook-contract.ts';
import { endpointUrlProblem, type Resolver } from '../webhooks/safe-lookup.ts';
import type { Clock, RequestContext } from './context.ts';

/** What endpoints may be: where they point, and how many an environment has (issue 12). */
export interface EndpointPolicy {
  /** Let URLs reach loopback, private, link-local… addresses (development and tests). */
  allowPrivateNetworks?: boolean;
  /** Endpoints per environment; 50 by default. */
  maxEndpoints?: number;
  /** DNS used to check a URL's name; tests inject one. */
  resolve?: Resolver;
}

export const DEFAULT_MAX_ENDPOINTS = 50;

export interface CreatedEndpoint {
  endpoint: WebhookEndpoint;
  /** The signing secret; returned by create and rotate only. */
  secret: string;
}

/** Standard Webhooks secrets are `whsec_` + base64 of 24–64 random bytes; 32 here. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export function createWebhookService(store: Store, clock: Clock, policy: EndpointPolicy = {}) {
  const maxEndpoints = policy.maxEndpoints ?? DEFAULT_MAX_ENDPOINTS;

  /** Refuses a URL that reaches inside the network, as written or as its name resolves now (delivery checks again). */
  async function checkTarget(url: string): Promise<void> {
    if (policy.allowPrivateNetworks) return;
    const problem = await endpointUrlProblem(url, policy.resolve);
    if (problem) throw new ValidationError({ url: [problem] }, 'Invalid request parameters', 'webhook_url_not_allowed');
  }

  async function find(ctx: RequestContext, id: string): Promise<WebhookEndpoint> {
    const endpoint = await store.webhooks.findEndpoint(ctx.environment, id);
    if (!endpoint) throw new NotFoundError('webhook_endpoint', id);
    return endpoint;
  }

  async function change(ctx: RequestContext, id: string, changes: WebhookEndpointChanges): Promise<WebhookEndpoint> {
    if (!(await store.webhooks.updateEndpoint(ctx.environment, id, changes))) throw new NotFoundError('webhook_endpoint', id);
    return find(ctx, id);
  }

  return {
    async create(ctx: RequestContext, input: WebhookEndpointInput): Promise<CreatedEndpoint> {
      if (input.url === undefined) throw ValidationError.field('url', 'Is required');
      checkWebhookEndpoint(input);
      await checkTarget(input.url);
      const now = clock().toISOString();
      const endpoint: WebhookEndpoint = {
        id: newId('whe'),
        environment: ctx.environment,
        url: input.url,
        description: input.description ?? null,
        event_types: (input.event_types ?? []) as WebhookEventType[],
        format: (input.format ?? 'standard') as WebhookFormatName,
        enabled: input.enabled ?? true,
        include_imports: input.include_imports ?? true,
        secret: newSecret(),
        previous_secret: null,
        previous_secret_expires_at: null,
        status: 'healthy',
        failure_reason: null,
        failing_since: null,
        created_at: now,
        updated_at: now,
      };
      if (!(await store.transaction((tx) => tx.webhooks.insertEndpointWithin(endpoint, maxEndpoints)))) {
        throw new BadRequestError(`This environment already has ${maxEndpoints} webhook endpoints, the most it may have; delete one first`, 'webhook_endpoint_limit');
      }
      return { endpoint, secret: endpoint.secret };
    },

    /** Oldest first, a page at a time after (or before) the cursor endpoint id. */
    list: (ctx: RequestContext, page: { limit: number; after?: string; before?: string }): Promise<ListPage<WebhookEndpoint>> =>
      store.webhooks.listEndpoints(ctx.environment, page),

    get: find,

    /** The format is fixed at creation: a receiver parses one shape. */
    async update(ctx: RequestContext, id: string, patch: Omit<WebhookEndpointInput, 'format'>): Promise<WebhookEndpoint> {
      checkWebhookEndpoint(patch);
      if (patch.url !== undefined) await checkTarget(patch.url);
      const changes: WebhookEndpointChanges = { updated_at: clock().toISOString() };
      if (patch.url !== undefined) changes.url = patch.url;
      if (patch.description !== undefined) changes.description = patch.description;
      if (patch.event_types !== undefined) changes.event_types = patch.event_types as WebhookEventType[];
      if (patch.enabled !== undefined) changes.enabled = patch.enabled;
      if (patch.include_imports !== undefined) changes.include_imports = patch.include_imports;
      return change(ctx, id, changes);
    },

    async delete(ctx: RequestContext, id: string): Promise<void> {
      if (!(await store.webhooks.deleteEndpoint(ctx.environment, id))) throw new NotFoundError('webhook_endpoint', id);
    },

    /** A new secret; the current one keeps signing beside it for 24 hours (a second rotation ends that at once). */
    async rotateSecret(ctx: RequestContext, id: string): Promise<CreatedEndpoint> {
      const current = await find(ctx, id);
      const now = clock();
      const secret = newSecret();
      const endpoint = await change(ctx, id, {
        secret,
        previous_secret: current.secret,
        previous_secret_expires_at: new Date(now.getTime() + SECRET_ROTATION_OVERLAP_MS).toISOString(),
        updated_at: now.toISOString(),
      });
      return { endpoint, secret };
    },

    async deliveries(
      ctx: RequestContext,
      endpointId: string,
      page: { limit: number; after?: string; before?: string; state?: WebhookDeliveryState },
    ): Promise<ListPage<DeliveryWithAttempts>> {
      await find(ctx, endpointId);
      const result = await store.webhooks.listDeliveries(ctx.environment, endpointId, page);
      const cursor = page.after ?? page.before;
      // An empty page from a cursor that is no delivery of this endpoint is a bad request, not the end.
      if (result.items.length === 0 && cursor !== undefined && !(await store.webhooks.findDelivery(ctx.environment, endpointId, cursor))) {
        throw ValidationError.field(page.after !== undefined ? 'after' : 'before', "Is not a cursor of this list: expected the id of one of this endpoint's deliveries");
      }
      return result;
    },

    /** Sends the delivery again as soon as a worker is free (after any earlier event of the same user), with a fresh retry window. */
    async retry(ctx: RequestContext, endpointId: string, deliveryId: string): Promise<DeliveryWithAttempts> {
      await find(ctx, endpointId);
      if (!(await store.webhooks.requeue(ctx.environment, endpointId, deliveryId, clock().toISOString()))) {
        throw new NotFoundError('webhook_delivery', deliveryId);
      }
      const delivery = await store.webhooks.findDelivery(ctx.environment, endpointId, deliveryId);
      if (!delivery) throw new NotFoundError('webhook_delivery', deliveryId);
      return delivery;
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
