import { sql, type Kysely } from 'kysely';
import type { Capabilities } from '../capabilities.ts';

// Frozen: the webhook endpoints' version (issue 19). Every process caches the enabled endpoints
// (../endpoint-cache.ts) and checks this one row inside each write, so an endpoint added, changed or
// removed by any process is seen by the next write everywhere. Triggers keep it, so no writer of
// webhook_endpoints can forget to; on PostgreSQL they also NOTIFY the processes that listen, which
// reload at once. A status change (failing, healthy) changes no subscription and bumps nothing.
export const ENDPOINTS_CHANNEL = 'userplane_webhook_endpoints';

export function migration015(caps: Capabilities) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('webhook_endpoint_version')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('version', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into webhook_endpoint_version (id, version) values (1, 1)`.execute(db);
      const subscription = sql.raw('environment, enabled, event_types, include_imports');
      if (caps.name === 'postgres') {
        await sql`
          create function userplane_webhook_endpoints_changed() returns trigger language plpgsql as $$
          begin
            update webhook_endpoint_version set version = version + 1 where id = 1;
            perform pg_notify(${sql.lit(ENDPOINTS_CHANNEL)}, '');
            return null;
          end $$`.execute(db);
        await sql`
          create trigger webhook_endpoints_changed after insert or delete or truncate or update of ${subscription}
          on webhook_endpoints for each statement execute function userplane_webhook_endpoints_changed()`.execute(db);
      } else {
        const bump = sql`update webhook_endpoint_version set version = version + 1 where id = 1`;
        await sql`create trigger webhook_endpoints_inserted after insert on webhook_endpoints begin ${bump}; end`.execute(db);
        await sql`create trigger webhook_endpoints_deleted after delete on webhook_endpoints begin ${bump}; end`.execute(db);
        await sql`create trigger webhook_endpoints_updated after update of ${subscription} on webhook_endpoints begin ${bump}; end`.execute(db);
      }
    },
  };
}
