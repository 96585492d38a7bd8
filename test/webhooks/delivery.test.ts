/**
 * Issue 6: delivery from the event log to a real receiver on 127.0.0.1 — Standard Webhooks
 * signatures, payloads with previous_attributes, retries after 500s, timeouts and connection
 * errors, failing endpoints, manual retry, per-user order, filters and secret rotation.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { DATABASES } from '../helpers/databases.ts';
import { closedUrl, sleep } from './receiver.ts';
import { createEndpoint, deliveries, deliveriesWhen, useDeliverySuite } from './setup.ts';

/**
 * These tests read the values of payloads sent around a delete, which the default policy erases
 * from deliveries still pending at the delete (test/privacy/erasure.test.ts): they keep the history.
 */
const KEEP_HISTORY = { app: { privacy: { deletedUserHistory: 'keep' as const } } };

for (const kind of DATABASES) {
  describe(`webhook delivery on ${kind.name}`, () => {
    const { t, receiver, withWorker } = useDeliverySuite(kind, KEEP_HISTORY);

    const api = async (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>) => {
      const res = await t.request({ method, url, ...(payload ? { payload } : {}) });
      assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
      return res.body ? res.json() : null;
    };
    /** The endpoint's deliveries once `count` of them exist and none is pending. */
    const settled = (endpointId: string, count: number) =>
      deliveriesWhen(t, endpointId, (list) => list.length >= count && list.every((d) => d.status !== 'pending'), 10_000);
    /** Each test's endpoints get their own path, so other tests' endpoints do not muddle its counts. */
    const url = (name: string) => `${receiver.url}/${name}`;
    const at = (name: string) => receiver.received.filter((r) => r.path === `/hooks/${name}`);

    test('signed per Standard Webhooks; user after the change, previous_attributes, secrets redacted', async () => {
      receiver.respond = () => 204;
      const { id, secret } = await createEndpoint(t, { url: url('signed') });
      const user = await api('POST', '/v1/users', { email: 'ada@example.com', first_name: 'Ada', metadata: { plan: 'free' } });
      await api('PATCH', `/v1/users/${user.id}`, { first_name: 'Augusta', metadata: { plan: 'pro' } });
      await api('POST', `/v1/users/${user.id}/password`, { password: 'correct horse battery staple' });
      await api('DELETE', `/v1/users/${user.id}`);

      await receiver.waitFor(() => at('signed').length >= 4);
      const got = at('signed');
      const wh = new Webhook(secret);
      for (const request of got) {
        // Verifies webhook-id, webhook-timestamp and webhook-signature over the exact body.
        assert.deepEqual(wh.verify(request.body, request.headers as Record<string, string>), request.json);
        assert.match(String(request.headers['webhook-id']), /^whd_/);
        assert.equal(request.headers['content-type'], 'application/json');
        assert.ok(!/argon2|correct horse/.test(request.body), 'no password or hash in any payload');
      }
      assert.throws(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(got[0]!.body, got[0]!.headers as Record<string, string>));
      assert.deepEqual(got.map((r) => r.json.type), ['user.created', 'user.updated', 'user.updated', 'user.deleted']);

      const [created, updated, password, deleted] = got.map((r) => r.json);
      assert.equal(created!.data.object.email, 'ada@example.com');
      assert.equal(created!.data.previous_attributes, undefined);
      assert.equal(created!.data.object.extensions, undefined, 'per-door extensions stay private');
      assert.equal(updated!.data.object.first_name, 'Augusta');
      assert.deepEqual(updated!.data.object.metadata, { plan: 'pro' });
      assert.equal(updated!.data.object.version, 2);
      assert.deepEqual(updated!.data.previous_attributes, { first_name: 'Ada', metadata: { plan: 'free' } });
      assert.equal(updated!.environment, 'test');
      assert.equal(updated!.door, 'v1');
      assert.match(updated!.id, /^evt_/);
      assert.equal(password!.data.object.password_set, true);
      assert.deepEqual(password!.data.previous_attributes, { password: null, password_set: false });
      assert.equal(deleted!.data.object.first_name, 'Augusta', 'a deletion carries the user as it was');

      // The receiver has the requests before the worker has recorded its answers.
      const list = await settled(id, 4);
      assert.equal(list.length, 4);
      assert.ok(list.every((d) => d.status === 'succeeded' && d.attempt_count === 1 && d.attempts[0].status_code === 204));
      assert.ok(list.every((d) => typeof d.attempts[0].latency_ms === 'number' && d.attempts[0].error === null));
      assert.deepEqual(list.map((d) => d.event_type), ['user.deleted', 'user.updated', 'user.updated', 'user.created'], 'newest first');
      assert.deepEqual(new Set(got.map((r) => r.headers['webhook-id'])), new Set(list.map((d) => d.id)));
    });

    test('retries after a 500 and a timeout with growing delays; the attempts are listed', () =>
      // A timeout long enough that the 500 and the 200 answers always beat it on a loaded machine
      // (at 300 ms one of them sometimes did not, and the attempt count came out wrong).
      withWorker({ timeoutMs: 1_500 }, async () => {
        let calls = 0;
        receiver.respond = (request) => {
          if (request.path !== '/hooks/retry') return 200;
          calls++;
          return calls === 1 ? 500 : calls === 2 ? 'hang' : 200;
        };
        const { id } = await createEndpoint(t, { url: url('retry'), event_types: ['user.created'] });
        await api('POST', '/v1/users', { email: 'retry@example.com' });
        await receiver.waitFor(() => calls >= 3);
        const got = at('retry');
        assert.equal(new Set(got.map((r) => r.headers['webhook-id'])).size, 1, 'the same webhook-id on every attempt');
        const firstGap = got[1]!.at - got[0]!.at;
        const secondGap = got[2]!.at - got[1]!.at;
        // Lower bounds only, which a busy machine cannot break: the first retry waits at least 0.75 × 40 ms;
        // the second the 1,500 ms timeout and then at least 0.75 × 160 ms, four times the first delay.
        assert.ok(firstGap >= 25 && secondGap >= 1_500 + 110, `backoff grows: ${firstGap} ms, then ${secondGap} ms`);

        const [delivery] = await settled(id, 1);
        assert.equal(delivery.status, 'succeeded');
        assert.equal(delivery.attempt_count, 3);
        const [first, second, third] = delivery.attempts;
        assert.equal(first.status_code, 500);
        assert.match(first.error, /^HTTP 500: receiver says no/);
        assert.equal(second.status_code, null);
        assert.match(second.error, /Timed out after 1500 ms/);
        assert.ok(second.latency_ms >= 1_490);
        assert.equal(third.succeeded, true);
      }));

    test('connection errors until the window ends: endpoint failing with the reason; retry after fixing it', () =>
      // Retries are due every 20-40 ms at first; a window of 3 s leaves room for one on a busy machine.
      withWorker({ retryWindowMs: 3_000, retryBaseMs: 20 }, async () => {
        const { id } = await createEndpoint(t, { url: await closedUrl(), event_types: ['user.created'] });
        await api('POST', '/v1/users', { email: 'unreachable@example.com' });
        const list = await deliveriesWhen(t, id, (l) => l[0]?.status === 'failed', 30_000);
        assert.equal(list[0].status, 'failed');
        assert.ok(list[0].attempt_count >= 2, `retried ${list[0].attempt_count} times`);
        assert.match(list[0].attempts[0].error, /Connection failed: ECONNREFUSED/);
        const endpoint = (await t.request({ method: 'GET', url: `/v1/webhook_endpoints/${id}` })).json();
        assert.equal(endpoint.status, 'failing');
        assert.match(endpoint.failure_reason, /user\.created evt_.*ECONNREFUSED/);
        assert.ok(endpoint.failing_since);

        receiver.respond = () => 200;
        await api('PATCH', `/v1/webhook_endpoints/${id}`, { url: url('fixed') });
        const retried = await t.request({ method: 'POST', url: `/v1/webhook_endpoints/${id}/deliveries/${list[0].id}/retry` });
        assert.equal(retried.statusCode, 202, retried.body);
        assert.equal(retried.json().status, 'pending');
        await receiver.waitFor((r) => r.some((x) => x.headers['webhook-id'] === list[0].id));
        await settled(id, 1);
        const healthy = (await t.request({ method: 'GET', url: `/v1/webhook_endpoints/${id}` })).json();
        assert.equal(healthy.status, 'healthy');
        assert.equal(healthy.failure_reason, null);
        assert.equal((await deliveries(t, id, '&status=succeeded')).length, 1);
      }));

    test('per user, events arrive in order even when the receiver fails at random', async () => {
      const { id } = await createEndpoint(t, { url: url('order'), event_types: ['user.updated'] });
      let n = 0;
      receiver.respond = (request) => (request.path === '/hooks/order' && ++n % 3 === 0 ? 500 : 200);
      const users = await Promise.all([0, 1, 2].map((i) => api('POST', '/v1/users', { username: `order${i}` })));
      for (let step = 1; step <= 6; step++) {
        await Promise.all(users.map((u) => api('PATCH', `/v1/users/${u.id}`, { first_name: `v${step}` })));
      }
      const mine = () => at('order');
      await receiver.waitFor(() => new Set(mine().map((r) => r.headers['webhook-id'])).size === 18 && mine().length >= 18, 15_000);
      const list = await settled(id, 18);
      for (const user of users) {
        const versions = mine()
          .filter((r) => r.json.data.object.id === user.id)
          .map((r) => r.json.data.object.version as number);
        // Every attempt, failed ones included, comes at or after the one before it in the user's history.
        const errors = list.filter((d) => d.user_id === user.id).flatMap((d) => d.attempts.map((a: { error: string | null }) => a.error)).filter(Boolean);
        for (let i = 1; i < versions.length; i++) assert.ok(versions[i]! >= versions[i - 1]!, `order for ${user.id}: ${versions.join(',')} (${errors.join('; ')})`);
        assert.deepEqual([...new Set(versions)], [2, 3, 4, 5, 6, 7]);
      }
      assert.ok(list.every((d) => d.status === 'succeeded'));
    });

    test('event type filters; a disabled endpoint gets nothing until enabled again', async () => {
      receiver.respond = () => 200;
      const onlyDeleted = await createEndpoint(t, { url: url('deleted'), event_types: ['user.deleted'] });
      const paused = await createEndpoint(t, { url: url('paused'), enabled: false });
      const user = await api('POST', '/v1/users', { username: 'filtered' });
      await api('DELETE', `/v1/users/${user.id}`);
      await receiver.waitFor(() => at('deleted').length >= 1);
      await sleep(150);
      assert.deepEqual((await deliveries(t, onlyDeleted.id)).map((d) => d.event_type), ['user.deleted']);
      assert.equal((await deliveries(t, paused.id)).length, 0);

      await api('PATCH', `/v1/webhook_endpoints/${paused.id}`, { enabled: true });
      const later = await api('POST', '/v1/users', { username: 'after-enable' });
      await receiver.waitFor(() => at('paused').length >= 1);
      assert.deepEqual((await deliveries(t, paused.id)).map((d) => d.user_id), [later.id]);
    });

    test('after a rotation both secrets sign, until the overlap ends', async () => {
      receiver.respond = () => 200;
      const { id, secret: oldSecret } = await createEndpoint(t, { url: url('rotation'), event_types: ['user.created'] });
      const newSecret = (await api('POST', `/v1/webhook_endpoints/${id}/rotate_secret`)).secret as string;
      await api('POST', '/v1/users', { username: 'rotation-a' });
      await receiver.waitFor(() => at('rotation').length >= 1);
      const [a] = at('rotation');
      assert.equal(String(a!.headers['webhook-signature']).split(' ').length, 2);
      for (const secret of [oldSecret, newSecret]) new Webhook(secret).verify(a!.body, a!.headers as Record<string, string>);

      await t.store.webhooks.updateEndpoint('test', id, { previous_secret_expires_at: new Date(Date.now() - 1000).toISOString(), updated_at: new Date().toISOString() });
      await api('POST', '/v1/users', { username: 'rotation-b' });
      await receiver.waitFor(() => at('rotation').length >= 2);
      const b = at('rotation')[1];
      new Webhook(newSecret).verify(b!.body, b!.headers as Record<string, string>);
      assert.throws(() => new Webhook(oldSecret).verify(b!.body, b!.headers as Record<string, string>), /No matching signature/);
    });
  });
}
