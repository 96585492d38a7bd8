import { sql, type Kysely } from 'kysely';
import type { Capabilities } from './capabilities.ts';
import type { EventQueries, UserEvent } from './contract.ts';
import { runPrepared } from './prepared.ts';
import type { Database } from './schema.ts';
import { queueDeliveries, subscribedEndpoints, takingType, type EndpointSubscription } from './webhook-queries.ts';
import { fromEventRow } from './webhook-rows.ts';

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
        const snapshot = event.snapshot ? JSON.stringify(event.snapshot) : null;
        // One round trip instead of two: the insert, and the endpoints the event may go to. The
        // snapshot (the whole user, for webhook payloads) is kept only when an enabled endpoint
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
        const values = { ...row, snapshot: event.snapshot ? JSON.stringify(event.snapshot) : null };
        const [inserted] = await runPrepared(db, caps, 'events.append', () => db.insertInto('user_events').values(values).returning('seq'), Object.values(values));
        seq = Number(inserted!.seq);
      }
      await queueDeliveries(db, { ...stored, seq, bulk }, endpoints);
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

/** LIKE pattern of an endpoint's event_types JSON (e.g. ["user.updated"]) that lists this type. */
function subscribedPattern(type: string): string {
  return `%${JSON.stringify(type)}%`;
}
