/**
 * Issue 13, item 4: /readyz tells the truth. Ready while requests can be served (Redis down only
 * degrades rate limits); not ready on a database without the Userplane schema, a missing
 * PostgreSQL database or a full disk, which are 503 `unavailable` with the real cause logged.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { createServices } from '../../src/services/index.ts';
import { openConnection } from '../../src/store/connection.ts';
import { createStore } from '../../src/store/kysely-store.ts';
import { latestMigration, migrateToLatest } from '../../src/store/migrate.ts';
import type { Database } from '../../src/store/schema.ts';
import { DATABASES, POSTGRES_URL } from '../helpers/databases.ts';
import { startTestApp, TEST_ADMIN_KEY } from '../helpers/app.ts';

interface Served {
  app: FastifyInstance;
  db: Kysely<Database>;
  /** Everything logged so far. */
  log(): string;
  close(): Promise<void>;
}

/** A server on `url` as it is: migrated only when asked, so the tests can break it first. */
async function serve(url: string, migrate: boolean): Promise<Served> {
  const { db, capabilities } = openConnection(url);
  if (migrate) await migrateToLatest(db, capabilities);
  const store = createStore(db, capabilities);
  const services = createServices(store, { roles: [], emailChange: 'direct', adminKeys: [TEST_ADMIN_KEY] }, { log: () => {} });
  const stream = new PassThrough();
  let logged = '';
  stream.on('data', (chunk: Buffer) => (logged += chunk.toString()));
  const app = await buildServer({ services, logLevel: 'info', logStream: stream });
  await app.ready();
  return { app, db, log: () => logged, close: async () => void (await app.close(), await store.close()) };
}

const readyz = async (app: FastifyInstance) => {
  const res = await app.inject({ method: 'GET', url: '/readyz' });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
};

describe('/readyz', () => {
  test('Redis down: ready, redis degraded (limits fail open), and requests are served', async () => {
    const t = await startTestApp(DATABASES[0]!, { rateLimit: { read: { max: 100, windowMs: 60_000 }, write: { max: 100, windowMs: 60_000 }, admin: { max: 100, windowMs: 60_000 } }, redisUrl: 'redis://127.0.0.1:1' });
    try {
      const res = await t.request({ method: 'GET', url: '/readyz', key: null });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { status: 'ready', database: 'sqlite', redis: 'degraded' });
      assert.equal((await t.request({ method: 'GET', url: '/v1/users' })).statusCode, 200);
    } finally {
      await t.close();
    }
  });

  for (const kind of DATABASES) {
    test(`${kind.name}: a database that answers but has no Userplane schema is not ready; migrated, it is`, async () => {
      const database = await kind.create();
      const s = await serve(database.url, false);
      try {
        const before = await readyz(s.app);
        assert.equal(before.status, 503);
        assert.equal(before.body.status, 'unavailable');
        assert.match(String(before.body.error), /no Userplane schema/);
        assert.match(s.log(), /no Userplane schema/);
        await migrateToLatest(s.db, (await import('../../src/store/capabilities.ts'))[kind.name === 'sqlite' ? 'SQLITE' : 'POSTGRES']);
        assert.deepEqual(await readyz(s.app), { status: 200, body: { status: 'ready', database: kind.name } });
        // A schema older than this version (its newest migration missing) is not ready either.
        await sql`delete from kysely_migration where name = ${latestMigration(kind.name === 'sqlite' ? (await import('../../src/store/capabilities.ts')).SQLITE : (await import('../../src/store/capabilities.ts')).POSTGRES)}`.execute(s.db);
        const old = await readyz(s.app);
        assert.equal(old.status, 503);
        assert.match(String(old.body.error), /out of date/);
      } finally {
        await s.close();
        await database.drop();
      }
    });
  }

  test('PostgreSQL: a database that does not exist (3D000) is not ready, and requests are 503 with the cause logged', { skip: !POSTGRES_URL && 'needs TEST_DATABASE_URL' }, async () => {
    const url = new URL(POSTGRES_URL!);
    url.pathname = '/userplane_test_no_such_database';
    const s = await serve(url.toString(), false);
    try {
      const ready = await readyz(s.app);
      assert.equal(ready.status, 503);
      assert.deepEqual(ready.body, { status: 'unavailable', database: 'postgres', error: 'database does not exist' });
      const res = await s.app.inject({ method: 'GET', url: '/v1/users', headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.json().error, 'unavailable');
      assert.ok(res.headers['retry-after']);
      assert.match(s.log(), /userplane_test_no_such_database\\*" does not exist/);
    } finally {
      await s.close();
    }
  });

  test('SQLite: a full disk (SQLITE_FULL) makes writes 503 with the real cause logged, and /readyz unavailable until writes succeed again', async () => {
    const database = await DATABASES[0]!.create();
    const s = await serve(database.url, true);
    try {
      const pages = Number((await sql<{ page_count: number }>`pragma page_count`.execute(s.db)).rows[0]!.page_count);
      await sql.raw(`pragma max_page_count = ${pages + 4}`).execute(s.db);
      let failed: { statusCode: number; body: string; headers: Record<string, unknown> } | null = null;
      for (let i = 0; i < 200 && !failed; i++) {
        const res = await s.app.inject({
          method: 'POST',
          url: '/v1/users',
          headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
          payload: { email: `full${i}@example.com`, bio: 'x'.repeat(4000) },
        });
        if (res.statusCode !== 201) failed = res;
      }
      assert.ok(failed, 'the database never filled up');
      assert.equal(failed.statusCode, 503, failed.body);
      assert.equal(JSON.parse(failed.body).error, 'unavailable');
      assert.match(s.log(), /SQLITE_FULL|database or disk is full/);
      assert.doesNotMatch(s.log(), /cannot rollback/);
      const full = await readyz(s.app);
      assert.equal(full.status, 503);
      assert.equal(full.body.error, 'database storage is full');
      // Space again: the next write goes through and the service is ready.
      await sql.raw('pragma max_page_count = 1073741823').execute(s.db);
      const res = await s.app.inject({
        method: 'POST',
        url: '/v1/users',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        payload: { email: 'room-again@example.com' },
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal((await readyz(s.app)).status, 200);
    } finally {
      await s.close();
      await database.drop();
    }
  });
});
