/** The database a bench run uses: a fresh one it removes afterwards, or one the caller names. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { redactUrl } from '../src/config.ts';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface BenchDatabase {
  kind: DatabaseKind;
  url: string;
  /** For the report: the URL without its password. */
  shown: string;
  /** Removes what the bench created; a database the caller named is left alone. */
  remove(): Promise<void>;
}

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export function kindOf(url: string): DatabaseKind {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgres';
  throw new Error(`--database-url must be sqlite:<path> or postgres://…, got "${url}"`);
}

export async function openBenchDatabase(kind: DatabaseKind, existingUrl: string | undefined): Promise<BenchDatabase> {
  if (existingUrl) return { kind, url: existingUrl, shown: redactUrl(existingUrl), remove: async () => {} };
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'userplane-bench-'));
    const url = `sqlite:${join(dir, 'bench.db')}`;
    return { kind, url, shown: `${url} (fresh, removed after)`, remove: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  // A fresh database on the server BENCH_POSTGRES_URL names, dropped after.
  const admin = process.env.BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
  const name = `userplane_bench_${Date.now().toString(36)}_${process.pid}`;
  await withClient(admin, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    kind,
    url: url.toString(),
    shown: `${redactUrl(url.toString())} (fresh, dropped after)`,
    remove: async () => {
      await withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
