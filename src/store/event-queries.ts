import { sql, type Kysely } from 'kysely';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhooks.ts';
import type { Capabilities } from './capabilities.ts';
import type { EventQueries, UserEvent } from './contract.ts';
import { storedSnapshot, wholeSnapshots } from './event-snapshots.ts';
import { runPrepared } from './prepared.ts';
import type { Database } from './schema.ts';
import { queueDeliveries, queueDeliveriesOfMany, subscribedEndpoints, takingType, type EndpointSubscription } from './webhook-queries.ts';
import { fromEventRow } from './webhook-rows.ts';

/** Events per statement of appendMany: 100 × 10 columns. */
const EVENTS_PER_STATEMENT = 100;

/**
 * What an event taken by an endpoint keeps for its webhook payloads, serialised: nothing for an
 * audit entry that is never sent (user.exported), and a user's metadata as its keys only, so the
 * event is sized by the change (./event-snapshots.ts).
 */
function keptSnapshot(event: { type: UserEvent['type']; snapshot?: UserEvent['snapshot'] }): string | null {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(event.type) ? storedSnapshot({ type: event.type, snapshot: event.snapshot ?? null }) : null;
}

export function createEventQueries(db: Kysely<Database>, caps: Capabilities): EventQueries {
  return {
    async append(event) {
      // Every column, always in this order: the prepared insert binds them positionally.
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
      let seq: number;
      let endpoints: EndpointSubscription[];
      if (caps.dataModifyingCte) {
        const snapshot = keptSnapshot(event);
        // One round trip instead of two: the insert, and the endpoints the event may go to. The
        // snapshot (the user, for webhook payloads) is kept only when an enabled endpoint
        // takes this type, decided in the same statement, so it agrees with the deliveries queued.
        const rows = await runPrepared(
          db,
          caps,
          'events.appendReadingEndpoints',
          () =>
            db
              .with('e', (q) =>
                q
                  .insertInto('user_events')
                  .values({
                    ...row,
                    snapshot: sql<string | null>`case when exists (select 1 from webhook_endpoints s where s.environment = ${row.environment} and s.enabled = 1 and (s.event_types = '[]' or s.event_types like ${''})) then ${snapshot} end`,
                  })
                  .returning('seq'),
              )
              .selectFrom('e')
              .leftJoin('webhook_endpoints as w', (join) => join.on('w.environment', '=', row.environment).on('w.enabled', '=', 1))
              .select(['e.seq', 'w.id', 'w.event_types', 'w.include_imports']),
          [...Object.values(row), row.environment, subscribedPattern(row.type), snapshot, row.environment, 1],
        );
        seq = Number(rows[0]!.seq);
        endpoints = rows.filter((r): r is typeof r & EndpointSubscription => r.id !== null && r.event_types !== null);
      } else {
        endpoints = await subscribedEndpoints(db, caps, event.environment);
        if (takingType(endpoints, event.type).length === 0) {
          // No endpoint takes it (the usual case): no snapshot to serialise or keep, no seq to queue by.
          await runPrepared(db, caps, 'events.appendUntaken', () => db.insertInto('user_events').values({ ...row, snapshot: null }), [...Object.values(row), null]);
          return;
        }
        // Serialised here only, once: the snapshot is kept for the endpoints that take the event.
        const values = { ...row, snapshot: keptSnapshot(event) };
        const [inserted] = await runPrepared(db, caps, 'events.append', () => db.insertInto('user_events').values(values).returning('seq'), Object.values(values));
        seq = Number(inserted!.seq);
      }
      await queueDeliveries(db, { ...stored, seq, bulk }, endpoints);
    },

    async appendMany(events) {
      // Each environment's enabled endpoints, read once: they decide every snapshot and delivery, as in append.
      const endpointsOf = new Map<string, EndpointSubscription[]>();
      for (const environment of new Set(events.map((event) => event.environment))) {
        endpointsOf.set(environment, await subscribedEndpoints(db, caps, environment));
      }
      for (let from = 0; from < events.length; from += EVENTS_PER_STATEMENT) {
        const chunk = events.slice(from, from + EVENTS_PER_STATEMENT);
        // Every column, always in this order: the prepared insert binds them positionally.
        const rows = chunk.map((event) => ({
          id: event.id,
          environment: event.environment,
          user_id: event.user_id,
          type: event.type,
          actor: event.actor,
          request_id: event.request_id,
          door: event.door,
          changes: JSON.stringify(event.changes),
          created_at: event.created_at,
          // As in append: webhook types only, the metadata as its keys (./event-snapshots.ts).
          snapshot: takingType(endpointsOf.get(event.environment)!, event.type).length > 0 ? keptSnapshot(event) : null,
        }));
        const inserted = await runPrepared(
          db,
          caps,
          `events.appendMany.${rows.length}`,
          () => db.insertInto('user_events').values(rows).returning(['id', 'seq']),
          rows.flatMap((row) => Object.values(row)),
        );
        // RETURNING's row order is not promised: the ids say which seq is whose.
        const seqOf = new Map(inserted.map((row) => [row.id, Number(row.seq)]));
        for (const environment of new Set(chunk.map((event) => event.environment))) {
          const queued = chunk
            .filter((event) => event.environment === environment)
            .map(({ snapshot: _snapshot, ...event }) => ({ ...event, seq: seqOf.get(event.id)! }));
          await queueDeliveriesOfMany(db, queued, endpointsOf.get(environment)!);
        }
      }
    },

    async listForUser(environment, userId, { before, newerThan, limit, snapshots = true }) {
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
      const read = rows.slice(0, limit).map(fromEventRow);
      const items: UserEvent[] = snapshots ? await wholeSnapshots(db, read) : read.map((event) => ({ ...event, snapshot: null }));
      return { items: upwards ? items.reverse() : items, hasMore: rows.length > limit };
    },

    async has(environment, userId, eventId) {
      const row = await db.selectFrom('user_events').select('seq').where('id', '=', eventId).where('environment', '=', environment).where('user_id', '=', userId).executeTakeFirst();
      return row !== undefined;
    },
  };
}

/** LIKE pattern of an endpoint's event_types JSON (e.g. ["user.updated"]) that lists this type. */
function subscribedPattern(type: string): string {
  return `%${JSON.stringify(type)}%`;
}
