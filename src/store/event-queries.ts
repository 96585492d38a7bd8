import type { Kysely } from 'kysely';
import type { EventQueries, UserEvent } from './contract.ts';
import type { Database } from './schema.ts';
import { queueDeliveries } from './webhook-queries.ts';
import { fromEventRow } from './webhook-rows.ts';

export function createEventQueries(db: Kysely<Database>): EventQueries {
  return {
    async append(event) {
      const { seq } = await db
        .insertInto('user_events')
        .values({ ...event, changes: JSON.stringify(event.changes), snapshot: event.snapshot ? JSON.stringify(event.snapshot) : null })
        .returning('seq')
        .executeTakeFirstOrThrow();
      await queueDeliveries(db, { ...event, seq: Number(seq) });
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
