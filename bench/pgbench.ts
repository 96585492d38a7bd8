/**
 * The PostgreSQL yardstick: pgbench running, against the bench database's own tables, the
 * transaction one PATCH /v1/users/{id} runs (src/services/user-service.ts update(), through
 * users.updateAndAppend):
 *
 *   BEGIN
 *   SELECT * FROM users WHERE id = … AND environment = … FOR UPDATE      (users.findById lock)
 *   WITH u AS (UPDATE users …), e AS (INSERT INTO user_events … FROM u), v AS (the endpoints'
 *     version), d AS (INSERT INTO webhook_deliveries …) SELECT …         (one statement)
 *   COMMIT
 *
 * No webhook endpoint exists, so, as in Userplane, the event keeps no snapshot and no delivery is
 * queued.
 * Values travel as bind parameters, as they do from pg. The one addition: pgbench has no list of
 * ULIDs, so the locking SELECT finds its user through an ordinal table (n → id) in a subquery:
 * one more primary-key probe inside the same statement, no extra round trip.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { BENCH_ENVIRONMENT } from './seed.ts';

export const ID_TABLE = 'userplane_bench_ids';

export interface PgbenchOptions {
  databaseUrl: string;
  users: number;
  connections: number;
  duration: number;
  /** pg sends each parameterised query as an unnamed Parse/Bind/Execute: that is `extended`. */
  mode: 'extended' | 'prepared';
  binary: string;
}

export interface PgbenchResult {
  tps: number;
  p50: number;
  p99: number;
  transactions: number;
  failed: number;
}

/** The pgbench executable: $PGBENCH, one on PATH, or the newest Debian PostgreSQL's. */
export function findPgbench(): string {
  if (process.env.PGBENCH) return process.env.PGBENCH;
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'pgbench'))) return join(dir, 'pgbench');
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin/pgbench'))) return join(root, v, 'bin/pgbench');
  throw new Error('pgbench not found: install postgresql-client or set PGBENCH=/path/to/pgbench');
}

/** (Re)builds the n → id table over the current users, so pgbench draws from all of them. */
export async function buildIdTable(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP TABLE IF EXISTS ${ID_TABLE}`);
    await client.query(`CREATE TABLE ${ID_TABLE} AS SELECT (row_number() OVER (ORDER BY id))::int AS n, id FROM users WHERE environment = $1`, [BENCH_ENVIRONMENT]);
    await client.query(`ALTER TABLE ${ID_TABLE} ADD PRIMARY KEY (n)`);
    await client.query(`ANALYZE ${ID_TABLE}`);
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${ID_TABLE}`);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

export async function dropIdTable(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS ${ID_TABLE}`).finally(() => client.end());
}

/** The script, for the run and for the report. */
export function pgbenchScript(users: number): string {
  // The statements a plain PATCH sends (src/store/user-queries.ts updateAndAppend, with
  // src/store/event-append.ts): the locked read, then the update, its event, the endpoints' version
  // and its deliveries in one statement (no endpoint here: the cached list is empty), then COMMIT.
  // Userplane sends BEGIN in the same write as the read; pgbench sends it on its own.
  return `\\set n random(1, ${users})
\\set r random(1, 999999)
BEGIN;
SELECT * FROM users WHERE id = (SELECT id FROM ${ID_TABLE} WHERE n = :n) AND environment = :env FOR UPDATE \\gset u_
WITH u AS (UPDATE users SET title = 'Ada ' || :r::text, version = :u_version + 1, updated_at = :at WHERE id = :u_id AND environment = :env AND version = :u_version RETURNING 1), e AS (INSERT INTO user_events (id, environment, user_id, type, actor, request_id, door, changes, created_at, snapshot) SELECT 'evt_' || (extract(epoch FROM clock_timestamp()) * 1000000)::bigint || '_' || :client_id::text, :env, :u_id, 'user.updated', :actor, :request_id, 'v1', '{"title":{"previous": null,"current":"Ada ' || :r::text || '"}}', :at, NULL FROM u RETURNING seq), v AS (SELECT version FROM webhook_endpoint_version WHERE id = 1), d AS (INSERT INTO webhook_deliveries (id, endpoint_id, environment, event_seq, event_id, event_type, user_id, state, attempts, next_attempt_at, retry_from, lease_owner, lease_until, created_at, updated_at, bulk) SELECT q.id, q.endpoint_id, :env, e.seq, 'x', 'user.updated', :u_id, 'pending', 0, :at, :at, NULL, NULL, :at, :at, 0 FROM e, v, unnest('{}'::text[], '{}'::text[]) AS q(id, endpoint_id) WHERE v.version = 0) SELECT (SELECT count(*) FROM u) AS updated, (SELECT seq FROM e) AS seq, (SELECT version FROM v) AS version;
END;
`;
}

export async function runPgbench(options: PgbenchOptions): Promise<PgbenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'userplane-pgbench-'));
  try {
    const script = join(dir, 'patch.sql');
    writeFileSync(script, pgbenchScript(options.users));
    const logPrefix = join(dir, 'tx');
    const args = [
      '-n',
      `-M${options.mode}`,
      `-f${script}`,
      `-c${options.connections}`,
      `-j${Math.min(2, options.connections)}`,
      `-T${options.duration}`,
      '--log',
      `--log-prefix=${logPrefix}`,
      `-Denv=${BENCH_ENVIRONMENT}`,
      '-Dactor=key_config_bench',
      '-Drequest_id=req_01bench0000000000000000000',
      `-Dat=${new Date().toISOString()}`,
      options.databaseUrl,
    ];
    const { code, stdout, stderr } = await run(options.binary, args);
    if (code !== 0) throw new Error(`pgbench exited ${code}:\n${stderr}\n${stdout}`);
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1]);
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1] ?? 0);
    const failed = Number(/number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? 0);
    if (!Number.isFinite(tps)) throw new Error(`no tps in pgbench output:\n${stdout}`);
    const latencies = readLatencies(dir);
    return { tps, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), transactions, failed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Per-transaction latencies in ms from pgbench's logs (`client tx latency_us script epoch us`). */
function readLatencies(dir: string): Float64Array {
  const values: number[] = [];
  for (const file of readdirSync(dir).filter((f) => f.startsWith('tx.'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const latency = line.split(' ')[2];
      if (latency !== undefined && latency !== 'skipped' && latency !== 'failed') values.push(Number(latency) / 1000);
    }
  }
  return Float64Array.from(values).sort();
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function run(binary: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
