/** The bench's result: one README-ready table, the settings that produced it, and the aims. */
import type { DatabaseKind } from './database.ts';
import type { LoadResult } from './load.ts';
import type { PgbenchResult } from './pgbench.ts';

export interface SizeResult {
  users: number;
  added: number;
  seedSeconds: number;
  /** cpuMicros: server CPU time per request during the measurement. */
  get: LoadResult & { cpuMicros: number };
  patch: LoadResult & { cpuMicros: number };
  /** GET /v1/users?q=… (bench/load.ts searchLoad), measured after the PATCH load. */
  search: LoadResult & { cpuMicros: number };
  /** GET /v1/users/{id} and a page of 100 (GET /v1/users?limit=100&after=…). */
  user: LoadResult & { cpuMicros: number };
  list: LoadResult & { cpuMicros: number };
  /** The PATCH load against bench/limit-server.ts: the bare route and the storage ceiling. */
  bare: LoadResult & { cpuMicros: number };
  ceiling: LoadResult & { cpuMicros: number };
  /** The two reads against the storage ceiling's routes: one prepared statement each, the JSON written by the database. */
  ceilingUser: LoadResult & { cpuMicros: number };
  ceilingList: LoadResult & { cpuMicros: number };
  /** SQLite: the ceiling committing as Userplane does, a turn's requests in one COMMIT (null on PostgreSQL). */
  ceilingGrouped: (LoadResult & { cpuMicros: number }) | null;
  memory: { rssMiB: number; processes: number };
  pgbench: PgbenchResult | null;
}

export interface RunSettings {
  kind: DatabaseKind;
  database: string;
  connections: number;
  duration: number;
  workers: string | undefined;
  poolSize: string | undefined;
  pgbenchMode: string;
  reproduce: string;
  cpus: number;
}

// The aims of issue 8: PATCH ≥ 0.2 × the trivial GET (the core issue's ratio), and on PostgreSQL
// PATCH ≥ 0.5 × pgbench running the same transaction. Issue 19: PATCH ≥ 0.6 × the storage ceiling
// (SQLite), reads ≥ 0.5 × the trivial GET.
const GET_AIM = 0.2;
const PGBENCH_AIM = 0.5;
const CEILING_AIM = 0.6;
const READ_AIM = 0.5;

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(1) : n.toFixed(0)) : '–');
const mark = (ratio: number, aim: number) => `${(Math.floor(ratio * 100) / 100).toFixed(2)} ${ratio >= aim ? '✓' : '✗'}`;

