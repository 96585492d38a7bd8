import { sql, type Kysely } from 'kysely';
import { createUserQueries } from './user-queries.ts';
import { createApiKeyQueries } from './api-key-queries.ts';
import type { Capabilities } from './capabilities.ts';
import { openConnection, type ConnectionOptions, type PoolStats } from './connection.ts';
import type { Store, StoreQueries } from './contract.ts';
import { createIdentityQueries, createVerificationQueries } from './credential-queries.ts';
import { createEventQueries } from './event-queries.ts';
import { createGroupQueries } from './group-queries.ts';
import { createIdempotencyQueries } from './idempotency-queries.ts';
import { createPasswordAttemptQueries } from './password-attempt-queries.ts';
import { createWebhookQueries } from './webhook-queries.ts';
import { latestMigration, migrateToLatest } from './migrate.ts';
import { createStorageHealth } from './storage-health.ts';
import type { Database } from './schema.ts';

function queries(db: Kysely<Database>, caps: Capabilities): StoreQueries {
  return {
    users: createUserQueries(db, caps),
    events: createEventQueries(db, caps),
    apiKeys: createApiKeyQueries(db, caps),
    identities: createIdentityQueries(db),
    verifications: createVerificationQueries(db),
    idempotency: createIdempotencyQueries(db),
    passwordAttempts: createPasswordAttemptQueries(db),
    webhooks: createWebhookQueries(db, caps),
    groups: createGroupQueries(db, caps),
  };
}

export function createStore(db: Kysely<Database>, capabilities: Capabilities, poolStats: () => PoolStats | null = () => null): Store {
  const health = createStorageHealth();
  return {
    capabilities,
    ...queries(db, capabilities),
    async transaction(work) {
      try {
        const result = await db.transaction().execute((trx) => work(queries(trx, capabilities)));
        health.wrote();
        return result;
      } catch (error) {
        health.wrote(error);
        throw error;
      }
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    async readiness() {
      // The schema this code needs, which also proves the database answers; then the last writes.
      const latest = latestMigration(capabilities);
      let applied: unknown[];
      try {
        applied = (await sql`select name from kysely_migration where name = ${latest}`.execute(db)).rows;
      } catch (error) {
        if (!isMissingTable(error)) throw error;
        throw Object.assign(new Error('the database has no Userplane schema: run `userplane migrate` (or start `userplane serve`, which migrates)', { cause: error }), { code: 'USERPLANE_NO_SCHEMA' });
      }
      if (applied.length === 0) {
        throw Object.assign(new Error(`the database schema is older than this version (migration ${latest} is not applied): run \`userplane migrate\``), { code: 'USERPLANE_OLD_SCHEMA' });
      }
      const full = health.fullFailure();
      if (full) throw full;
    },
    poolStats,
    close: () => db.destroy(),
  };
}

/** PostgreSQL's undefined_table, or SQLite's "no such table". */
function isMissingTable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === '42P01' || (typeof message === 'string' && message.startsWith('no such table'));
}

/** Opens the database at `url`, brings its schema up to date and returns the store. */
export async function openStore(url: string, options: ConnectionOptions = {}): Promise<Store> {
  const { db, capabilities, poolStats } = openConnection(url, options);
  try {
    await migrateToLatest(db, capabilities);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return createStore(db, capabilities, poolStats);
}
