import { sql, type Kysely } from 'kysely';
import { createUserQueries } from './user-queries.ts';
import { createApiKeyQueries } from './api-key-queries.ts';
import type { Capabilities } from './capabilities.ts';
import { openConnection, type ConnectionOptions, type PoolStats } from './connection.ts';
import type { Store, StoreQueries } from './contract.ts';
import { createIdentityQueries, createVerificationQueries } from './credential-queries.ts';
import { createEventQueries } from './event-queries.ts';
import { createIdempotencyQueries } from './idempotency-queries.ts';
import { createPasswordAttemptQueries } from './password-attempt-queries.ts';
import { createWebhookQueries } from './webhook-queries.ts';
import { migrateToLatest } from './migrate.ts';
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
  };
}

export function createStore(db: Kysely<Database>, capabilities: Capabilities, poolStats: () => PoolStats | null = () => null): Store {
  return {
    capabilities,
    ...queries(db, capabilities),
    transaction: (work) => db.transaction().execute((trx) => work(queries(trx, capabilities))),
    async ping() {
      await sql`select 1`.execute(db);
    },
    poolStats,
    close: () => db.destroy(),
  };
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