export function printReport(settings: RunSettings, results: SizeResult[]): void {
  const pg = settings.kind === 'postgres';
  const header = ['database', 'users', 'PATCH req/s', 'p50 ms', 'p99 ms', 'non-2xx/errors', 'server CPU µs/PATCH', 'GET req/s', pg ? 'PATCH/GET' : `PATCH/GET (≥ ${GET_AIM})`, 'server RSS MiB (processes)'];
  if (pg) header.push(`pgbench tps (${settings.pgbenchMode})`, 'pgbench p50/p99 ms', `PATCH/pgbench (≥ ${PGBENCH_AIM})`);
  header.push('bare req/s', 'PATCH/bare', 'ceiling req/s', pg ? 'PATCH/ceiling' : `PATCH/ceiling (≥ ${CEILING_AIM})`);
  const rows = results.map((r) => {
    const row = [
      pg ? 'PostgreSQL' : 'SQLite',
      int(r.users),
      int(r.patch.rps),
      ms(r.patch.p50),
      ms(r.patch.p99),
      String(r.patch.failures + r.get.failures),
      int(r.patch.cpuMicros),
      int(r.get.rps),
      // The GET aim is SQLite's (the core issue's); on PostgreSQL the yardstick is pgbench.
      pg ? (r.patch.rps / r.get.rps).toFixed(2) : mark(r.patch.rps / r.get.rps, GET_AIM),
      `${int(r.memory.rssMiB)} (${r.memory.processes})`,
    ];
    if (pg) row.push(...(r.pgbench ? [int(r.pgbench.tps), `${ms(r.pgbench.p50)} / ${ms(r.pgbench.p99)}`, mark(r.patch.rps / r.pgbench.tps, PGBENCH_AIM)] : ['–', '–', '–']));
    // The ceiling aim is SQLite's; on PostgreSQL the ceiling is one round trip, printed for scale.
    row.push(int(r.bare.rps), (r.patch.rps / r.bare.rps).toFixed(2), int(r.ceiling.rps), pg ? (r.patch.rps / r.ceiling.rps).toFixed(2) : mark(r.patch.rps / r.ceiling.rps, CEILING_AIM));
    return row;
  });

  console.log(`\n## Userplane bench: ${results.map((r) => int(r.users)).join(' and ')} users on ${pg ? 'PostgreSQL' : 'SQLite'}\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map((_h, k) => (k < 2 ? '---' : '---:')).join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  console.log('');
  for (const r of results) {
    console.log(`- ${int(r.users)} users: ${r.added > 0 ? `${int(r.added)} seeded in ${r.seedSeconds.toFixed(1)} s (${int(r.added / r.seedSeconds)} users/s, with their user.created events)` : 'none seeded (already there)'}`);
  }
  for (const r of results) {
    console.log(
      `- ${int(r.users)} users, search (GET /v1/users?q=…, indexed): ${int(r.search.rps)} req/s, p50 ${ms(r.search.p50)} ms, p99 ${ms(r.search.p99)} ms, ` +
        `server CPU ${int(r.search.cpuMicros)} µs/search, non-2xx/errors ${r.search.failures}`,
    );
  }
  for (const r of results) {
    for (const [name, load, ceiling] of [
      ['GET /v1/users/{id}', r.user, r.ceilingUser],
      ['GET /v1/users?limit=100 (a page of 100)', r.list, r.ceilingList],
    ] as const) {
      console.log(
        `- ${int(r.users)} users, ${name}: ${int(load.rps)} req/s, p50 ${ms(load.p50)} ms, p99 ${ms(load.p99)} ms, server CPU ${int(load.cpuMicros)} µs/request, ` +
          `${mark(load.rps / r.get.rps, READ_AIM)} of GET /v1/whoami (≥ ${READ_AIM}), non-2xx/errors ${load.failures}; ` +
          `its storage ceiling ${int(ceiling.rps)} req/s, server CPU ${int(ceiling.cpuMicros)} µs/request (${(ceiling.rps / r.get.rps).toFixed(2)} of whoami), the read ${(load.rps / ceiling.rps).toFixed(2)} of it, non-2xx/errors ${ceiling.failures}`,
      );
    }
    // whoami's req/s is often the load generator's limit, not the server's (it shares the CPUs):
    // the ratio of CPU per request is the steadier comparison.
    console.log(
      `- ${int(r.users)} users, server CPU per request: PATCH ${int(r.patch.cpuMicros)} µs, GET /v1/whoami ${int(r.get.cpuMicros)} µs, bare route ${int(r.bare.cpuMicros)} µs, ` +
        `storage ceiling ${int(r.ceiling.cpuMicros)} µs (p99 ${ms(r.ceiling.p99)} ms); non-2xx/errors bare ${r.bare.failures}, ceiling ${r.ceiling.failures}; ` +
        `whoami's CPU as a ratio of each: PATCH ${(r.get.cpuMicros / r.patch.cpuMicros).toFixed(2)}, GET /v1/users/{id} ${(r.get.cpuMicros / r.user.cpuMicros).toFixed(2)}, page of 100 ${(r.get.cpuMicros / r.list.cpuMicros).toFixed(2)}`,
    );
    if (r.ceilingGrouped) {
      const g = r.ceilingGrouped;
      console.log(
        `- ${int(r.users)} users, storage ceiling with group commit (as Userplane commits): ${int(g.rps)} req/s, p99 ${ms(g.p99)} ms, server CPU ${int(g.cpuMicros)} µs/request, ` +
          `PATCH ${(r.patch.rps / g.rps).toFixed(2)} of it; non-2xx/errors ${g.failures}`,
      );
    }
  }
  if (results.length > 1) {
    const [first, last] = [results[0]!, results.at(-1)!];
    console.log(
      `- ${int(last.users)} vs ${int(first.users)} users: PATCH req/s × ${(last.patch.rps / first.patch.rps).toFixed(2)}, server CPU per PATCH × ${(last.patch.cpuMicros / first.patch.cpuMicros).toFixed(2)}, PATCH/GET × ${(last.patch.rps / last.get.rps / (first.patch.rps / first.get.rps)).toFixed(2)}, p50 ${ms(first.patch.p50)} → ${ms(last.patch.p50)} ms, p99 ${ms(first.patch.p99)} → ${ms(last.patch.p99)} ms`,
    );
  }
  console.log(
    `- ${settings.connections} connections, ${settings.duration} s per measurement (after 2 s warm-up), ${settings.cpus} CPUs shared by server, load generator${pg ? ', PostgreSQL and pgbench' : ''}; ` +
      `serve --workers ${settings.workers ?? 'default (one per CPU on PostgreSQL, one on SQLite)'}${pg ? `, DATABASE_POOL_SIZE ${settings.poolSize ?? '10 (default)'} per worker` : ''}`,
  );
  console.log(`- PATCH: a random user of all of them, one random field; GET: /v1/whoami; RSS and CPU: the server's whole process tree (RSS after the PATCH load)`);
  console.log(
    `- bare: the same PATCH requests to a Fastify route that parses the body and answers (no auth, no database); ceiling: the same requests to a Fastify route that only ` +
      `updates the user row and inserts its event with prepared statements in one transaction (${pg ? 'one statement, one round trip' : 'the same SQLite settings'}); ` +
      `a read's storage ceiling: the same GETs to routes of that server that run one prepared SELECT in which the database writes each user's JSON (every column), sent as it is; all bench/limit-server.ts, as many processes as serve`,
  );
  if (pg) console.log(`- pgbench: -M ${settings.pgbenchMode} -c ${settings.connections} -j ${Math.min(2, settings.connections)} -T ${settings.duration}, the same transaction on the same tables (script below), run right after the server stopped`);
  console.log(`- database: ${settings.database}`);
  console.log(`- reproduce: ${settings.reproduce}`);
}
