/**
 * The databases a suite runs on: a fresh SQLite file always, and a fresh PostgreSQL database when
 * TEST_DATABASE_URL is set (CI sets it). Each call makes a new one; `drop` removes it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openStore } from '../../src/store/kysely-store.ts';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export interface DatabaseKind {
  name: 'sqlite' | 'postgres';
  /** A new, empty database. */
  create(): Promise<TestDatabase>;
  /**
   * A new database with every migration applied, as `openStore` would leave an empty one. On
   * PostgreSQL it is a copy of a template database migrated once per set of migrations (migrating
   * takes about a second there, copying a small database a fraction of it); on SQLite the store
   * migrates its new file itself.
   */
  createMigrated(): Promise<TestDatabase>;
}

const sqlite: DatabaseKind = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'userplane-test-'));
    return { url: `sqlite:${join(dir, 'test.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  },
  createMigrated() {
    return this.create();
  },
};

const STORE = fileURLToPath(new URL('../../src/store/', import.meta.url));

/** Names the migrations as they are now: the files that make the schema, by content. */
function migrationsFingerprint(): string {
  const hash = createHash('sha256');
  const files = [...readdirSync(join(STORE, 'migrations')).sort().map((name) => join('migrations', name)), 'migrate.ts', 'capabilities.ts'];
  for (const file of files) hash.update(file).update('\0').update(readFileSync(join(STORE, file))).update('\0');
  return hash.digest('hex').slice(0, 16);
}

function postgres(adminUrl: string): DatabaseKind {
  const urlOf = (name: string) => {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const fresh = async (template: string | null): Promise<TestDatabase> => {
    const name = `userplane_test_${randomBytes(6).toString('hex')}`;
    await admin((client) => client.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`));
    return { url: urlOf(name), drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}) };
  };

  /**
   * The template of this set of migrations, made once for every test process and run: under an
   * advisory lock, the first to need it migrates a scratch database, closes every connection to it
   * and renames it into place, so that no one ever copies a half-made template. Left in place for
   * the next run; a change to the migrations names a new one.
   */
  let template: Promise<string> | undefined;
  const migratedTemplate = () =>
    (template ??= admin(async (client) => {
      const name = `userplane_template_${migrationsFingerprint()}`;
      await client.query('select pg_advisory_lock(hashtext($1))', [name]);
      try {
        const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
        if (exists.rowCount === 0) {
          const scratch = await fresh(null);
          const store = await openStore(scratch.url);
          await store.close();
          const scratchName = new URL(scratch.url).pathname.slice(1);
          await client.query(`ALTER DATABASE ${scratchName} RENAME TO ${name}`);
        }
        return name;
      } finally {
        await client.query('select pg_advisory_unlock(hashtext($1))', [name]);
      }
    }));

  return {
    name: 'postgres',
    create: () => fresh(null),
    async createMigrated() {
      return fresh(await migratedTemplate());
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
