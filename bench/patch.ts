/**
 * `npm run bench`: the full PATCH /v1/users/{id} path at one or more user counts, against a
 * trivial authenticated GET (/v1/whoami) of the same server, a bare Fastify route and a storage
 * ceiling (bench/limit-server.ts, started in the same process layout) and, on PostgreSQL, against
 * pgbench running the same transaction; all in one run, so the ratios survive a noisy machine.
 * The reads GET /v1/users/{id} and a page of 100 users are measured against the same GET and
 * against their own storage ceilings (the same reads as one prepared statement each).
 *
 *   --database sqlite|postgres   (sqlite) postgres: a fresh database on BENCH_POSTGRES_URL
 *                                (postgres://postgres@127.0.0.1:5432/postgres), dropped after
 *   --database-url URL           an existing database instead (kept; bench users are added)
 *   --users 10000,1000000        (10000) sizes, smallest first: the database is grown between them
 *   --duration S (10)  --connections N (10)  --workers N (serve --workers)  --pool-size N
 *   --pgbench-mode extended|prepared (extended: what pg does)
 *
 * After the table, one line per user count gives the search figure (GET /v1/users?q=…).
 *
 * The server runs in its own process; autocannon drives it from this one.
 */
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { redactUrl } from '../src/config.ts';
import { openStore } from '../src/store/kysely-store.ts';
import { kindOf, openBenchDatabase, type BenchDatabase, type DatabaseKind } from './database.ts';
import { checkSeededUsers, getUserLoad, listLoad, measure, patchLoad, searchLoad, whoamiLoad, type LoadResult } from './load.ts';
import { buildIdTable, dropIdTable, findPgbench, pgbenchScript, runPgbench, type PgbenchResult } from './pgbench.ts';
import { printReport, type SizeResult } from './report.ts';
import { openSeeder } from './seed.ts';
import { startServer, type RunningServer } from './server.ts';
import type { LimitMode } from './limit-server.ts';

