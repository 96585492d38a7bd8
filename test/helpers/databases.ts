/**
 * The databases a suite runs on: a fresh SQLite file always, and a fresh PostgreSQL database when
 * TEST_DATABASE_URL is set (CI sets it). Each call makes a new one; `drop` removes it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export interface DatabaseKind {
  name: 'sqlite' | 'postgres';
  create(): Promise<TestDatabase>;
}

const sqlite: DatabaseKind = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'userplane-test-'));
    return { url: `sqlite:${join(dir, 'test.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

function postgres(adminUrl: string): DatabaseKind {
  return {
    name: 'postgres',
    async create() {
      const name = `userplane_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        async drop() {
          const client = new pg.Client({ connectionString: adminUrl });
          await client.connect();
          await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await client.end();
        },
      };
    },
  };
}

const pgUrl = process.env.TEST_DATABASE_URL;
if (!pgUrl && !process.env.USERPLANE_QUIET_SKIPS) {
  process.stderr.write('# TEST_DATABASE_URL is not set: PostgreSQL variants of this suite are skipped\n');
}

/** SQLite always; PostgreSQL when TEST_DATABASE_URL is set. */
export const DATABASES: DatabaseKind[] = pgUrl ? [sqlite, postgres(pgUrl)] : [sqlite];
export const POSTGRES_URL = pgUrl;
