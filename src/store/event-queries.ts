import type { Kysely } from 'kysely';
import { newId } from '../domain/ids.ts';
import type { Capabilities } from './capabilities.ts';
import type { EventQueries, UserEvent } from './contract.ts';
import type { EndpointCache } from './endpoint-cache.ts';
import { runPrepared, runStatement } from './prepared.ts';
import type { Database } from './schema.ts';
import { queueDeliveries, queuedFor, readEndpoints, subscribedEndpoints, takingType, type EndpointSubscription } from './webhook-queries.ts';
import { fromEventRow } from './webhook-rows.ts';

export function createEventQueries(db: Kysely<Database>, caps: Capabilities, cache: EndpointCache): EventQueries {
  return {
    async append(event) {
      const { bulk, ...stored } = event;
      const row = {
        id: stored.id,
        environment: event.environment,
        user_id: event.user_id,
        type: event.type,
        actor: event.actor,
        request_id: event.request_id,
        door: event.door,
        changes: JSON.stringify(event.changes),
        created_at: event.created_at,
      };
      // The snapshot (the whole user, for webhook payloads) is kept only when an enabled endpoint
      // takes this type, so it agrees with the deliveries queued.
      const snapshotFor = (endpoints: EndpointSubscription[]) => (event.snapshot && takingType(endpoints, event.type).length > 0 ? JSON.stringify(event.snapshot) : null);
      if (caps.dataModifyingCte) {
        // One round trip: the event, its deliveries to the cached endpoints, and the endpoints'
        // version read in the same statement; the deliveries are inserted only if that version is
        // still the cached one. Otherwise (rare: a change this process has not heard of yet) the
        // endpoints are read again in this transaction and the event gets what it is owed.
        const known = cache.latest(event.environment);
        const queued = known ? queuedFor(known.endpoints, event.type, bulk) : [];
        const snapshot = known ? snapshotFor(known.endpoints) : null;
        const [inserted] = await runStatement<{ seq: string | number; version: string | number | null }>(db, APPEND_QUEUEING, [
          ...Object.values(row),
          snapshot,
          bulk ? 1 : 0,
          queued.map(() => newId('whd')),
          queued.map((e) => e.id),
          known?.version ?? -1,
        ]);
        const seq = Number(inserted!.seq);
        if (known && Number(inserted!.version) === known.version) return;
        const fresh = await readEndpoints(db, caps, event.environment);
        cache.store(event.environment, fresh.version, fresh.endpoints);
        const kept = snapshotFor(fresh.endpoints);
        if (kept !== snapshot) await db.updateTable('user_events').set({ snapshot: kept }).where('seq', '=', seq).execute();
        await queueDeliveries(db, { ...stored, seq, bulk }, fresh.endpoints);
        return;
      }
      // SQLite: the version is read under the write lock the transaction holds, so no change can
      // commit between this check and the event's commit.
      const [current] = await runPrepared(db, caps, 'webhooks.endpointVersion', () => db.selectFrom('webhook_endpoint_version').select('version').where('id', '=', 1), [1]);
      const version = Number(current?.version ?? 0);
      let endpoints = cache.latest(event.environment);
      if (endpoints?.version !== version) {
        endpoints = { version, endpoints: await subscribedEndpoints(db, caps, event.environment) };
        cache.store(event.environment, version, endpoints.endpoints);
      }
      const values = { ...row, snapshot: snapshotFor(endpoints.endpoints) };
      const [inserted] = await runPrepared(db, caps, 'events.append', () => db.insertInto('user_events').values(values).returning('seq'), Object.values(values));
      await queueDeliveries(db, { ...stored, seq: Number(inserted!.seq), bulk }, endpoints.endpoints);
    },

    async listForUser(environment, userId, { before, newerThan, limit }) {
      // Newer than a cursor walks up from it, then flips the page so it still reads newest first.
      const cursorId = newerThan ?? before;
      const upwards = newerThan !== undefined;
      let query = db
        .selectFrom('user_events')
        .selectAll()
        .where('environment', '=', environment)
        .where('user_id', '=', userId);
      if (cursorId !== undefined) {
        const cursor = db.selectFrom('user_events').select('seq').where('id', '=', cursorId).where('user_id', '=', userId).where('environment', '=', environment);
        query = query.where('seq', upwards ? '>' : '<', cursor);
      }
      const rows = await query.orderBy('seq', upwards ? 'asc' : 'desc').limit(limit + 1).execute();
      const items: UserEvent[] = rows.slice(0, limit).map(fromEventRow);
      return { items: upwards ? items.reverse() : items, hasMore: rows.length > limit };
    },

    async has(environment, userId, eventId) {
      const row = await db.selectFrom('user_events').select('seq').where('id', '=', eventId).where('environment', '=', environment).where('user_id', '=', userId).executeTakeFirst();
      return row !== undefined;
    },
  };
}

/**
 * PostgreSQL's append (see above): $1–$9 the event's columns, $10 its snapshot, $11 bulk, $12 and
 * $13 the deliveries' ids and endpoint ids, $14 the endpoints' version they were chosen at.
 */
const APPEND_QUEUEING = `with e as (
  insert into user_events (id, environment, user_id, type, actor, request_id, door, changes, created_at, snapshot)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning seq
), v as (
  select version from webhook_endpoint_version where id = 1
), d as (
  insert into webhook_deliveries (id, endpoint_id, environment, event_seq, event_id, event_type, user_id, state, attempts, next_attempt_at, retry_from, lease_owner, lease_until, created_at, updated_at, bulk)
  select q.id, q.endpoint_id, $2, e.seq, $1, $4, $3, 'pending', 0, $9, $9, null, null, $9, $9, $11
  from e, v, unnest($12::text[], $13::text[]) as q(id, endpoint_id)
  where v.version = $14
)
select e.seq, (select version from v) as version from e`;
