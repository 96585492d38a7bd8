import type { Kysely } from 'kysely';
import type { Capabilities } from './capabilities.ts';
import type { EventQueries, UserEvent } from './contract.ts';
import type { EndpointCache } from './endpoint-cache.ts';
import { appendOneAtATime, appendStatement } from './event-append.ts';
import { runStatement } from './prepared.ts';
import type { Database } from './schema.ts';
import { fromEventRow } from './webhook-rows.ts';

let appendText: string | undefined;

export function createEventQueries(db: Kysely<Database>, caps: Capabilities, cache: EndpointCache): EventQueries {
  return {
    async append(event) {
      if (!caps.dataModifyingCte) return appendOneAtATime(db, caps, cache, event);
      const statement = appendStatement(cache, event, 0);
      // The same text every time (an identical string is also a cheap key): prepared once per connection.
      appendText ??= `with ${statement.ctes} select ${statement.select}`;
      const [result] = await runStatement<{ seq: string | number | null; version: string | number | null }>(db, appendText, statement.values);
      await statement.finish(db, caps, result!);
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
