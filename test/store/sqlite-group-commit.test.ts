/**
 * Issue 19: on SQLite, transactions that end in the same turn of the event loop share one COMMIT
 * (src/store/sqlite-driver.ts). None of the guarantees of a COMMIT each may be lost with it: a
 * transaction is reported done only once another connection can read it, a failing one takes
 * nothing else with it, a statement outside a transaction never sees what is not committed, and a
 * COMMIT that fails fails every transaction it carried, leaving nothing of them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { openConnection, type Connection } from '../../src/store/connection.ts';
import { DATABASES } from '../helpers/databases.ts';

const sqlite = DATABASES.find((kind) => kind.name === 'sqlite')!;

async function withDatabase(work: (connection: Connection, other: SqliteDatabase.Database) => Promise<void>): Promise<void> {
  const database = await sqlite.create();
  const path = database.url.slice('sqlite:'.length);
  const connection = openConnection(database.url);
  const db = connection.db as unknown as Kysely<Record<string, never>>;
  await sql`create table items (id integer primary key, label text not null unique)`.execute(db);
  await sql`create table parents (id integer primary key)`.execute(db);
  await sql`create table children (id integer primary key, parent integer not null references parents (id) deferrable initially deferred)`.execute(db);
  // Another connection to the same file: what it reads is what is committed.
  const other = new SqliteDatabase(path, { readonly: true });
  try {
    await work(connection, other);
  } finally {
    other.close();
    await connection.db.destroy();
    await database.drop();
  }
}

function raw(connection: Connection): Kysely<Record<string, never>> {
  return connection.db as unknown as Kysely<Record<string, never>>;
}

function committed(other: SqliteDatabase.Database, label: string): boolean {
  return other.prepare('select 1 from items where label = ?').get(label) !== undefined;
}

describe('SQLite group commit', () => {
  test('transactions that end together share a COMMIT, and each is reported done only once another connection reads it', async () => {
    await withDatabase(async (connection, other) => {
      const before = connection.commitStats()!;
      const seenAtResolve: boolean[] = [];
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          raw(connection)
            .transaction()
            .execute((trx) => sql`insert into items (id, label) values (${i + 1}, ${`item ${i}`})`.execute(trx))
            .then(() => seenAtResolve.push(committed(other, `item ${i}`))),
        ),
      );
      assert.deepEqual(seenAtResolve, Array(20).fill(true), 'every transaction was readable elsewhere when it resolved');
      const after = connection.commitStats()!;
      assert.equal(after.transactions - before.transactions, 20);
      assert.ok(after.commits - before.commits < 20, `20 transactions in ${after.commits - before.commits} COMMITs: they were grouped`);
      assert.ok(after.commits > before.commits);
    });
  });

  test('a transaction that fails rolls back alone; the others of its group commit', async () => {
    await withDatabase(async (connection, other) => {
      const db = raw(connection);
      await db.transaction().execute((trx) => sql`insert into items (id, label) values (100, 'taken')`.execute(trx));
      const before = connection.commitStats()!;
      const results = await Promise.allSettled([
        db.transaction().execute((trx) => sql`insert into items (id, label) values (1, 'first')`.execute(trx)),
        db.transaction().execute(async (trx) => {
          await sql`insert into items (id, label) values (2, 'thrown')`.execute(trx);
          throw new Error('the work failed after its write');
        }),
        db.transaction().execute(async (trx) => {
          await sql`insert into items (id, label) values (3, 'before the duplicate')`.execute(trx);
          await sql`insert into items (id, label) values (4, 'taken')`.execute(trx);
        }),
        db.transaction().execute((trx) => sql`insert into items (id, label) values (5, 'last')`.execute(trx)),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
      );
      assert.match(String((results[2] as PromiseRejectedResult).reason), /UNIQUE/);
      assert.equal(committed(other, 'first'), true);
      assert.equal(committed(other, 'last'), true);
      assert.equal(committed(other, 'thrown'), false, "a failed transaction's writes are undone");
      assert.equal(committed(other, 'before the duplicate'), false, "all of a failed transaction's writes, not only the failing statement's");
      const after = connection.commitStats()!;
      assert.equal(after.transactions - before.transactions, 2);
      assert.equal(after.commits - before.commits, 1, 'the two that succeeded shared one COMMIT');
    });
  });

  test('a statement outside a transaction commits the open group first: it never reads what is not committed', async () => {
    await withDatabase(async (connection, other) => {
      const db = raw(connection);
      let workDone!: () => void;
      const worked = new Promise<void>((resolve) => (workDone = resolve));
      const writing = db.transaction().execute(async (trx) => {
        await sql`insert into items (id, label) values (1, 'written')`.execute(trx);
        workDone();
      });
      await worked;
      // The transaction's work is done, its COMMIT not yet due (that comes after this turn).
      const { rows } = await sql<{ label: string }>`select label from items`.execute(db);
      assert.deepEqual(rows, [{ label: 'written' }]);
      assert.equal(committed(other, 'written'), true, 'what the read saw was committed before it ran');
      await writing;
    });
  });

  test('a COMMIT that fails fails every transaction it carried, and none of them wrote anything', async () => {
    await withDatabase(async (connection, other) => {
      const db = raw(connection);
      // A deferred foreign key is checked at COMMIT: the one way a COMMIT refuses what its transactions did.
      const results = await Promise.allSettled([
        db.transaction().execute((trx) => sql`insert into items (id, label) values (1, 'innocent')`.execute(trx)),
        db.transaction().execute((trx) => sql`insert into children (id, parent) values (1, 999)`.execute(trx)),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['rejected', 'rejected'],
      );
      for (const r of results) assert.match(String((r as PromiseRejectedResult).reason), /FOREIGN KEY/);
      assert.equal(committed(other, 'innocent'), false);
      assert.equal((other.prepare('select count(*) as n from children').get() as { n: number }).n, 0);
      // The connection is usable afterwards.
      await db.transaction().execute((trx) => sql`insert into items (id, label) values (2, 'after')`.execute(trx));
      assert.equal(committed(other, 'after'), true);
    });
  });

  test('a full database: whatever is reported done is there, whatever failed left nothing', async () => {
    await withDatabase(async (connection, other) => {
      const db = raw(connection);
      const pages = (other.prepare('pragma page_count').get() as { page_count: number }).page_count;
      await sql.raw(`pragma max_page_count = ${pages + 2}`).execute(db);
      const labels = Array.from({ length: 12 }, (_, i) => (i % 3 === 2 ? `big ${i} ${'x'.repeat(20_000)}` : `small ${i}`));
      const results = await Promise.allSettled(
        labels.map((label, i) => db.transaction().execute((trx) => sql`insert into items (id, label) values (${i + 1}, ${label})`.execute(trx))),
      );
      assert.ok(
        results.some((r) => r.status === 'rejected'),
        'the limit was reached',
      );
      results.forEach((r, i) => assert.equal(committed(other, labels[i]!), r.status === 'fulfilled', `${labels[i]!.slice(0, 10)}: ${r.status}`));
      await sql.raw('pragma max_page_count = 1073741823').execute(db);
      await db.transaction().execute((trx) => sql`insert into items (id, label) values (100, 'after')`.execute(trx));
      assert.equal(committed(other, 'after'), true);
    });
  });
});
