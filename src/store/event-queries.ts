import type { Kysely } from 'kysely';
import type { Door, Environment } from '../domain/user.ts';
import type { EventQueries, UserEvent } from './contract.ts';
import type { Database } from './schema.ts';

export function createEventQueries(db: Kysely<Database>): EventQueries {
  return {
    async append(event) {
      await db
        .insertInto('user_events')
        .values({ ...event, changes: JSON.stringify(event.changes) })
        .execute();
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
      const items: UserEvent[] = rows.slice(0, limit).map((row) => ({
        ...row,
        seq: Number(row.seq),
        environment: row.environment as Environment,
        type: row.type as UserEvent['type'],
        door: row.door as Door,
        changes: JSON.parse(row.changes),
      }));
      return { items, hasMore: rows.length > limit };
    },
  };
}
