/**
 * Issue 6 §5: delivery by separate processes. `serve` delivers by default; a worker killed
 * mid-delivery leaves its lease to expire and another delivers the event (the one documented
 * duplicate); on PostgreSQL two workers deliver every event exactly once, each user's in order.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { createServices, type Services } from '../../src/services/index.ts';
import type { RequestContext } from '../../src/services/context.ts';
import type { Store } from '../../src/store/contract.ts';
import { openStore } from '../../src/store/kysely-store.ts';
import { TEST_ADMIN_KEY } from '../helpers/app.ts';
import { DATABASES, POSTGRES_URL, type TestDatabase } from '../helpers/databases.ts';
import { sleep, startReceiver, type Receiver } from './receiver.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'userplane.js');
const LEASE_MS = 2500;
const ctx: RequestContext = { environment: 'test', actor: 'key_nodes_test', door: 'v1', requestId: null };

interface Node {
  child: ChildProcess;
  output(): string;
  /** The base URL once `serve` listens, or '' for a worker once its loop runs. */
  ready: Promise<string>;
  /** Delivery ids this process attempted, from its debug log. */
  attempted(): string[];
}

function startNode(command: 'serve' | 'worker', databaseUrl: string): Node {
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    USERPLANE_ADMIN_KEYS: TEST_ADMIN_KEY,
    PORT: '0',
    LOG_LEVEL: 'debug',
    USERPLANE_WEBHOOK_POLL_MS: '20',
    USERPLANE_WEBHOOK_TIMEOUT_MS: '2000',
    USERPLANE_WEBHOOK_LEASE_MS: String(LEASE_MS),
    USERPLANE_WEBHOOK_RETRY_BASE_MS: '50',
    USERPLANE_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  };
  const child = spawn(process.execPath, [BIN, command], { env });
  let output = '';
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (command === 'serve' && listening && output.includes('webhook worker started')) resolve(listening[1]!);
      if (command === 'worker' && output.includes('webhook worker started')) resolve('');
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    child.on('exit', (code, signal) => reject(new Error(`${command} exited (${code ?? signal}): ${output}`)));
  });
  ready.catch(() => {});
  const attempted = () =>
    output
      .split('\n')
      .filter((line) => line.includes('"msg":"webhook attempt"'))
      .map((line) => JSON.parse(line).delivery as string);
  return { child, output: () => output, ready, attempted };
}

function stop(node: Node, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    node.child.once('exit', () => resolve());
    node.child.kill(signal);
  });
}

