/**
 * Issue 8, part 1: `serve --workers N` (node:cluster). Several HTTP workers over one SQLite file
 * are safe: the core's two races still hold. The primary restarts a worker killed with -9, /metrics
 * counts every worker's requests, and SIGTERM stops them all cleanly. On PostgreSQL the default is
 * one worker per CPU.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DATABASES, type TestDatabase } from '../helpers/databases.ts';
import { killHard, sleep, startServe, type ServeProcess } from '../helpers/processes.ts';

const KEY = 'sk_test_workers_suite_key_00001';
const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const READY = /"workers":(\d+),"msg":"userplane ready"/;

/** The pids that logged a completed request, in order. */
function answeringPids(output: string): number[] {
  return output
    .split('\n')
    .filter((line) => line.includes('"msg":"request completed"'))
    .map((line) => (JSON.parse(line) as { pid: number }).pid);
}

function workerPids(node: ServeProcess): Set<number> {
  const pids = new Set<number>();
  for (const line of node.output().split('\n')) {
    if (line.includes('Server listening at')) pids.add((JSON.parse(line) as { pid: number }).pid);
  }
  return pids;
}

async function call(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('serve --workers 2 on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'userplane-workers-'));
  let node: ServeProcess;
  let base: string;
  before(async () => {
    node = startServe({ DATABASE_URL: `sqlite:${join(dir, 'workers.db')}`, USERPLANE_ADMIN_KEYS: KEY, USERPLANE_RATE_LIMIT: 'off' }, ['--workers', '2']);
    base = await node.ready;
    const [, workers] = await node.waitFor(READY);
    assert.equal(workers, '2');
  });
  after(async () => {
    await killHard(node);
    rmSync(dir, { recursive: true, force: true });
  });

  test('both workers answer, and /metrics counts the requests of both', async () => {
    const before = answeringPids(node.output()).length;
    for (let i = 0; i < 20; i++) assert.equal((await call(base, 'GET', '/v1/whoami')).status, 200);
    const pids = new Set(answeringPids(node.output()).slice(before));
    assert.equal(pids.size, 2, 'requests spread over two processes');
    const scrape = await fetch(`${base}/metrics`);
    assert.equal(scrape.status, 200);
    assert.equal(sample(await scrape.text(), 'userplane_http_requests_total', { route: '/v1/whoami', status: '200' }), 20, 'the sum over both workers');
  });

  test('20 concurrent metadata keys across workers: all kept', async () => {
    const user = (await call(base, 'POST', '/v1/users', { email: 'workers-meta@example.com' })).json;
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => call(base, 'PATCH', `/v1/users/${user.id}`, { metadata: { [`k${i}`]: i } }).then((r) => r.status)));
    assert.deepEqual(statuses, Array(20).fill(200));
    const final = (await call(base, 'GET', `/v1/users/${user.id}`)).json;
    assert.equal(Object.keys(final.metadata).length, 20);
    assert.equal(final.version, 21);
  });

  test('20 users racing for one email across workers: one 200, nineteen 409', async () => {
    const users = [];
    for (let i = 0; i < 20; i++) users.push((await call(base, 'POST', '/v1/users', { email: `workers-racer${i}@example.com` })).json);
    const statuses = await Promise.all(users.map((u) => call(base, 'PATCH', `/v1/users/${u.id}`, { email: 'workers-prize@example.com' }).then((r) => r.status)));
    assert.deepEqual(statuses.sort(), [200, ...Array(19).fill(409)]);
  });

  test('a worker killed with -9 is replaced; the service answers throughout', async () => {
    const victim = [...workerPids(node)][0]!;
    process.kill(victim, 'SIGKILL');
    await node.waitFor(/worker exited unexpectedly: starting another/);
    const failures: number[] = [];
    // The surviving worker answers while the replacement starts.
    for (let i = 0; i < 10; i++) {
      const { status } = await call(base, 'GET', '/v1/whoami');
      if (status !== 200) failures.push(status);
    }
    assert.deepEqual(failures, []);
    const deadline = Date.now() + 60_000;
    while (workerPids(node).size < 3 && Date.now() < deadline) await sleep(100);
    assert.equal(workerPids(node).size, 3, 'a third worker started and listens');
  });

  test('SIGTERM: every worker shuts down and the primary exits 0', async () => {
    node.child.kill('SIGTERM');
    assert.equal(await node.exited, 0, node.output());
    assert.match(node.output(), /"msg":"shut down"/);
    assert.doesNotMatch(node.output(), /did not stop cleanly/);
  });
});

const postgres = DATABASES.find((kind) => kind.name === 'postgres');
describe('serve on PostgreSQL', { skip: !postgres && 'needs TEST_DATABASE_URL' }, () => {
  let database: TestDatabase;
  let node: ServeProcess;
  before(async () => {
    database = await postgres!.create();
  });
  after(async () => {
    if (node) await killHard(node);
    await database?.drop();
  });

  test('defaults to one worker per CPU', async () => {
    node = startServe({ DATABASE_URL: database.url, USERPLANE_ADMIN_KEYS: KEY, USERPLANE_RATE_LIMIT: 'off' });
    const base = await node.ready;
    const [, workers] = await node.waitFor(READY);
    assert.equal(Number(workers), availableParallelism());
    const created = await call(base, 'POST', '/v1/users', { email: 'pg-workers@example.com' });
    assert.equal(created.status, 201);
    assert.equal((await call(base, 'PATCH', `/v1/users/${created.json.id}`, { first_name: 'Ada' })).status, 200);
  });
});
