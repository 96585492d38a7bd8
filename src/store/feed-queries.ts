/**
 * The event feed and what the store holds about one subject (issue 16, items 4 and 5).
 *
 * Why the feed is ordered by (xid, seq) and not by seq alone: on PostgreSQL seq is taken when an
 * event is inserted, but rows become visible when their transaction commits, and transactions do
 * not commit in the order they took seqs. A reader that had paged up to seq 11 would never see a
 * seq 10 committed after it looked. Instead every event keeps the id of its transaction (xid8,
 * migration 012), and only events of transactions older than the oldest one still running
 * (pg_snapshot_xmin of the statement's own snapshot) are listed: every such transaction has ended,
 * and any transaction that writes later gets a higher xid, so the listed prefix of (xid, seq) can
 * never grow in the middle. The price: an event is held back while an older transaction runs (a
 * long import holds the feed until it commits). SQLite writes one transaction at a time, so its
 * seq order is commit order; its xid column is always 0.
 */
import { sql, type Kysely } from 'kysely';
import type { Capabilities } from './capabilities.ts';
import type { FeedPosition, FeedQueries, SubjectQueries } from './contract.ts';
import { wholeSnapshots } from './event-snapshots.ts';
import type { Database } from './schema.ts';
import type { DeliveryWithAttempts } from './webhook-contract.ts';
import { fromAttemptRow, fromDeliveryRow, fromEventRow } from './webhook-rows.ts';

export function createFeedQueries(db: Kysely<Database>, caps: Capabilities): FeedQueries {
  const xidValue = (xid: string) => (caps.transactionIds ? sql`cast(${xid} as xid8)` : sql`cast(${xid} as integer)`);
  return {
    async list(environment, { after, types, since, until, limit, snapshots = true }) {
      let query = db
        .selectFrom('user_events')
        .select(['seq', 'id', 'environment', 'user_id', 'type', 'actor', 'request_id', 'door', 'changes', 'created_at'])
        .select((snapshots ? sql<string | null>`${sql.ref('snapshot')}` : sql<string | null>`null`).as('snapshot'))
        // Under its own name: an output column called xid would be what ORDER BY xid sorts by, as text.
        .select(sql<string>`cast(xid as text)`.as('xid_text'))
        .where('environment', '=', environment);
      if (after) query = query.where(sql<boolean>`(xid, seq) > (${xidValue(after.xid)}, ${after.seq})`);
      // The statement's own snapshot: what it can see and which transactions were still running.
      if (caps.transactionIds) query = query.where(sql<boolean>`xid < pg_snapshot_xmin(pg_current_snapshot())`);
      if (types && types.length > 0) query = query.where('type', 'in', types);
      if (since !== undefined) query = query.where('created_at', '>=', since);
      if (until !== undefined) query = query.where('created_at', '<', until);
      const rows = (await query.orderBy('xid').orderBy('seq').limit(limit + 1).execute()).map(({ xid_text, ...row }) => ({
        event: fromEventRow({ ...row, xid: xid_text }),
        position: { xid: xid_text, seq: Number(row.seq) },
      }));
      const listed = rows.slice(0, limit);
      const events = snapshots ? await wholeSnapshots(db, listed.map((item) => item.event)) : listed.map((item) => item.event);
      return { items: listed.map((item, i) => ({ event: events[i]!, position: item.position })), hasMore: rows.length > limit };
    },

    async positionOf(environment, eventId): Promise<FeedPosition | null> {
      const row = await db
        .selectFrom('user_events')
        .select(['seq', sql<string>`cast(xid as text)`.as('xid')])
        .where('id', '=', eventId)
        .where('environment', '=', environment)
        .executeTakeFirst();
      return row ? { xid: row.xid, seq: Number(row.seq) } : null;
    },
  };
}

export function createSubjectQueries(db: Kysely<Database>): SubjectQueries {
  return {
    async deliveriesAbout(environment, subjectId): Promise<DeliveryWithAttempts[]> {
      // webhook_deliveries.user_id holds the event's subject, like user_events.user_id.
      const deliveries = (
        await db
          .selectFrom('webhook_deliveries')
          .selectAll()
          .where('environment', '=', environment)
          .where('user_id', '=', subjectId)
          .orderBy('event_seq')
          .orderBy('endpoint_id')
          .execute()
      ).map(fromDeliveryRow);
      if (deliveries.length === 0) return [];
      const attempts = (
        await db
          .selectFrom('webhook_attempts')
          .selectAll()
          .where(
            'delivery_id',
            'in',
            db.selectFrom('webhook_deliveries').select('id').where('environment', '=', environment).where('user_id', '=', subjectId),
          )
          .orderBy('created_at')
          .orderBy('attempt')
          .execute()
      ).map(fromAttemptRow);
      return deliveries.map((d) => ({ ...d, attempt_log: attempts.filter((a) => a.delivery_id === d.id) }));
    },
  };
}
