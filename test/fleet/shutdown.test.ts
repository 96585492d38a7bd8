/**
 * Issue 8, part 3: on SIGTERM `serve` stops accepting connections, lets the requests it accepted
 * finish with their normal answers, and exits 0; past USERPLANE_SHUTDOWN_TIMEOUT_MS it exits 1.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createServices } from '../../src/services/index.ts';
import { openStore } from '../../src/store/kysely-store.ts';
import { startReceiver } from '../webhooks/receiver.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'userplane.js');
const KEY = 'sk_test_shutdown_test_key_000001';
const dir = mkdtempSync(join(tmpdir(), 'userplane-shutdown-'));

function serve(name: string, extraEnv: Record<string, string>) {
  const env = { ...process.env, DATABASE_URL: `sqlite:${join(dir, `${name}.db`)}`, PORT: '0', USERPLANE_ADMIN_KEYS: KEY, LOG_LEVEL: 'info', ...extraEnv };
  const child = spawn(process.execPath, [BIN, 'serve'], { env });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<{ port: number }>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolve({ port: Number(match[1]) });
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${output}`)));
  });
  return { child, ready, exited, output: () => output };
}

/** A PATCH whose headers and first half of body are sent now; `finish()` sends the rest. */
function slowPatch(port: number, id: string, index: number) {
  const body = JSON.stringify({ first_name: `Name${index}`.padEnd(40, 'x') });
  const req: ClientRequest = httpRequest({
    host: '127.0.0.1',
    port,
    method: 'PATCH',
    path: `/v1/users/${id}`,
    agent: false,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 10));
  return { req, response, finish: () => req.end(body.slice(10)) };
}

/** Resolves with the error code of a fresh TCP connection attempt, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function createUser(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: `shutdown-${Date.now()}@example.com` }),
  });
  assert.equal(res.status, 201);
  return ((await res.json()) as { id: string }).id;
}

describe('graceful shutdown of serve', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('SIGTERM: accepted requests all finish 2xx, new connections are refused, exit 0 in time', async () => {
    const server = serve('graceful', { USERPLANE_SHUTDOWN_TIMEOUT_MS: '5000' });
    children.push(server.child);
    const { port } = await server.ready;
    const id = await createUser(port);

    const inFlight = Array.from({ length: 50 }, (_, i) => slowPatch(port, id, i));
    await sleep(300); // every request's headers have reached the server
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');

    let refused = '';
    for (let i = 0; i < 50 && refused !== 'ECONNREFUSED'; i++) {
      refused = await tryConnect(port);
      if (refused !== 'ECONNREFUSED') await sleep(20);
    }
    assert.equal(refused, 'ECONNREFUSED', 'the port still accepts connections after SIGTERM');
    assert.equal(server.child.exitCode, null, 'the process must wait for its accepted requests');

    for (const request of inFlight) request.finish();
    const results = await Promise.allSettled(inFlight.map((request) => request.response));
    const failures = results.filter((r) => r.status === 'rejected' || r.value.status < 200 || r.value.status > 299);
    assert.deepEqual(
      failures.map((r) => (r.status === 'rejected' ? String(r.reason) : `${r.value.status} ${r.value.body}`)),
      [],
    );

    const code = await server.exited;
    assert.equal(code, 0, server.output());
    assert.ok(Date.now() - signalledAt < 5000, 'exited within the shutdown timeout');
    assert.match(server.output(), /"msg":"shut down"/);
  });

  test('a request that never finishes: exit 1 once USERPLANE_SHUTDOWN_TIMEOUT_MS has passed', async () => {
    const server = serve('timeout', { USERPLANE_SHUTDOWN_TIMEOUT_MS: '500' });
    children.push(server.child);
    const { port } = await server.ready;
    const id = await createUser(port);
    const stuck = slowPatch(port, id, 0);
    stuck.response.catch(() => {}); // the process dies under it
    await sleep(200);
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    const code = await server.exited;
    const elapsed = Date.now() - signalledAt;
    stuck.req.destroy();
    assert.equal(code, 1);
    assert.ok(elapsed >= 450 && elapsed < 4000, `exited after ${elapsed} ms`);
    assert.match(server.output(), /shutdown timed out/);
  });
});

describe('graceful shutdown of userplane worker', () => {
  test('SIGTERM waits for the attempt in flight, and past USERPLANE_SHUTDOWN_TIMEOUT_MS exits 1', async () => {
    const url = `sqlite:${join(dir, 'worker.db')}`;
    const store = await openStore(url);
    const services = createServices(store, { roles: [], emailChange: 'direct', adminKeys: [], webhookLimits: { allowPrivateNetworks: true } });
    const ctx = { environment: 'test' as const, actor: 'shutdown-test', door: 'v1' as const, requestId: null };
    const receiver = await startReceiver(() => 'hang');
    try {
      await services.webhooks.create(ctx, { url: `${receiver.url}/stuck` });
      await services.users.create(ctx, { email: 'worker-shutdown@example.com' });
      const child = spawn(process.execPath, [BIN, 'worker'], {
        env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'info', USERPLANE_SHUTDOWN_TIMEOUT_MS: '700', USERPLANE_WEBHOOK_POLL_MS: '20', USERPLANE_WEBHOOK_TIMEOUT_MS: '60000', USERPLANE_WEBHOOK_LEASE_MS: '70000', USERPLANE_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' },
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await receiver.waitFor((r) => r.length === 1, 60_000); // the attempt hangs in flight
      const signalledAt = Date.now();
      child.kill('SIGTERM');
      const code = await exited;
      const elapsed = Date.now() - signalledAt;
      assert.equal(code, 1, output);
      assert.ok(elapsed >= 650 && elapsed < 5000, `exited after ${elapsed} ms`);
      assert.match(output, /shutdown timed out/);
    } finally {
      await receiver.close();
      await store.close();
    }
  });
});
