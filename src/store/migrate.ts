import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Capabilities } from './capabilities.ts';
import { isBusy } from './sqlite-driver.ts';
import { migration001 } from './migrations/001-initial.ts';
import { migration002 } from './migrations/002-credentials.ts';
import { migration003 } from './migrations/003-webhooks.ts';
import { migration004 } from './migrations/004-idempotency.ts';
import { migration005 } from './migrations/005-password-attempts.ts';
import { migration006 } from './migrations/006-user-search.ts';
import { migration007 } from './migrations/007-user-proof.ts';
import { migration008 } from './migrations/008-webhook-fairness.ts';
import { migration009 } from './migrations/009-password-migration.ts';
import { migration010 } from './migrations/010-import-deliveries.ts';
import { migration011 } from './migrations/011-retention.ts';
import { migration012 } from './migrations/012-event-feed.ts';
import { migration013 } from './migrations/013-groups.ts';
import { migration014 } from './migrations/014-event-dependencies.ts';
import { migration015 } from './migrations/015-endpoint-version.ts';

/** Numbered migrations, in order. Never edit one that has landed; add the next number. */
function migrations(caps: Capabilities): Record<string, Migration> {
  return {
    '001-initial': migration001(caps),
    '002-credentials': migration002,
    '003-webhooks': migration003,
    '004-idempotency': migration004,
    '005-password-attempts': migration005,
    '006-user-search': migration006(caps),
    '007-user-proof': migration007,
    '008-webhook-fairness': migration008,
    '009-password-migration': migration009,
    '010-import-deliveries': migration010,
    '011-retention': migration011,
    '012-event-feed': migration012(caps),
    '013-groups': migration013,
    '014-event-dependencies': migration014,
    '015-endpoint-version': migration015(caps),
  };
}

/** The newest migration this code knows: a database without it is not ready for this code. */
export function latestMigration(caps: Capabilities): string {
  return Object.keys(migrations(caps)).sort().at(-1)!;
}

/** Kysely's own lock id, so processes still on its session lock are kept out too. */
const MIGRATION_LOCK_ID = 3853314791062309107n;

export async function migrateToLatest(db: Kysely<any>, caps: Capabilities): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(caps) };
  const migrate = async (on: Kysely<any>, disableTransactions: boolean) => {
    const { error, results } = await new Migrator({ db: on, provider, disableTransactions }).migrateToLatest();
    if (error) throw error;
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  };
  // All of it is one transaction that holds the migration lock, so processes starting at once take
  // turns. PostgreSQL: Kysely locks the session around its transaction, and behind pgbouncer
  // (transaction mode) lock, migrations and unlock can land on different server sessions and the lock
  // leaks, so a transaction-scoped lock instead. SQLite: Kysely takes no lock there at all (two
  // processes on one file both created the same table), so BEGIN IMMEDIATE, the file's write lock.
  return db.connection().execute(async (conn) => {
    if (caps.advisoryTransactionLocks) {
      await sql`begin`.execute(conn);
    } else {
      await beginImmediate(conn);
    }
    try {
      if (caps.advisoryTransactionLocks) await sql`select pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK_ID)})`.execute(conn);
      const applied = await migrate(conn, true);
      await sql`commit`.execute(conn);
      return applied;
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => {});
      throw error;
    }
  });
}

/** Another process may be migrating a large file for minutes: wait for it, not only DATABASE_LOCK_TIMEOUT_MS. */
const SQLITE_MIGRATION_WAIT_MS = 10 * 60_000;

async function beginImmediate(conn: Kysely<any>): Promise<void> {
  for (const deadline = Date.now() + SQLITE_MIGRATION_WAIT_MS; ; ) {
    try {
      await sql`begin immediate`.execute(conn);
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
    }
  }
}