const { values } = parseArgs({
  options: {
    database: { type: 'string' },
    'database-url': { type: 'string' },
    users: { type: 'string', default: '10000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    workers: { type: 'string' },
    'pool-size': { type: 'string' },
    'pgbench-mode': { type: 'string', default: 'extended' },
  },
});

function count(text: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.replace(/_/g, ''));
  const n = match ? Number(match[1]) * { '': 1, k: 1e3, m: 1e6 }[match[2]!.toLowerCase() as '' | 'k' | 'm'] : NaN;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1 (10000, 10k, 1m), got "${text}"`);
  return n;
}

const sizes = [...new Set(values.users.split(',').map((s) => count(s.trim(), '--users')))].sort((a, b) => a - b);
const duration = count(values.duration, '--duration');
const connections = count(values.connections, '--connections');
const mode = values['pgbench-mode'];
if (mode !== 'extended' && mode !== 'prepared') throw new Error(`--pgbench-mode must be extended or prepared, got "${mode}"`);
if (values.workers) count(values.workers, '--workers');
if (values['pool-size']) count(values['pool-size'], '--pool-size');
const urlKind = values['database-url'] ? kindOf(values['database-url']) : undefined;
if (values.database && values.database !== 'sqlite' && values.database !== 'postgres') throw new Error(`--database must be sqlite or postgres, got "${values.database}"`);
if (values.database && urlKind && values.database !== urlKind) throw new Error(`--database ${values.database} disagrees with --database-url (${urlKind})`);
const kind: DatabaseKind = (values.database as DatabaseKind | undefined) ?? urlKind ?? 'sqlite';
const pgbench = kind === 'postgres' ? findPgbench() : null;

// Everything that decides the figures, so the line reproduces them.
const reproduce = [
  ...(process.env.DATABASE_POOL_SIZE && !values['pool-size'] ? [`DATABASE_POOL_SIZE=${process.env.DATABASE_POOL_SIZE}`] : []),
  ...(process.env.BENCH_POSTGRES_URL && kind === 'postgres' && !values['database-url'] ? [`BENCH_POSTGRES_URL='${redactUrl(process.env.BENCH_POSTGRES_URL)}'`] : []),
  'npm run bench --',
  `--database ${kind}`,
  ...(values['database-url'] ? [`--database-url '${redactUrl(values['database-url'])}'`] : []),
  `--users ${sizes.join(',')}`,
  `--duration ${duration}`,
  `--connections ${connections}`,
  ...(values.workers ? [`--workers ${values.workers}`] : []),
  ...(values['pool-size'] ? [`--pool-size ${values['pool-size']}`] : []),
  ...(kind === 'postgres' ? [`--pgbench-mode ${mode}`] : []),
].join(' ');

const database = await openBenchDatabase(kind, values['database-url']);
let server: RunningServer | null = null;
let cleaned = false;
async function cleanUp(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  await server?.stop().catch(() => {});
  if (kind === 'postgres') await dropIdTable(database.url).catch(() => {});
  await database.remove();
}
process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));

const results: SizeResult[] = [];
try {
  // The store migrates on open: the bench seeds the production schema, indexes and all.
  await (await openStore(database.url)).close();
  for (const size of sizes) results.push(await measureSize(database, size));
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
if (process.exitCode) process.exit();
printReport({ kind, database: database.shown, connections, duration, workers: values.workers, poolSize: values['pool-size'] ?? process.env.DATABASE_POOL_SIZE, pgbenchMode: mode, reproduce, cpus: cpus().length }, results);
if (kind === 'postgres') console.log(`\npgbench script (one PATCH's transaction; :n picks a user uniformly):\n\n${pgbenchScript(results.at(-1)!.users)}`);
const failed = results.some((r) => [r.patch, r.get, r.search, r.user, r.list, r.bare, r.ceiling, r.ceilingUser, r.ceilingList, ...(r.ceilingGrouped ? [r.ceilingGrouped] : [])].some((l) => l.failures > 0) || (r.pgbench?.failed ?? 0) > 0);
process.exit(failed ? 1 : 0);

/** Grows the database to `size` users, then closes it: nothing of the seeding is open while measuring. */
async function seed(db: BenchDatabase, size: number): Promise<{ added: number; seedSeconds: number; ids: string[] }> {
  const seeder = openSeeder(db.url);
  try {
    const started = Date.now();
    const added = await seeder.topUp(size);
    const seedSeconds = (Date.now() - started) / 1000;
    await seeder.settle();
    return { added, seedSeconds, ids: await seeder.ids() };
  } finally {
    await seeder.close();
  }
}

async function measureSize(db: BenchDatabase, size: number): Promise<SizeResult> {
  const { added, seedSeconds, ids } = await seed(db, size);
  console.log(`${ids.length} users: +${added} seeded in ${seedSeconds.toFixed(1)} s; measuring…`);

  server = await startServer({ databaseUrl: db.url, workers: values.workers, poolSize: values['pool-size'] });
  await checkSeededUsers(server.base, ids);
  // Each path warmed up (JIT, statement cache, buffer cache) right before it is measured.
  const getResult = await warmAndMeasure(server, whoamiLoad(server.base));
  const userResult = await warmAndMeasure(server, getUserLoad(server.base, ids));
  const listResult = await warmAndMeasure(server, listLoad(server.base, ids));
  const patchResult = await warmAndMeasure(server, patchLoad(server.base, ids));
  const memory = server.memory();
  // The search box over the same population, measured after the PATCH figures it must not disturb.
  const searchResult = await warmAndMeasure(server, searchLoad(server.base, ids.length));
  await server.stop();
  server = null;

  // The yardsticks, one at a time with nothing else running, as many processes as `serve` had.
  const limitWorkers = values.workers ?? String(db.kind === 'postgres' ? availableParallelism() : 1);
  const limits: Partial<Record<LimitMode, LoadResult & { cpuMicros: number }>> = {};
  let readCeilings: Pick<SizeResult, 'ceilingUser' | 'ceilingList'> | null = null;
  for (const limit of db.kind === 'sqlite' ? (['bare', 'ceiling', 'ceiling-grouped'] as const) : (['bare', 'ceiling'] as const)) {
    server = await startServer({ databaseUrl: db.url, workers: limitWorkers, poolSize: values['pool-size'], limit });
    if (limit === 'ceiling') {
      // The reads' own ceilings first, on the same rows the PATCH load then changes.
      readCeilings = { ceilingUser: await warmAndMeasure(server, getUserLoad(server.base, ids)), ceilingList: await warmAndMeasure(server, listLoad(server.base, ids)) };
    }
    limits[limit] = await warmAndMeasure(server, patchLoad(server.base, ids));
    await server.stop();
    server = null;
  }

  let pgbenchResult: PgbenchResult | null = null;
  if (db.kind === 'postgres') {
    const users = await buildIdTable(db.url);
    const options = { databaseUrl: db.url, users, connections, duration, mode: mode as 'extended' | 'prepared', binary: pgbench! };
    await runPgbench({ ...options, duration: 2 });
    pgbenchResult = await runPgbench(options);
  }
  return {
    users: ids.length,
    added,
    seedSeconds,
    get: getResult,
    patch: patchResult,
    search: searchResult,
    user: userResult,
    list: listResult,
    bare: limits.bare!,
    ceiling: limits.ceiling!,
    ceilingGrouped: limits['ceiling-grouped'] ?? null,
    ...readCeilings!,
    memory,
    pgbench: pgbenchResult,
  };
}

async function warmAndMeasure(on: RunningServer, load: Parameters<typeof measure>[0]): Promise<LoadResult & { cpuMicros: number }> {
  await measure(load, connections, 2);
  return measureOn(on, load);
}

/** A load's figures, with the server CPU each request cost (steadier than req/s on a shared machine). */
async function measureOn(on: RunningServer, load: Parameters<typeof measure>[0]): Promise<LoadResult & { cpuMicros: number }> {
  const before = on.cpuMs();
  const result = await measure(load, connections, duration);
  return { ...result, cpuMicros: ((on.cpuMs() - before) * 1000) / Math.max(1, result.total) };
}
