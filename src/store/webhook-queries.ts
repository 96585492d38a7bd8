/** Webhook endpoints, and the queueing of deliveries when an event is appended. */
import { sql, type Kysely } from 'kysely';
import { newId } from '../domain/ids.ts';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhooks.ts';
import type { Capabilities } from './capabilities.ts';
import type { Database } from './schema.ts';
import type { QueuedEvent, WebhookEndpoint, WebhookQueries } from './webhook-contract.ts';
import { createDeliveryQueries } from './webhook-delivery-queries.ts';
import { runPrepared } from './prepared.ts';
import { fromEndpointRow } from './webhook-rows.ts';
import { pageOf, walkOf } from './paging.ts';

/** An enabled endpoint of the event's environment, with the event types it takes (JSON; [] for all). */
export interface EndpointSubscription {
  id: string;
  event_types: string;
  include_imports: number | string;
}

/** The enabled endpoints of an environment: read on every write, so compiled once (./prepared.ts). */
export function subscribedEndpoints(db: Kysely<Database>, caps: Capabilities, environment: string): Promise<EndpointSubscription[]> {
  return runPrepared(
    db,
    caps,
    'webhooks.subscribedEndpoints',
    () => db.selectFrom('webhook_endpoints').select(['id', 'event_types', 'include_imports']).where('environment', '=', environment).where('enabled', '=', 1),
    [environment, 1],
  );
}

/** The endpoints that take events of this type (an empty list of types takes every type). */
export function takingType(endpoints: EndpointSubscription[], type: string): EndpointSubscription[] {
  return endpoints.filter((e) => {
    const types = JSON.parse(e.event_types) as string[];
    // No list means every type an endpoint can subscribe to, not every type recorded (audit
    // entries such as user.exported are read through the feed, never pushed).
    return types.length === 0 ? (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type) : types.includes(type);
  });
}

/** The endpoints an event of this type is delivered to: none for an audit-only type, and an import's events skip endpoints that opted out of them. */
export function queuedFor(endpoints: EndpointSubscription[], type: string, bulk: boolean | undefined): EndpointSubscription[] {
  // "Every type" means every webhook event type: an audit-only event (users.exported) goes to no endpoint.
  if (!(WEBHOOK_EVENT_TYPES as readonly string[]).includes(type)) return [];
  return takingType(endpoints, type).filter((e) => !(bulk && Number(e.include_imports) === 0));
}

/** The enabled endpoints of an environment and the version they are at, read in one statement (./endpoint-cache.ts). */
export async function readEndpoints(db: Kysely<Database>, caps: Capabilities, environment: string): Promise<{ version: number; endpoints: EndpointSubscription[] }> {
  const rows = await runPrepared(
    db,
    caps,
    'webhooks.endpointsWithVersion',
    () =>
      db
        .selectFrom('webhook_endpoint_version as v')
        .leftJoin('webhook_endpoints as w', (join) => join.on('w.environment', '=', environment).on('w.enabled', '=', 1))
        .select(['v.version', 'w.id', 'w.event_types', 'w.include_imports'])
        .where('v.id', '=', 1),
    [environment, 1, 1],
  );
  return { version: Number(rows[0]?.version ?? 0), endpoints: rows.filter((r): r is typeof r & EndpointSubscription => r.id !== null && r.event_types !== null) };
}

/** Every environment's enabled endpoints and their version, in one statement: a reload of the whole cache. */
export async function readAllEndpoints(db: Kysely<Database>): Promise<{ version: number; rows: (EndpointSubscription & { environment: string })[] }> {
  const rows = await db
    .selectFrom('webhook_endpoint_version as v')
    .leftJoin('webhook_endpoints as w', (join) => join.on('w.enabled', '=', 1))
    .select(['v.version', 'w.environment', 'w.id', 'w.event_types', 'w.include_imports'])
    .where('v.id', '=', 1)
    .execute();
  return {
    version: Number(rows[0]?.version ?? 0),
    rows: rows.filter((r): r is typeof r & EndpointSubscription & { environment: string } => r.id !== null && r.event_types !== null && r.environment !== null),
  };
}

/**
 * The outbox write: one pending delivery per endpoint of `endpoints` (the enabled ones of the
 * event's environment) that takes its type. Runs in the event's transaction, so an event is
 * queued exactly when it commits.
 */
export async function queueDeliveries(db: Kysely<Database>, event: QueuedEvent, endpoints: EndpointSubscription[]): Promise<void> {
  await queueDeliveriesOfMany(db, [event], endpoints);
}

