/**
 * Processes that start at once on one database migrate it at once. Kysely takes no migration lock on
 * SQLite, so two connections to one fresh file both ran 001 and the second failed with
 * "table identities already exists" (seen as a serve process that never came up). Migrations now
 * run in one transaction holding the database's lock (BEGIN IMMEDIATE on SQLite, an advisory lock
 * on PostgreSQL), so they take turns.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { openConnection } from '../../src/store/connection.ts';
import { latestMigration, migrateToLatest } from '../../src/store/migrate.ts';

test('four connections migrating one fresh SQLite file at once all succeed, and each migration runs once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'userplane-migrate-race-'));
  const connections = Array.from({ length: 4 }, () => openConnection(`sqlite:${join(dir, 'race.db')}`));
  try {
    const results = await Promise.allSettled(connections.map(({ db, capabilities }) => migrateToLatest(db, capabilities)));
    assert.deepEqual(
      results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')),
      ['ok', 'ok', 'ok', 'ok'],
    );
    const applied = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    const { db, capabilities } = connections[0]!;
    const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
    assert.deepEqual(applied.sort(), rows.rows.map((r) => r.name), 'every migration was applied by exactly one connection');
    assert.equal(rows.rows.at(-1)?.name, latestMigration(capabilities));
  } finally {
    await Promise.all(connections.map(({ db }) => db.destroy()));
    rmSync(dir, { recursive: true, force: true });
  }
});
