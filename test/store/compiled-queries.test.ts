/**
 * Issue 19: the hot queries are compiled once (src/store/prepared.ts, an update per set of
 * columns) and SQLite rows are built by a per-statement row maker (src/store/sqlite-driver.ts).
 * Neither may go stale when the schema changes under a running server: a column another process
 * adds (a migration of a newer version) or renames shows in the rows read after it, and the
 * compiled writes keep writing the right columns.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import { openConnection } from '../../src/store/connection.ts';
import { createStore } from '../../src/store/kysely-store.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import type { Store, StoredUser } from '../../src/store/contract.ts';
import type { Database } from '../../src/store/schema.ts';
import { blankProfile } from '../../src/domain/user-fields.ts';
import { newId } from '../../src/domain/ids.ts';
import { DATABASES, type DatabaseKind } from '../helpers/databases.ts';

function user(n: number): StoredUser {
  const at = new Date().toISOString();
  return {
    id: newId('usr'),
    environment: 'test',
    ...blankProfile(),
    email: `compiled${n}@example.com`,
    first_name: 'First',
    last_name: 'Last',
    password_set: false,
    password_hash: null,
    password_hash_type: null,
    source: 'v1',
    version: 1,
    created_at: at,
    updated_at: at,
  };
}

/** DDL from another connection, as a migration run by another process would be. */
async function alterElsewhere(url: string, statement: string): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const db = new SqliteDatabase(url.slice('sqlite:'.length));
    db.pragma('busy_timeout = 5000');
    db.exec(statement);
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(statement).finally(() => client.end());
}

/** A fresh, migrated database of `kind` and a store on it for `work`; dropped afterwards. */
async function withStore(kind: DatabaseKind, work: (store: Store, db: Kysely<Database>, url: string) => Promise<void>): Promise<void> {
  const database = await kind.create();
  const { db, capabilities } = openConnection(database.url);
  try {
    await migrateToLatest(db, capabilities);
    await work(createStore(db, capabilities), db, database.url);
  } finally {
    await db.destroy();
    await database.drop();
  }
}

for (const kind of DATABASES) {
  describe(`compiled queries and schema changes (${kind.name})`, () => {
    test('rows read after another process adds or renames a column show it; compiled updates still write the right columns', async () => {
      await withStore(kind, async (store, db, url) => {
        const a = user(1);
        await store.users.insert(a);
        // Read and write once, so that the statements, their compiled text and row makers exist.
        assert.equal((await store.users.findById('test', a.id))?.first_name, 'First');
        assert.equal(await store.transaction((tx) => tx.users.update('test', a.id, 1, { first_name: 'One', version: 2, updated_at: a.updated_at })), true);
        const before = await sql<Record<string, unknown>>`select * from users where id = ${a.id}`.execute(db);
        assert.equal(before.rows[0]!.first_name, 'One');

        await alterElsewhere(url, "ALTER TABLE users ADD COLUMN issue19_extra text DEFAULT 'added'");
        const added = await sql<Record<string, unknown>>`select * from users where id = ${a.id}`.execute(db);
        assert.equal(added.rows[0]!.issue19_extra, 'added', 'the new column is in the row');
        assert.equal(added.rows[0]!.first_name, 'One', 'and every column keeps its own value');
        assert.equal(await store.transaction((tx) => tx.users.update('test', a.id, 2, { first_name: 'Two', version: 3, updated_at: a.updated_at })), true);
        const found = await store.users.findById('test', a.id);
        assert.equal(found?.first_name, 'Two');
        assert.equal(found?.last_name, 'Last');
        assert.equal(found?.version, 3);

        await alterElsewhere(url, 'ALTER TABLE users RENAME COLUMN issue19_extra TO issue19_renamed');
        const renamed = await sql<Record<string, unknown>>`select * from users where id = ${a.id}`.execute(db);
        assert.equal(renamed.rows[0]!.issue19_renamed, 'added', 'the renamed column under its new name');
        assert.equal('issue19_extra' in renamed.rows[0]!, false, 'and not under its old one');
        assert.equal(renamed.rows[0]!.first_name, 'Two');

        // The same number of columns, other names: only the schema check can tell (not the row's length).
        await alterElsewhere(url, 'ALTER TABLE users DROP COLUMN issue19_renamed');
        await alterElsewhere(url, "ALTER TABLE users ADD COLUMN issue19_other text DEFAULT 'other'");
        const swapped = await sql<Record<string, unknown>>`select * from users where id = ${a.id}`.execute(db);
        assert.equal(swapped.rows[0]!.issue19_other, 'other', 'the column added in place of the dropped one');
        assert.equal('issue19_renamed' in swapped.rows[0]!, false, 'and not the dropped one');
        assert.equal((await store.users.findById('test', a.id))?.last_name, 'Last', 'a named read is unmoved by it');
      });
    });

    test('an API key is still found after another process adds a column to api_keys (its lookup is prepared by name on PostgreSQL)', async () => {
      await withStore(kind, async (store, _db, url) => {
        const at = new Date().toISOString();
        await store.apiKeys.insert({ id: newId('key'), environment: 'test', name: 'k', type: 'secret', scopes: ['read'], secret_hash: 'hash-1', preview: 'sk_test_…0001', created_by: null, created_at: at, revoked_at: null });
        assert.equal((await store.apiKeys.findBySecretHash('hash-1'))?.name, 'k');
        await alterElsewhere(url, "ALTER TABLE api_keys ADD COLUMN issue19_extra text DEFAULT 'added'");
        // Every pooled connection that prepared the lookup must still run it.
        const found = await Promise.all(Array.from({ length: 4 }, () => store.apiKeys.findBySecretHash('hash-1')));
        assert.deepEqual(found.map((key) => key?.name), ['k', 'k', 'k', 'k']);
      });
    });

    test('an update compiled for one set of columns never binds another set in its place', async () => {
      await withStore(kind, async (store) => {
        const a = user(2);
        await store.users.insert(a);
        const at = a.updated_at;
        const steps: [Record<string, unknown>, Partial<StoredUser>][] = [
          [{ title: 'T1' }, { title: 'T1' }],
          [{ last_name: 'L2', title: 'T2' }, { last_name: 'L2', title: 'T2' }],
          [{ title: 'T3', last_name: 'L3' }, { last_name: 'L3', title: 'T3' }],
          [{ metadata: { k: 'v' }, first_name: null }, { metadata: { k: 'v' }, first_name: null }],
          // An undefined value is left out of the SET, and out of the compiled text's key.
          [{ title: 'T5', location: undefined }, { title: 'T5', location: null }],
        ];
        let version = 1;
        for (const [changes, expected] of steps) {
          assert.equal(await store.transaction((tx) => tx.users.update('test', a.id, version, { ...changes, version: version + 1, updated_at: at })), true);
          version += 1;
          const found = (await store.users.findById('test', a.id))!;
          for (const [field, value] of Object.entries(expected)) assert.deepEqual(found[field as keyof StoredUser], value, `${field} after ${JSON.stringify(changes)}`);
          assert.equal(found.version, version);
        }
        // A stale version writes nothing, whatever the columns.
        assert.equal(await store.transaction((tx) => tx.users.update('test', a.id, 1, { title: 'stale', version: 99, updated_at: at })), false);
      });
    });
  });
}
