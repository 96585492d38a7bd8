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
 * never grow in the middle. The price: an event is held back while an older transaction of this
 * database runs (a long import holds the feed until it commits). Transaction ids are counted for the
 * whole cluster, so the horizon leaves out running transactions that pg_stat_activity places in
 * another database: they cannot write this database's events, and one of them (a report, a
 * migration, another application) must not stop the feed. A running transaction it cannot place
 * (one that ended since the snapshot, a prepared one, a role that may not see it) still holds the
 * horizon: leaving one out wrongly could skip events, holding one back only delays them.
 * SQLite writes one transaction at a time, so its seq order is commit order; its xid column is
 * always 0.
 */
import { sql, type Kysely } from 'kysely';
import type { Capabilities } from './capabilities.ts';
import type { FeedPosition, FeedQueries, SubjectQueries } from './contract.ts';
import { wholeSnapshots } from './event-snapshots.ts';
import type { Database } from './schema.ts';
import type { DeliveryWithAttempts } from './webhook-contract.ts';
import { fromAttemptRow, fromDeliveryRow, fromEventRow } from './webhook-rows.ts';

/**
 * The first transaction id whose events the feed may not list yet, from the statement's own
 * snapshot: the oldest transaction still running that is not known to belong to another database,
 * or, when there is none, the snapshot's xmax (every running transaction not in its list of running
 * ones has an id at or above it). backend_xid is a 32-bit xid and the snapshot's are 64-bit xid8,
 * compared modulo 2^32 (two running transactions are never 2^32 apart).
 */
const FEED_HORIZON = sql`(
  select coalesce(
    (select min(running) from pg_snapshot_xip(s.snap) as running
      where not exists (
        select 1 from pg_stat_activity a
        where a.backend_xid is not null
          and a.datid is distinct from (select oid from pg_database where datname = current_database())
          and cast(cast(a.backend_xid as text) as bigint) = cast(cast(running as text) as numeric) % 4294967296)),
    pg_snapshot_xmax(s.snap))
  from (select pg_current_snapshot() as snap) as s)`;

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
      if (caps.transactionIds) query = query.where(sql<boolean>`xid < ${FEED_HORIZON}`);
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
