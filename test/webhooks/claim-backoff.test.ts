/**
 * Issue 8: while the database is away the delivery worker backs off instead of polling (and
 * logging an error) every 250 ms, says so once, and delivers as soon as claims work again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PAYLOAD_FORMATS } from '../../src/cli/worker.ts';
import type { Store } from '../../src/store/contract.ts';
import { createDeliveryWorker } from '../../src/webhooks/worker.ts';
import { startTestApp } from '../helpers/app.ts';
import { DATABASES } from '../helpers/databases.ts';
import { startReceiver } from './receiver.ts';
import { FAST, createEndpoint } from './setup.ts';
import { waitUntil } from '../helpers/wait.ts';

test('claims that fail back off, log one error, and resume', async () => {
  const t = await startTestApp(DATABASES[0]!);
  const receiver = await startReceiver();
  let down = true;
  let attempts = 0;
  const store: Store = {
    ...t.store,
    transaction: (work) => {
      if (!down) return t.store.transaction(work);
      attempts++;
      return Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    },
  };
  const logged: Array<{ level: string; message: string }> = [];
  const record = (level: string) => (_fields: object, message: string) => void logged.push({ level, message });
  const worker = createDeliveryWorker(store, {
    ...FAST,
    pollMs: 20,
    formats: PAYLOAD_FORMATS,
    log: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
  });
  try {
    await createEndpoint(t, { url: `${receiver.url}/backoff` });
    assert.equal((await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'backoff@example.com' } })).statusCode, 201);
    const startedAt = Date.now();
    worker.start();
    const started = Date.now();
    await waitUntil(() => attempts >= 5, 'five claims');
    // Counted, not timed from above: polling every 20 ms makes five claims in 80 ms; doubling from
    // 20 ms waits 40 + 80 + 160 + 320 ms between them. A busy machine only makes this longer.
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 590, `five claims in ${elapsed} ms`);
    assert.deepEqual(logged.filter((l) => l.level === 'error').map((l) => l.message), ['claiming webhook deliveries failed: retrying with backoff']);

    down = false;
    const [delivered] = await receiver.waitFor((r) => r.length === 1, 10_000);
    assert.equal(delivered!.json.type, 'user.created');
    assert.ok(logged.some((l) => l.message === 'claiming webhook deliveries works again'));
  } finally {
    await worker.stop();
    await receiver.close();
    await t.close();
  }
});
