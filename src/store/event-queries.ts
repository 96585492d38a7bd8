import type { Kysely } from 'kysely';
import type { Capabilities } from './capabilities.ts';
import type { EventQueries, UserEvent } from './contract.ts';
import { runPrepared } from './prepared.ts';
import type { Database } from './schema.ts';
import { queueDeliveries } from './webhook-queries.ts';
import { fromEventRow } from './webhook-rows.ts';

export function createEventQueries(db: Kysely<Database>, caps: Capabilities): EventQueries {
  return {
    async append(event) {
      // Every column, always in this order: the prepared insert binds them positionally.
      const row = {
        id: event.id,
        environment: event.environment,
        user_id: event.user_id,
        type: event.type,
        actor: event.actor,
        request_id: event.request_id,
        door: event.door,
        changes: JSON.stringify(event.changes),
        created_at: event.created_at,
        snapshot: event.snapshot ? JSON.stringify(event.snapshot) : null,
      };
      const [inserted] = await runPrepared(db, caps, 'events.append', () => db.insertInto('user_events').values(row).returning('seq'), Object.values(row));
      await queueDeliveries(db, caps, { ...event, seq: Number(inserted!.seq) });
    },

    async listForUser(environment, userId, { before, limit }) {
      let query = db
        .selectFrom('user_events')
        .selectAll()
        .where('environment', '=', environment)
        .where('user_id', '=', userId);
      if (before !== undefined) {
        const cursor = db.selectFrom('user_events').select('seq').where('id', '=', before);
        query = query.where('seq', '<', cursor);
      }
      const rows = await query.orderBy('seq', 'desc').limit(limit + 1).execute();
      const items: UserEvent[] = rows.slice(0, limit).map(fromEventRow);
      return { items, hasMore: rows.length > limit };
    },
  };
}
