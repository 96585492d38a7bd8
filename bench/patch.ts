/**
 * `npm run bench`: the full PATCH /v1/users/{id} path against a trivial authenticated GET
 * (/v1/whoami) of the same server, in one run, so the ratio survives a noisy machine.
 *
 * Options: --users N (10000)  --database-url URL (a fresh SQLite file)  --duration S (10)
 *          --connections N (10)
 * The server runs in its own process; autocannon drives it from this one.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createServices } from '../src/services/index.ts';
import { openStore } from '../src/store/kysely-store.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    'database-url': { type: 'string' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
  },
});
const userCount = Number(values.users);
const duration = Number(values.duration);
const connections = Number(values.connections);
const KEY = 'sk_test_bench_admin_key_000000001';

const dir = mkdtempSync(join(tmpdir(), 'userplane-bench-'));
const databaseUrl = values['database-url'] ?? `sqlite:${join(dir, 'bench.db')}`;

async function seed(): Promise<string[]> {
  const store = await openStore(databaseUrl);
  const services = createServices(store, { roles: [], emailChange: 'direct', adminKeys: [KEY] });
  const ctx = { environment: 'test' as const, actor: 'bench', door: 'cli' as const, requestId: null };
  const existing = await services.users.list(ctx, {}, { limit: 1 });
  const ids: string[] = [];
  if (existing.items.length === 0) {
    const started = Date.now();
    for (let i = 0; i < userCount; i++) {
      const user = await services.users.create(ctx, { email: `bench${i}@example.com`, first_name: 'Bench', metadata: { i } });
      ids.push(user.id);
    }
    console.log(`seeded ${userCount} users in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } else {
    let after: string | undefined;
    do {
      const page = await services.users.list(ctx, {}, { limit: 100, after });
      ids.push(...page.items.map((u) => u.id));
      after = page.hasMore ? page.items.at(-1)?.id : undefined;
    } while (after && ids.length < userCount);
  }
  await store.close();
  return ids;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startServer(port: number) {
  const child = spawn(process.execPath, ['bin/userplane.js', 'serve'], {
    // Limits off: the bench measures the update path, not the limiter's 429s.
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), USERPLANE_ADMIN_KEYS: KEY, LOG_LEVEL: 'warn', USERPLANE_RATE_LIMIT: 'off' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { child, base };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('server did not start');
}

function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

async function load(title: string, options: autocannon.Options) {
  const result = await autocannon({ connections, duration, ...options });
  const errors = result.non2xx + result.errors + result.timeouts;
  return { title, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors, total: result.requests.total };
}

const ids = await seed();
const port = await freePort();
const { child, base } = await startServer(port);
const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const names = ['Ada', 'Grace', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia'];
const fields = ['first_name', 'last_name', 'title', 'location', 'organization'];

const patchOptions: autocannon.Options = {
  url: base,
  requests: [
    {
      method: 'PATCH',
      headers,
      // Built per call: a random user, a random field, a random value.
      setupRequest: (request) => {
        const id = ids[Math.floor(Math.random() * ids.length)];
        const field = fields[Math.floor(Math.random() * fields.length)]!;
        const value = `${names[Math.floor(Math.random() * names.length)]} ${Math.floor(Math.random() * 1e6)}`;
        return { ...request, path: `/v1/users/${id}`, body: JSON.stringify({ [field]: value }) };
      },
    },
  ],
};
const getOptions: autocannon.Options = { url: `${base}/v1/whoami`, headers: { authorization: headers.authorization } };

// Warm both paths up (JIT, statement cache) before measuring.
await autocannon({ ...getOptions, connections, duration: 2 });
await autocannon({ ...patchOptions, connections, duration: 2 });
const get = await load('GET /v1/whoami (trivial, authenticated)', getOptions);
const patch = await load('PATCH /v1/users/{id}', patchOptions);
const rss = rssOf(child.pid!);

child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
if (!values['database-url']) rmSync(dir, { recursive: true, force: true });

const row = (r: typeof get) =>
  `${r.title.padEnd(42)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${String(r.p50).padStart(3)} ms   p99 ${String(r.p99).padStart(3)} ms   non-2xx/errors ${r.errors}`;
console.log(`\nUserplane bench: ${ids.length} users, ${databaseUrl.startsWith('sqlite:') ? 'SQLite' : 'PostgreSQL'}, ${connections} connections, ${duration} s each`);
console.log(row(get));
console.log(row(patch));
console.log(`PATCH / trivial GET throughput ratio: ${(patch.rps / get.rps).toFixed(2)}   server RSS after load: ${rss.toFixed(0)} MiB`);
