/**
 * How fast a backlog drains to one endpoint, and how long a second endpoint's one delivery waits
 * behind it, at a given per-endpoint concurrency (issue 12, item 7). SQLite in a temporary
 * directory, receivers on 127.0.0.1 that answer after a few ms.
 *   node --import tsx bench/webhook-drain.ts [--events 200] [--endpoint-concurrency 2] [--latency-ms 5]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { PAYLOAD_FORMATS } from '../src/cli/worker.ts';
import { createServices } from '../src/services/index.ts';
import { openStore } from '../src/store/kysely-store.ts';
import { createDeliveryWorker } from '../src/webhooks/worker.ts';
import { openBenchDatabase } from './database.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '200' }, 'endpoint-concurrency': { type: 'string', default: '2' }, 'latency-ms': { type: 'string', default: '5' } } });
const events = Math.min(Number(values.events), 5000);
const latencyMs = Math.min(Number(values['latency-ms']), 1000);
const received = { backlog: 0, other: 0, otherAt: 0 };
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () =>
    setTimeout(() => {
      if (req.url?.endsWith('/other')) {
        received.other++;
        received.otherAt = Date.now();
      } else received.backlog++;
      res.end('ok');
    }, latencyMs),
  );
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const database = await openBenchDatabase('sqlite', undefined);
const store = await openStore(database.url);
const services = createServices(store, { roles: [], emailChange: 'direct', adminKeys: [], webhookLimits: { allowPrivateNetworks: true } });
const ctx = { environment: 'test' as const, actor: 'bench', door: 'v1' as const, requestId: null };
await services.webhooks.create(ctx, { url: `${base}/backlog` });
for (let i = 0; i < events; i++) await services.users.create(ctx, { username: `drain${i}` });
await services.webhooks.create(ctx, { url: `${base}/other` });
await services.users.create(ctx, { username: 'other' });

const worker = createDeliveryWorker(store, {
  pollMs: 20, timeoutMs: 10_000, leaseMs: 20_000, retryBaseMs: 1000, retryWindowMs: 60_000, concurrency: 10,
  endpointConcurrency: Number(values['endpoint-concurrency']), allowPrivateNetworks: true, formats: PAYLOAD_FORMATS,
});
const started = Date.now();
worker.start();
const deadline = started + 120_000;
while ((received.backlog < events + 1 || received.other < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
const elapsed = Date.now() - started;
await worker.stop();
console.log(
  `endpoint concurrency ${values['endpoint-concurrency']}: ${received.backlog} backlog deliveries in ${elapsed} ms (${Math.round((received.backlog * 1000) / elapsed)}/s); ` +
    `the other endpoint's delivery after ${received.otherAt - started} ms`,
);
await store.close();
await database.remove();
server.close();
