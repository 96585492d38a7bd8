/** Shared set-up of the webhook suites: an in-process worker with short delays, and endpoint creation. */
import assert from 'node:assert/strict';
import { PAYLOAD_FORMATS } from '../../src/cli/worker.ts';
import { createDeliveryWorker, type WorkerOptions, type WorkerSettings } from '../../src/webhooks/worker.ts';
import type { TestApp } from '../helpers/app.ts';

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
