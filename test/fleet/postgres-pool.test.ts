/** Issue 8, part 2: the PostgreSQL pool size, statement timeout and sslmode reach pg. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openConnection } from '../../src/store/connection.ts';
import { openStore } from '../../src/store/kysely-store.ts';
import { DATABASES, type TestDatabase } from '../helpers/databases.ts';
import { assertStatementTimeout } from '../helpers/statement-timeout.ts';
import { waitUntil } from '../helpers/wait.ts';

const postgres = DATABASES.find((kind) => kind.name === 'postgres');

describe('PostgreSQL connection options', { skip: !postgres && 'needs TEST_DATABASE_URL' }, () => {
  let database: TestDatabase;
  before(async () => {
    database = await postgres!.create();
  });
  after(() => database?.drop());

  test('the pool never opens more than DATABASE_POOL_SIZE connections; the store reports its counts', async () => {
    const store = await openStore(database.url, { poolSize: 3 });
    try {
      await Promise.all(Array.from({ length: 12 }, () => store.ping()));
      assert.equal(store.poolStats()?.total, 3);
      // The store's own work (the webhook endpoints it loads when its listener connects) may hold a
      // connection for a moment: all three come back idle, and the pool never grows past them.
      await waitUntil(() => store.poolStats()?.idle === 3, () => `pool: ${JSON.stringify(store.poolStats())}`, 10_000);
      const stats = store.poolStats();
      assert.ok(stats);
      assert.equal(stats.total, 3);
      assert.equal(stats.idle, 3);
      assert.equal(stats.waiting, 0);
    } finally {
      await store.close();
    }
  });

  test('DATABASE_STATEMENT_TIMEOUT_MS is the session statement_timeout, and cancels a slow statement', async () => {
    const { db } = openConnection(database.url, { statementTimeoutMs: 150 });
    try {
      await assertStatementTimeout(db, '150ms');
    } finally {
      await db.destroy();
    }
  });

  test('without a statement timeout the server default stands', async () => {
    const { db } = openConnection(database.url, {});
    try {
      const shown = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(db);
      assert.equal(shown.rows[0]?.statement_timeout, '0');
    } finally {
      await db.destroy();
    }
  });

  test('sslmode in the URL reaches pg: verify-full against a server without TLS is refused', async () => {
    const url = new URL(database.url);
    url.searchParams.set('sslmode', 'verify-full');
    const { db } = openConnection(url.toString());
    try {
      await assert.rejects(sql`select 1`.execute(db), /does not support SSL/);
    } finally {
      await db.destroy();
    }
  });
});
