import type { Kysely } from 'kysely';
import type { Capabilities } from './capabilities.ts';
import type { EventQueries, UserEvent } from './contract.ts';
import type { EndpointCache } from './endpoint-cache.ts';
import { appendOneAtATime, appendStatement, eventRow, snapshotFor } from './event-append.ts';
import { wholeSnapshots } from './event-snapshots.ts';
import { runPrepared, runStatement } from './prepared.ts';
import type { Database } from './schema.ts';
import { queueDeliveriesOfMany, readEndpoints, type EndpointSubscription } from './webhook-queries.ts';
import { fromEventRow } from './webhook-rows.ts';

/** Events per statement of appendMany: 100 × 10 columns. */
const EVENTS_PER_STATEMENT = 100;

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

    async appendMany(events) {
      // Each environment's enabled endpoints, read once in this transaction with their version (which
      // refreshes the cache): they decide every snapshot and delivery, as in append.
      const endpointsOf = new Map<string, EndpointSubscription[]>();
      for (const environment of new Set(events.map((event) => event.environment))) {
        const read = await readEndpoints(db, caps, environment);
        cache.store(environment, read.version, read.endpoints);
        endpointsOf.set(environment, read.endpoints);
      }
      for (let from = 0; from < events.length; from += EVENTS_PER_STATEMENT) {
        const chunk = events.slice(from, from + EVENTS_PER_STATEMENT);
        // Every column, always in this order: the prepared insert binds them positionally.
        const rows = chunk.map((event) => ({ ...eventRow(event), snapshot: snapshotFor(event, endpointsOf.get(event.environment)!) }));
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
