/** Shared set-up of the webhook suites: an in-process worker with short delays, and endpoint creation. */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { PAYLOAD_FORMATS } from '../../src/cli/worker.ts';
import { createDeliveryWorker, type WorkerOptions, type WorkerSettings } from '../../src/webhooks/worker.ts';
import { startTestApp, type TestApp, type TestAppOptions } from '../helpers/app.ts';
import type { DatabaseKind } from '../helpers/databases.ts';
import { sleep, startReceiver, type Receiver } from './receiver.ts';

/**
 * The production defaults are 10 s / 5 s / 24 h; the suites run the same code with these. The
 * timeout stays generous: a test process that is also the receiver can stall on a busy machine,
 * and a timed-out attempt is (rightly) sent again, which would muddle exact counts.
 */
export const FAST: WorkerSettings & { allowPrivateNetworks: boolean } = {
  pollMs: 20,
  timeoutMs: 3000,
  leaseMs: 6000,
  retryBaseMs: 40,
  retryWindowMs: 10_000,
  concurrency: 8,
  // The suites' receivers listen on 127.0.0.1.
  allowPrivateNetworks: true,
};

export function startWorker(t: TestApp, settings: Partial<WorkerOptions> = {}) {
  const worker = createDeliveryWorker(t.store, { ...FAST, ...settings, formats: PAYLOAD_FORMATS });
  worker.start();
  return worker;
}

export async function createEndpoint(t: TestApp, body: Record<string, unknown>): Promise<{ id: string; secret: string; body: Record<string, any> }> {
  const res = await t.request({ method: 'POST', url: '/v1/webhook_endpoints', payload: body });
  assert.equal(res.statusCode, 201, res.body);
  const json = res.json();
  return { id: json.id, secret: json.secret, body: json };
}

export async function deliveries(t: TestApp, endpointId: string, query = ''): Promise<any[]> {
  const res = await t.request({ method: 'GET', url: `/v1/webhook_endpoints/${endpointId}/deliveries?limit=100${query}` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().data;
}

/** An endpoint's deliveries once `done` holds for them (polled every 10 ms for up to `timeoutMs`), or a failure showing them. */
export async function deliveriesWhen(t: TestApp, endpointId: string, done: (list: any[]) => boolean, timeoutMs = 5000): Promise<any[]> {
  const deadline = Date.now() + timeoutMs;
  let list: any[] = [];
  while (Date.now() < deadline) {
    list = await deliveries(t, endpointId);
    if (done(list)) return list;
    await sleep(10);
  }
  assert.fail(`deliveries of ${endpointId} did not get there in ${timeoutMs} ms: ${JSON.stringify(list)}`);
}

export interface DeliverySuite {
  t: TestApp;
  receiver: Receiver;
  /** Runs `work` with a worker of other settings in place of the suite's. */
  withWorker(settings: Partial<WorkerOptions>, work: () => Promise<void>): Promise<void>;
}

/**
 * The set-up the delivery suites share: a server on a fresh database, a receiver on 127.0.0.1 and
 * (unless `worker: false`) a delivery worker, started before the describe's tests and stopped after
 * them. The objects are returned at once and filled in by before(), so the tests can name them.
 */
export function useDeliverySuite(kind: DatabaseKind, options: { app?: TestAppOptions; worker?: boolean } = {}): DeliverySuite {
  const t = {} as TestApp;
  const receiver = {} as Receiver;
  let worker: ReturnType<typeof startWorker> | null = null;
  const runsWorker = options.worker ?? true;
  before(async () => {
    Object.assign(t, await startTestApp(kind, options.app));
    await startReceiver(undefined, receiver);
    if (runsWorker) worker = startWorker(t);
  });
  after(async () => {
    await worker?.stop();
    await receiver.close();
    await t.close();
  });
  async function withWorker(settings: Partial<WorkerOptions>, work: () => Promise<void>): Promise<void> {
    await worker?.stop();
    const special = startWorker(t, settings);
    try {
      await work();
    } finally {
      await special.stop();
      worker = runsWorker ? startWorker(t) : null;
    }
  }
  return { t, receiver, withWorker };
}
