/**
 * Issue 6: the outbox in the store, on every database — events queue deliveries in their own
 * transaction; claims honour per-user order, leases, disabled endpoints and (PostgreSQL) skip each
 * other's rows; a lost lease's result is not applied. Plus the retry schedule and the settings.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig, ConfigError } from '../../src/config.ts';
import { newId } from '../../src/domain/ids.ts';
import { createServices, type Services } from '../../src/services/index.ts';
import type { RequestContext } from '../../src/services/context.ts';
import type { Store } from '../../src/store/contract.ts';
import { openStore } from '../../src/store/kysely-store.ts';
import { nextAttemptAt, retryDelay } from '../../src/webhooks/backoff.ts';
import { DATABASES, type TestDatabase } from '../helpers/databases.ts';

const ctx: RequestContext = { environment: 'test', actor: 'key_outbox', door: 'v1', requestId: null };
const iso = (ms = 0) => new Date(Date.now() + ms).toISOString();

for (const kind of DATABASES) {
  describe(`webhook outbox store on ${kind.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    let other: Store;
    let services: Services;
    before(async () => {
      database = await kind.create();
      store = await openStore(database.url);
      other = await openStore(database.url);
      services = createServices(store, { roles: [], emailChange: 'direct', adminKeys: [], webhookLimits: { allowPrivateNetworks: true } });
    });
    after(async () => {
      await store.close();
      await other.close();
      await database.drop();
    });

    const claim = (s: Store, limit = 10, now = iso(), owner = newId('req')) =>
      s.transaction((tx) => tx.webhooks.claimDue({ now, limit, leaseOwner: owner, leaseUntil: iso(5000) }));
    test('an event queues a delivery per subscribed, enabled endpoint, in its transaction', async () => {
      const all = (await services.webhooks.create(ctx, { url: 'https://example.com/all' })).endpoint;
      const deletes = (await services.webhooks.create(ctx, { url: 'https://example.com/del', event_types: ['user.deleted'] })).endpoint;
      const off = (await services.webhooks.create(ctx, { url: 'https://example.com/off', enabled: false })).endpoint;
      const user = await services.users.create(ctx, { username: 'queued' });
      const event = { id: newId('evt'), environment: 'test' as const, user_id: user.id, type: 'user.updated' as const, actor: 'k', request_id: null, door: 'v1' as const, changes: {}, created_at: iso() };
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.events.append(event);
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      const count = async (id: string) => (await store.webhooks.listDeliveries('test', id, { limit: 10 })).items.length;
      assert.equal(await count(all.id), 1, 'the rolled-back event queued nothing');
      assert.equal(await count(deletes.id), 0);
      assert.equal(await count(off.id), 0);
      const [job] = await claim(store);
      assert.equal((job?.event.snapshot as { username?: string } | null)?.username, 'queued');
      assert.equal(job?.endpoint.id, all.id);
      for (const e of [all, deletes, off]) await services.webhooks.delete(ctx, e.id);
    });

    test('claims: one user at a time in event order, leases, lost leases, disabled endpoints', async () => {
      const { endpoint } = await services.webhooks.create(ctx, { url: 'https://example.com/claims' });
      const u1 = await services.users.create(ctx, { username: 'claim-one' });
      const u2 = await services.users.create(ctx, { username: 'claim-two' });
      await services.users.update(ctx, u1.id, { first_name: 'A' });

      const first = await claim(store, 10, iso(), 'owner-1');
      assert.deepEqual(first.map((j) => [j.event.user_id, j.event.type]), [[u1.id, 'user.created'], [u2.id, 'user.created']], 'u1 waits for its first event');
      assert.deepEqual(await claim(store), [], 'leased rows are not claimed again, nor what waits behind them');
      // The lease runs out: another worker may take the delivery over.
      const later = await claim(store, 10, iso(10_000), 'owner-2');
      assert.equal(later.length, 2);
      const u1Created = first.find((j) => j.event.user_id === u1.id)!;
      const attempt = { delivery_id: u1Created.delivery.id, attempt: 1, succeeded: true, http_status: 200, latency_ms: 5, error: null, created_at: iso() };
      assert.equal(await store.webhooks.recordAttempt('owner-1', attempt, { state: 'succeeded', next_attempt_at: null }), false, 'a lost lease records the attempt only');
      assert.equal(await store.webhooks.recordAttempt('owner-2', { ...attempt, attempt: 2 }, { state: 'succeeded', next_attempt_at: null }), true);
      const delivery = await store.webhooks.findDelivery('test', endpoint.id, u1Created.delivery.id);
      assert.equal(delivery?.state, 'succeeded');
      assert.equal(delivery?.attempt_log.length, 2);

      // Now u1's update is next in line; a disabled endpoint hands out nothing.
      await services.webhooks.update(ctx, endpoint.id, { enabled: false });
      assert.deepEqual(await claim(store, 10, iso(20_000)), []);
      await services.webhooks.update(ctx, endpoint.id, { enabled: true });
      const next = await claim(store, 10, iso(20_000));
      assert.ok(next.some((j) => j.event.user_id === u1.id && j.event.type === 'user.updated'));
      await services.webhooks.delete(ctx, endpoint.id);
    });

    test('concurrent claims never hand out the same delivery', async () => {
      const { endpoint } = await services.webhooks.create(ctx, { url: 'https://example.com/race' });
      await Promise.all(Array.from({ length: 12 }, (_, i) => services.users.create(ctx, { username: `race${i}` })));
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      let firstIds: string[] = [];
      const first = store.transaction(async (tx) => {
        firstIds = (await tx.webhooks.claimDue({ now: iso(), limit: 5, leaseOwner: 'a', leaseUntil: iso(5000) })).map((j) => j.delivery.id);
        await held;
      });
      while (firstIds.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      if (store.capabilities.skipLocked) {
        // The second claim skips the rows the open transaction holds instead of waiting for them.
        const ids = (await claim(other, 12, iso(), 'b')).map((j) => j.delivery.id);
        assert.equal(ids.length, 7);
        assert.deepEqual(ids.filter((id) => firstIds.includes(id)), []);
      }
      release();
      await first;
      // Claims that come after see the leases (SQLite runs them one at a time: its write lock).
      assert.deepEqual((await claim(other, 12, iso(), 'c')).map((j) => j.delivery.id).filter((id) => firstIds.includes(id)), []);
      await services.webhooks.delete(ctx, endpoint.id);
    });
  });
}

describe('retry schedule and settings', () => {
  const policy = { baseMs: 5000, windowMs: 86_400_000 };

  test('first retry within 10 s, growing, capped at 4 h, ending at the 24 h mark', () => {
    for (const r of [0, 0.5, 0.999]) assert.ok(retryDelay(policy, 1, () => r) <= 10_000 && retryDelay(policy, 1, () => r) >= 3750);
    const mid = () => 0.5;
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelay(policy, n, mid));
    assert.deepEqual(delays, [5000, 20_000, 80_000, 320_000, 1_280_000, 5_120_000, 14_400_000, 14_400_000]);
    const start = new Date('2030-01-01T00:00:00Z');
    let now = start;
    let attempts = 0;
    for (let next = nextAttemptAt(policy, 1, now, start, mid); next; next = nextAttemptAt(policy, ++attempts + 1, now, start, mid)) now = next;
    assert.equal(now.getTime() - start.getTime(), 86_400_000, 'the last attempt is at the end of the window');
    assert.ok(attempts >= 10 && attempts <= 14, `${attempts} retries in a day`);
  });

  test('worker settings: production defaults, validated overrides', () => {
    const { webhooks } = loadConfig({});
    assert.deepEqual(webhooks, { workerInServe: true, pollMs: 250, timeoutMs: 10_000, leaseMs: 60_000, retryBaseMs: 5000, retryWindowMs: 86_400_000, concurrency: 10 });
    assert.equal(loadConfig({ USERPLANE_WEBHOOK_WORKER: 'off' }).webhooks.workerInServe, false);
    assert.throws(() => loadConfig({ USERPLANE_WEBHOOK_TIMEOUT_MS: '5s', USERPLANE_WEBHOOK_WORKER: 'maybe' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 2);
      return true;
    });
    assert.throws(() => loadConfig({ USERPLANE_WEBHOOK_TIMEOUT_MS: '20000', USERPLANE_WEBHOOK_LEASE_MS: '15000' }), /LEASE_MS must exceed/);
  });
});
