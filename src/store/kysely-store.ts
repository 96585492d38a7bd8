import { sql, type Kysely, type Transaction } from 'kysely';
import { createUserQueries } from './user-queries.ts';
import { createApiKeyQueries } from './api-key-queries.ts';
import type { Capabilities } from './capabilities.ts';
import { openConnection, type Connection, type ConnectionOptions } from './connection.ts';
import { createEndpointCache, type EndpointCache } from './endpoint-cache.ts';
import { ENDPOINTS_CHANNEL } from './migrations/015-endpoint-version.ts';
import type { Listener } from './pg-listener.ts';
import { readAllEndpoints } from './webhook-queries.ts';
import type { Store, StoreQueries } from './contract.ts';
import { createIdentityQueries, createVerificationQueries } from './credential-queries.ts';
import { createErasureQueries, createRetentionQueries } from './erasure-queries.ts';
import { createEventQueries } from './event-queries.ts';
import { createFeedQueries, createSubjectQueries } from './feed-queries.ts';
import { createGroupQueries } from './group-queries.ts';
import { createIdempotencyQueries } from './idempotency-queries.ts';
import { createPasswordAttemptQueries } from './password-attempt-queries.ts';
import { createWebhookQueries } from './webhook-queries.ts';
import { latestMigration, migrateToLatest } from './migrate.ts';
import { createStorageHealth } from './storage-health.ts';
import type { Database } from './schema.ts';

type Factories = { [K in keyof StoreQueries]: (db: Kysely<Database>, caps: Capabilities, cache: EndpointCache) => StoreQueries[K] };

const FACTORIES: Factories = {
  users: createUserQueries,
  events: createEventQueries,
  apiKeys: createApiKeyQueries,
  identities: (db) => createIdentityQueries(db),
  verifications: (db) => createVerificationQueries(db),
  idempotency: (db) => createIdempotencyQueries(db),
  passwordAttempts: (db) => createPasswordAttemptQueries(db),
  webhooks: createWebhookQueries,
  erasure: (db) => createErasureQueries(db),
  retention: (db) => createRetentionQueries(db),
  feed: createFeedQueries,
  subjects: (db) => createSubjectQueries(db),
  groups: createGroupQueries,
};

function queries(db: Kysely<Database>, caps: Capabilities, cache: EndpointCache): StoreQueries {
  const all = {} as Record<keyof StoreQueries, unknown>;
  for (const key of Object.keys(FACTORIES) as (keyof StoreQueries)[]) all[key] = FACTORIES[key](db, caps, cache);
  return all as StoreQueries;
}

/**
 * The queries of one transaction, each group made when first read: a PATCH uses two of the
 * thirteen, and making all of them was a few microseconds of every write. The getters live on a
 * shared prototype; each transaction's object holds only its connection and what it has made.
 */
interface Lazy {
  db: Kysely<Database>;
  caps: Capabilities;
  cache: EndpointCache;
  made: Partial<StoreQueries>;
}
const LAZY_QUERIES: object = Object.defineProperties(
  {},
  Object.fromEntries(
    (Object.keys(FACTORIES) as (keyof StoreQueries)[]).map((key) => [
      key,
      {
        enumerable: true,
        get(this: Lazy) {
          return (this.made[key] ??= FACTORIES[key](this.db, this.caps, this.cache) as never);
        },
      },
    ]),
  ),
);

function transactionQueries(db: Kysely<Database>, caps: Capabilities, cache: EndpointCache): StoreQueries {
  return Object.assign(Object.create(LAZY_QUERIES) as object, { db, caps, cache, made: {} }) as unknown as StoreQueries;
}

export function createStore(
  db: Kysely<Database>,
  capabilities: Capabilities,
  { poolStats = () => null, commitStats = () => null, afterErasure = () => {}, listen }: Partial<Omit<Connection, 'db' | 'capabilities'>> = {},
): Store {
  const health = createStorageHealth();
  const cache = createEndpointCache();
  const listener = listen ? watchEndpoints(db, cache, listen) : null;
  const store: Store = {
    capabilities,
    ...queries(db, capabilities, cache),
    async transaction(work) {
      try {
        const result = await db.transaction().execute((trx) => work(transactionQueries(trx, capabilities, cache)));
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
    commitStats,
    afterErasure,
    async close() {
      await listener?.close();
      await db.destroy();
    },
  };
  if (!capabilities.rowLocks) {
    store.group = async (work) => {
      try {
        const result = await db.transaction().execute((trx) => work(savepointStore(store, trx, capabilities, cache)));
        health.wrote();
        return result;
      } catch (error) {
        health.wrote(error);
        throw error;
      }
    };
  }
  return store;
}

/** A store inside one open transaction whose own transactions are savepoints (see Store.group). */
function savepointStore(outer: Store, trx: Transaction<Database>, capabilities: Capabilities, cache: EndpointCache): Store {
  const inside = queries(trx, capabilities, cache);
  let depth = 0;
  return {
    ...outer,
    ...inside,
    async transaction(work) {
      const name = sql.raw(`grouped_${++depth}`);
      await sql`savepoint ${name}`.execute(trx);
      try {
        const result = await work(inside);
        await sql`release savepoint ${name}`.execute(trx);
        return result;
      } catch (error) {
        await sql`rollback to savepoint ${name}`.execute(trx);
        await sql`release savepoint ${name}`.execute(trx);
        throw error;
      } finally {
        depth -= 1;
      }
    },
    group: undefined,
  };
}

/**
 * Every node hears an endpoint change at once (migration 015's triggers NOTIFY) and reloads the
 * cache, so the next write finds it current; one reload at a time, and one more if changes came
 * meanwhile. Writes check the version themselves, so a notification missed (a reconnect, a pooler
 * in transaction mode) costs a read in the next write, never a delivery.
 */
function watchEndpoints(db: Kysely<Database>, cache: EndpointCache, listen: NonNullable<Connection['listen']>): Listener {
  let running = false;
  let again = false;
  const reload = async () => {
    if (running) return void (again = true);
    running = true;
    try {
      do {
        again = false;
        const { version, rows } = await readAllEndpoints(db);
        cache.storeAll(version, rows);
      } while (again);
    } catch {
      // The database is away: the next write reads the endpoints itself.
      cache.clear();
    } finally {
      running = false;
    }
  };
  return listen(ENDPOINTS_CHANNEL, {
    onNotify: () => void reload(),
    onReset: () => {
      cache.clear();
      void reload();
    },
  });
}

/** PostgreSQL's undefined_table, or SQLite's "no such table". */
function isMissingTable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === '42P01' || (typeof message === 'string' && message.startsWith('no such table'));
}

/** Opens the database at `url`, brings its schema up to date and returns the store. */
export async function openStore(url: string, options: ConnectionOptions = {}): Promise<Store> {
  const { db, capabilities, ...rest } = openConnection(url, options);
  try {
    await migrateToLatest(db, capabilities);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return createStore(db, capabilities, rest);
}