for (const kind of DATABASES) {
  describe(`webhook workers as processes on ${kind.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    let services: Services;
    let receiver: Receiver;
    const nodes: Node[] = [];
    before(async () => {
      database = await kind.create();
      store = await openStore(database.url);
      services = createServices(store, { roles: [], emailChange: 'direct', adminKeys: [], webhookLimits: { allowPrivateNetworks: true } });
      receiver = await startReceiver();
    });
    after(async () => {
      await Promise.all(nodes.map((node) => stop(node, 'SIGKILL')));
      await receiver.close();
      await store.close();
      await database.drop();
    });
    const launch = (command: 'serve' | 'worker') => {
      const node = startNode(command, database.url);
      nodes.push(node);
      return node;
    };

    test('serve delivers by default and stops its worker on SIGTERM', async () => {
      receiver.respond = () => 200;
      const node = launch('serve');
      const base = await node.ready;
      const headers = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };
      const endpoint = await (await fetch(`${base}/v1/webhook_endpoints`, { method: 'POST', headers, body: JSON.stringify({ url: `${receiver.url}/serve` }) })).json();
      const user = await (await fetch(`${base}/v1/users`, { method: 'POST', headers, body: JSON.stringify({ email: 'served@example.com' }) })).json();
      const [request] = await receiver.waitFor((r) => r.some((x) => x.path === '/hooks/serve'));
      assert.equal(new Webhook(endpoint.secret).verify(request!.body, request!.headers as Record<string, string>) && request!.json.data.object.id, user.id);
      await stop(node);
      assert.match(node.output(), /webhook worker stopped/);
      await services.webhooks.delete(ctx, endpoint.id);
    });

    test('a worker killed mid-delivery: its lease expires and another delivers, then the next event', async () => {
      const { endpoint } = await services.webhooks.create(ctx, { url: `${receiver.url}/crash` });
      let firstArrived: () => void = () => {};
      const arrived = new Promise<void>((resolve) => (firstArrived = resolve));
      receiver.respond = (request) => {
        if (request.path !== '/hooks/crash') return 200;
        if (receiver.received.filter((r) => r.path === '/hooks/crash').length === 1) {
          firstArrived();
          return 'hang';
        }
        return 200;
      };
      const a = launch('worker');
      await a.ready;
      const user = await services.users.create(ctx, { email: 'crash@example.com' });
      await services.users.update(ctx, user.id, { first_name: 'After' });
      await arrived;
      const killedAt = Date.now();
      await stop(a, 'SIGKILL');

      const b = launch('worker');
      await b.ready;
      const got = await receiver.waitFor((r) => r.filter((x) => x.path === '/hooks/crash').length >= 3, 15_000);
      await sleep(300);
      const crash = got.filter((x) => x.path === '/hooks/crash');
      assert.deepEqual(crash.map((r) => r.json.type), ['user.created', 'user.created', 'user.updated'], 'the created event twice (the crash), then the update');
      assert.equal(crash[0]!.headers['webhook-id'], crash[1]!.headers['webhook-id']);
      assert.ok(crash[1]!.at - killedAt > LEASE_MS - 1500, 'redelivered only once the lease ran out');
      const { items } = await store.webhooks.listDeliveries('test', endpoint.id, { limit: 10 });
      assert.ok(items.every((d) => d.state === 'succeeded'));
      const created = items.find((d) => d.event_type === 'user.created')!;
      assert.equal(created.attempts, 1, 'the killed attempt was never recorded');
      assert.deepEqual(b.attempted().sort(), items.map((d) => d.id).sort());
      await stop(b);
      await services.webhooks.delete(ctx, endpoint.id);
    });

    test('two workers on PostgreSQL: every event once, each user in order', { skip: kind.name !== 'postgres' && (POSTGRES_URL ? 'PostgreSQL only' : 'needs TEST_DATABASE_URL') }, async (t) => {
      await services.webhooks.create(ctx, { url: `${receiver.url}/pair` });
      receiver.respond = async (request) => {
        if (request.path === '/hooks/pair') await sleep(Math.floor(Math.random() * 10));
        return 200;
      };
      const a = launch('worker');
      const b = launch('worker');
      await Promise.all([a.ready, b.ready]);
      const started = Date.now();
      const users = await Promise.all(Array.from({ length: 8 }, (_, i) => services.users.create(ctx, { username: `pair${i}` })));
      await Promise.all(
        users.map(async (user) => {
          for (let step = 1; step <= 8; step++) await services.users.update(ctx, user.id, { first_name: `v${step}` });
        }),
      );
      const total = users.length * 9;
      const pair = () => receiver.received.filter((r) => r.path === '/hooks/pair');
      await receiver.waitFor(() => pair().length >= total, 20_000);
      const elapsed = Date.now() - started;
      await sleep(500);
      const got = pair();
      assert.equal(got.length, total, 'no event twice');
      assert.equal(new Set(got.map((r) => r.headers['webhook-id'])).size, total);
      for (const user of users) {
        const versions = got.filter((r) => r.json.data.object.id === user.id).map((r) => r.json.data.object.version);
        assert.deepEqual(versions, [1, 2, 3, 4, 5, 6, 7, 8, 9], `order for ${user.id}`);
      }
      const [byA, byB] = [a.attempted().length, b.attempted().length];
      assert.equal(byA + byB, total);
      assert.ok(byA > 0 && byB > 0, `both workers delivered (${byA} and ${byB})`);
      const latencies = got.map((r) => r.at - Date.parse(r.json.timestamp)).sort((x, y) => x - y);
      t.diagnostic(`${total} events in ${elapsed} ms; worker A ${byA}, B ${byB}; event→receipt p50 ${latencies[Math.floor(total / 2)]} ms, p95 ${latencies[Math.floor(total * 0.95)]} ms`);
    });
  });
}
