/**
 * Issue 12, item 7: one slow receiver cannot delay the others. Each environment has its own
 * delivery slots, an endpoint has at most USERPLANE_WEBHOOK_ENDPOINT_CONCURRENCY deliveries in
 * flight, and a claim takes every endpoint's first due delivery before any endpoint's second.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RequestContext } from '../../src/services/context.ts';
import { LIVE_ADMIN_KEY, useTestApp } from '../helpers/app.ts';
import { DATABASES } from '../helpers/databases.ts';
import { startReceiver, type Receiver } from './receiver.ts';
import { createEndpoint, startWorker } from './setup.ts';

const testCtx: RequestContext = { environment: 'test', actor: 'fairness', door: 'v1', requestId: null };
const iso = (ms = 0) => new Date(Date.now() + ms).toISOString();

for (const kind of DATABASES) {
  describe(`fair webhook delivery on ${kind.name}`, () => {
    const t = useTestApp(kind);

    test('claims: a backlog on one endpoint does not crowd out another; the per-endpoint cap counts every lease; environments apart', async () => {
      const busy = (await t.services.webhooks.create(testCtx, { url: 'https://busy.example.com/h' })).endpoint;
      for (let i = 0; i < 6; i++) await t.services.users.create(testCtx, { username: `backlog${i}` });
      const quiet = (await t.services.webhooks.create(testCtx, { url: 'https://quiet.example.com/h' })).endpoint;
      await t.services.users.create(testCtx, { username: 'newest' });
      const claim = (owner: string, options: { limit: number; perEnvironment?: Record<string, number> }) =>
        t.store.transaction((tx) => tx.webhooks.claimDue({ now: iso(), leaseOwner: owner, leaseUntil: iso(60_000), endpointConcurrency: 2, ...options }));

      assert.deepEqual(await claim('live-only', { limit: 10, perEnvironment: { live: 10 } }), [], 'the test environment has no live slots');
      const first = await claim('first', { limit: 3 });
      const endpoints = first.map((job) => job.endpoint.id);
      assert.ok(endpoints.includes(quiet.id), 'the newest delivery, to another endpoint, is not behind the backlog');
      assert.equal(endpoints.filter((id) => id === busy.id).length, 2, 'the busy endpoint gets up to its cap');
      // Another worker: the busy endpoint is at its cap (two leases), the quiet one has nothing due.
      assert.deepEqual(await claim('second', { limit: 10 }), []);
      for (const id of [busy.id, quiet.id]) await t.services.webhooks.delete(testCtx, id);
    });

    test('20 tarpit endpoints in test do not hold up a live delivery', { timeout: 60_000 }, async () => {
      const tarpit = await startReceiver(() => 'hang');
      const live: Receiver = await startReceiver(() => 200);
      // Production's concurrency and a long timeout: on a shared pool the live delivery would wait for it.
      // Slow attempts keep their slots here (see the next test), so this is the environments' own slots at work.
      const worker = startWorker(t, { concurrency: 10, timeoutMs: 15_000, leaseMs: 20_000, slowAfterMs: 60_000 });
      const ids: string[] = [];
      try {
        for (let i = 0; i < 20; i++) ids.push((await createEndpoint(t, { url: `${tarpit.url}/pit${i}` })).id);
        const liveEndpoint = await t.request({ method: 'POST', url: '/v1/webhook_endpoints', payload: { url: `${live.url}/live` }, key: LIVE_ADMIN_KEY });
        assert.equal(liveEndpoint.statusCode, 201, liveEndpoint.body);
        ids.push(liveEndpoint.json().id);

        assert.equal((await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'slow@example.com' } })).statusCode, 201);
        // Every test-environment slot is now held by a receiver that never answers.
        await tarpit.waitFor((got) => got.length >= 10, 20_000);
        const user = await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'live@example.com' }, key: LIVE_ADMIN_KEY });
        assert.equal(user.statusCode, 201, user.body);
        // Well under the 15 s timeout the tarpits hold their slots for.
        const got = await live.waitFor((r) => r.some((x) => x.json.data?.object?.id === user.json().id), 5_000);
        assert.equal(got.filter((r) => r.path === '/hooks/live').length, 1);
      } finally {
        await tarpit.close();
        await live.close();
        await worker.stop();
        for (const id of ids) await t.request({ method: 'DELETE', url: `/v1/webhook_endpoints/${id}`, key: id === ids.at(-1) ? LIVE_ADMIN_KEY : undefined });
      }
    });

    test('hanging receivers hold up the others of their own environment only until their attempts turn slow', { timeout: 60_000 }, async () => {
      const tarpit = await startReceiver(() => 'hang');
      const fast: Receiver = await startReceiver(() => 200);
      const worker = startWorker(t, { concurrency: 10, timeoutMs: 20_000, leaseMs: 25_000 });
      const ids: string[] = [];
      try {
        for (let i = 0; i < 20; i++) ids.push((await createEndpoint(t, { url: `${tarpit.url}/pit${i}`, event_types: ['user.created'] })).id);
        ids.push((await createEndpoint(t, { url: `${fast.url}/fast`, event_types: ['user.updated'] })).id);
        const user = (await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'same-env@example.com' } })).json();
        // All ten test-environment slots are taken by receivers that never answer, ten more wait.
        await tarpit.waitFor((got) => got.length >= 10, 20_000);
        assert.equal((await t.request({ method: 'PATCH', url: `/v1/users/${user.id}`, payload: { first_name: 'Fast' } })).statusCode, 200);
        // Well under the 20 s the hanging attempts take to time out.
        await fast.waitFor((got) => got.some((r) => r.json.type === 'user.updated' && r.json.data?.object?.id === user.id), 8_000);
      } finally {
        await tarpit.close();
        await fast.close();
        await worker.stop();
        for (const id of ids) await t.request({ method: 'DELETE', url: `/v1/webhook_endpoints/${id}` });
      }
    });
  });
}
