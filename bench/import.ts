/**
 * `npm run bench:import`: `userplane import --from auth0` of a generated Auth0 bulk-import file with
 * bcrypt hashes into a fresh SQLite database, through a real `userplane serve`. Prints users/s and
 * the server's CPU time per user (so the figure can be read apart from a busy machine), then the
 * importing client's own CPU time per user (the two share the machine).
 *
 *   --users N (100000)   --batch-size N (1000)   --concurrency N (3)
 *   --database-url URL   an existing database instead of a fresh SQLite file
 *   --cpu-prof DIR       the server runs with --cpu-prof and writes its profile to DIR on exit
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hashSync } from '@node-rs/bcrypt';
import { auth0Format } from '../src/cli/import/formats/auth0.ts';
import { runImport } from '../src/cli/import/runner.ts';
import { BENCH_KEY, startServer } from './server.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    'batch-size': { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '3' },
    'database-url': { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});
const users = Number(values.users);
if (!Number.isInteger(users) || users < 1) throw new Error(`--users must be a whole number ≥ 1, got ${values.users}`);

const dir = mkdtempSync(join(tmpdir(), 'userplane-bench-import-'));
const file = join(dir, 'auth0-users.json');

// A few real bcrypt hashes (cost 10, as Auth0 stores them), reused: the import parses hashes, it does not verify them.
const hashes = Array.from({ length: 8 }, (_, i) => hashSync(`password-${i}`, 10));
const out = createWriteStream(file);
out.write('[\n');
for (let i = 0; i < users; i += 1) {
  const user = {
    user_id: `auth0|bench${i}`,
    email: `bench-${i}@example.com`,
    email_verified: i % 3 !== 0,
    given_name: `Given${i}`,
    family_name: `Family${i}`,
    name: `Given${i} Family${i}`,
    user_metadata: { plan: i % 2 ? 'pro' : 'free', signup: i },
    app_metadata: { roles: ['user'] },
    password_hash: hashes[i % hashes.length],
  };
  if (!out.write(`${JSON.stringify(user)}${i + 1 < users ? ',' : ''}\n`)) await once(out, 'drain');
}
out.end(']\n');
await once(out, 'finish');

const databaseUrl = values['database-url'] ?? `sqlite:${join(dir, 'bench.db')}`;
const server = await startServer({
  databaseUrl,
  nodeArgs: values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : [],
});
try {
  const cpuBefore = server.cpuMs();
  const clientBefore = process.cpuUsage();
  const summary = await runImport({
    file,
    format: auth0Format,
    formatOptions: {},
    url: server.base,
    key: BENCH_KEY,
    dryRun: false,
    resume: false,
    batchSize: Number(values['batch-size']),
    concurrency: Number(values.concurrency),
  });
  const serverCpuMs = server.cpuMs() - cpuBefore;
  const clientUsage = process.cpuUsage(clientBefore);
  const clientCpuMs = (clientUsage.user + clientUsage.system) / 1000;
  const imported = summary.created + summary.updated + summary.unchanged;
  if (summary.failed > 0) console.log(`${summary.failed} records failed: see ${summary.reasonsPath}`);
  console.log(
    [
      `import --from auth0 (bcrypt hashes) of ${users.toLocaleString('en')} users into ${values['database-url'] ? 'the given database' : 'a fresh SQLite file'}`,
      `${imported.toLocaleString('en')} imported in ${summary.seconds.toFixed(1)} s: ${Math.round(imported / summary.seconds).toLocaleString('en')} users/s`,
      `server CPU ${(serverCpuMs / Math.max(imported, 1)).toFixed(3)} ms per user (${(serverCpuMs / 1000).toFixed(1)} s in all)`,
      `client CPU ${(clientCpuMs / Math.max(imported, 1)).toFixed(3)} ms per user (the importing CLI, this process; ${(clientCpuMs / 1000).toFixed(1)} s in all)`,
      `reproduce: npm run bench:import -- --users ${users} --batch-size ${values['batch-size']} --concurrency ${values.concurrency}`,
    ].join('\n'),
  );
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
