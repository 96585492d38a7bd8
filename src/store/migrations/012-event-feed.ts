import { sql, type Kysely } from 'kysely';
import type { Capabilities } from '../capabilities.ts';

// Frozen: the pull feed of events (issue 16, item 4). On PostgreSQL every event keeps the id of the
// transaction that wrote it (xid8), so the feed can hand out only events of transactions that have
// ended: a transaction that took a lower seq but commits later can then never be skipped by a
// follower (see event-queries.ts, `feed`). Events written before this migration read as xid 0:
// they are older than every transaction still running. SQLite has one writer, so seq order is
// commit order there; its column stays 0 and only keeps the two schemas alike.
export function migration012(caps: Capabilities) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      if (caps.name === 'postgres') {
        // A constant default first (no table rewrite), then the per-transaction default for new rows.
        await sql`alter table user_events add column xid xid8 not null default '0'`.execute(db);
        await sql`alter table user_events alter column xid set default pg_current_xact_id()`.execute(db);
      } else {
        await db.schema.alterTable('user_events').addColumn('xid', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      }
      // The feed walks an environment's events in (xid, seq) order from a cursor.
      await db.schema.createIndex('user_events_feed_idx').on('user_events').columns(['environment', 'xid', 'seq']).execute();
    },
  };
}