/** Deliveries per statement of queueDeliveriesOfMany: 200 × 16 columns, under every parameter limit. */
const DELIVERIES_PER_STATEMENT = 200;

/** queueDeliveries for many events of one environment, a few statements for all of them. */
export async function queueDeliveriesOfMany(db: Kysely<Database>, events: readonly QueuedEvent[], endpoints: EndpointSubscription[]): Promise<void> {
  if (endpoints.length === 0) return;
  const rows: Array<Record<string, unknown>> = [];
  for (const event of events) {
    for (const endpoint of queuedFor(endpoints, event.type, event.bulk)) {
      rows.push({
        id: newId('whd'),
        endpoint_id: endpoint.id,
        environment: event.environment,
        event_seq: event.seq,
        event_id: event.id,
        event_type: event.type,
        user_id: event.user_id,
        state: 'pending',
        attempts: 0,
        next_attempt_at: event.created_at,
        retry_from: event.created_at,
        lease_owner: null,
        lease_until: null,
        created_at: event.created_at,
        updated_at: event.created_at,
        bulk: event.bulk ? 1 : 0,
      });
    }
  }
  for (let from = 0; from < rows.length; from += DELIVERIES_PER_STATEMENT) {
    await db
      .insertInto('webhook_deliveries')
      .values(rows.slice(from, from + DELIVERIES_PER_STATEMENT) as never)
      .execute();
  }
}

async function insertEndpoint(db: Kysely<Database>, endpoint: WebhookEndpoint): Promise<void> {
  await db
    .insertInto('webhook_endpoints')
    .values({ ...endpoint, event_types: JSON.stringify(endpoint.event_types), enabled: endpoint.enabled ? 1 : 0, include_imports: endpoint.include_imports ? 1 : 0 })
    .execute();
}

async function countEndpoints(db: Kysely<Database>, environment: string): Promise<number> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('environment', '=', environment)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function createWebhookQueries(db: Kysely<Database>, caps: Capabilities): WebhookQueries {
  return {
    insertEndpoint: (endpoint) => insertEndpoint(db, endpoint),

    async findEndpoint(environment, id) {
      const row = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('environment', '=', environment).executeTakeFirst();
      return row ? fromEndpointRow(row) : null;
    },

    async listEndpoints(environment, page) {
      const walk = walkOf(page);
      const rows = await db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('environment', '=', environment)
        .$if(walk.cursor !== undefined, (q) => q.where('id', walk.past, walk.cursor!))
        .orderBy('id', walk.walk)
        .limit(page.limit + 1)
        .execute();
      return pageOf(rows, page.limit, walk, fromEndpointRow);
    },

    countEndpoints: (environment) => countEndpoints(db, environment),

    async insertEndpointWithin(endpoint, max) {
      // SQLite writes one transaction at a time already; PostgreSQL takes turns per environment.
      if (caps.advisoryTransactionLocks) await sql`select pg_advisory_xact_lock(hashtext(${`userplane.webhook_endpoints.${endpoint.environment}`}))`.execute(db);
      if ((await countEndpoints(db, endpoint.environment)) >= max) return false;
      await insertEndpoint(db, endpoint);
      return true;
    },

    async updateEndpoint(environment, id, changes) {
      const { event_types, enabled, include_imports, ...rest } = changes;
      const result = await db
        .updateTable('webhook_endpoints')
        .set({
          ...rest,
          ...(event_types !== undefined ? { event_types: JSON.stringify(event_types) } : {}),
          ...(enabled !== undefined ? { enabled: enabled ? 1 : 0 } : {}),
          ...(include_imports !== undefined ? { include_imports: include_imports ? 1 : 0 } : {}),
        })
        .where('id', '=', id)
        .where('environment', '=', environment)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async deleteEndpoint(environment, id) {
      const result = await db.deleteFrom('webhook_endpoints').where('id', '=', id).where('environment', '=', environment).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async markEndpointFailing(endpointId, reason, at) {
      await db
        .updateTable('webhook_endpoints')
        .set((eb) => ({
          status: 'failing',
          failure_reason: reason,
          failing_since: eb.fn.coalesce('failing_since', eb.val(at)),
          updated_at: at,
        }))
        .where('id', '=', endpointId)
        .execute();
    },

    async markEndpointHealthy(endpointId, at) {
      await db
        .updateTable('webhook_endpoints')
        .set({ status: 'healthy', failure_reason: null, failing_since: null, updated_at: at })
        .where('id', '=', endpointId)
        .where('status', '=', 'failing')
        .execute();
    },

    ...createDeliveryQueries(db, caps),
  };
}
