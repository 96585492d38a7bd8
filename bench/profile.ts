/**
 * `npm run bench:profile`: one load against a `userplane serve` running under `node --cpu-prof`,
 * then the profile's top functions by self and total time. Profile before optimising.
 *
 *   --load patch|get|list|whoami   (patch) what bench/load.ts sends
 *   --database sqlite|postgres     (sqlite) a fresh database, as `npm run bench` makes it
 *   --users N (10000)  --duration S (10)  --connections N (10)  --workers N  --top N (15)
 *   --out DIR                      keep the .cpuprofile there (else a temporary directory, removed)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../src/store/kysely-store.ts';
import { openBenchDatabase, type DatabaseKind } from './database.ts';
import { getUserLoad, listLoad, measure, patchLoad, whoamiLoad } from './load.ts';
import { printSummary, summarise } from './profile-summary.ts';
import { openSeeder } from './seed.ts';
import { startServer } from './server.ts';

const { values } = parseArgs({
  options: {
    load: { type: 'string', default: 'patch' },
    database: { type: 'string', default: 'sqlite' },
    users: { type: 'string', default: '10000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    workers: { type: 'string' },
    top: { type: 'string', default: '15' },
    out: { type: 'string' },
  },
});
const kind = values.database as DatabaseKind;
if (kind !== 'sqlite' && kind !== 'postgres') throw new Error(`--database must be sqlite or postgres, got "${values.database}"`);
const loads = { patch: patchLoad, get: getUserLoad, list: listLoad, whoami: (base: string) => whoamiLoad(base) };
const makeLoad = loads[values.load as keyof typeof loads];
if (!makeLoad) throw new Error(`--load must be one of ${Object.keys(loads).join(', ')}`);

const database = await openBenchDatabase(kind, undefined);
const dir = values.out ?? mkdtempSync(join(tmpdir(), 'userplane-profile-'));
try {
  await (await openStore(database.url)).close();
  const seeder = openSeeder(database.url);
  await seeder.topUp(Number(values.users));
  await seeder.settle();
  const ids = await seeder.ids();
  await seeder.close();

  const server = await startServer({ databaseUrl: database.url, workers: values.workers, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  let before = 0;
  let total = 0;
  let measured = { from: 0, to: 0 };
  try {
    const load = makeLoad(server.base, ids);
    await measure(load, Number(values.connections), 2);
    before = server.cpuMs();
    const from = Date.now();
    const result = await measure(load, Number(values.connections), Number(values.duration));
    measured = { from, to: Date.now() };
    total = result.total;
    console.log(`${values.load}: ${Math.round(result.rps)} req/s, p99 ${result.p99} ms, ${result.failures} failures, server CPU ${Math.round(((server.cpuMs() - before) * 1000) / Math.max(1, total))} µs/request`);
  } finally {
    await server.stop();
  }
  const exited = Date.now();
  const window = { fromEndMs: exited - measured.from, toEndMs: exited - measured.to };
  // The main thread of each server process (worker threads, the checkpointer's and tsx's, write
  // profiles of their own: thread 0 is the main one).
  const files = readdirSync(dir).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f));
  for (const file of files) {
    const summary = summarise(JSON.parse(readFileSync(join(dir, file), 'utf8')), Number(values.top), window);
    printSummary(summary, `${values.load} on ${kind}, the measured ${values.duration} s of ${file}`);
  }
  if (values.out) console.log(`\nprofiles kept in ${dir}`);
} finally {
  if (!values.out) rmSync(dir, { recursive: true, force: true });
  await database.remove();
}
