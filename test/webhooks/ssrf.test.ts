/**
 * Issue 12, item 3: webhook URLs cannot reach inside the network — refused at creation and update
 * whatever the spelling, and again at delivery after DNS (rebinding); no credentials in URLs; at
 * most USERPLANE_WEBHOOK_MAX_ENDPOINTS endpoints per environment; the endpoint list is paginated.
 */
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createWebhookService } from '../../src/services/webhook-service.ts';
import { LIVE_ADMIN_KEY } from '../helpers/app.ts';
import { DATABASES } from '../helpers/databases.ts';
import { createEndpoint, deliveriesWhen, startWorker, useDeliverySuite } from './setup.ts';

/** A DNS of our own: `rebind.test` looks public when the endpoint is saved, and is 127.0.0.1 when delivering. */
function fakeDns(phase: { delivering: boolean }) {
  return async (name: string): Promise<LookupAddress[]> => {
    const table: Record<string, string[]> = {
      'public.test': ['93.184.216.34'],
      'inside.test': ['93.184.216.34', '10.0.0.7'],
      'metadata.test': ['169.254.169.254'],
      'v6inside.test': ['fd00::1'],
      'rebind.test': [phase.delivering ? '127.0.0.1' : '93.184.216.34'],
    };
    const found = table[name];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

/** URL → the rule the 400 must name. */
const REFUSED: Array<[string, RegExp]> = [
  ['http://127.0.0.1/hooks', /loopback address \(127\.0\.0\.0\/8\)/],
  ['http://2130706433/hooks', /loopback address \(127\.0\.0\.0\/8\)/],
  ['http://0x7f.1/hooks', /loopback address \(127\.0\.0\.0\/8\)/],
  ['http://017700000001/hooks', /loopback address \(127\.0\.0\.0\/8\)/],
  ['http://127.1/hooks', /loopback address \(127\.0\.0\.0\/8\)/],
  ['http://[::1]:8080/hooks', /loopback address \(::1\/128\)/],
  ['http://[::ffff:127.0.0.1]/hooks', /loopback address \(127\.0\.0\.0\/8\)/],
  ['http://[::ffff:a00:1]/hooks', /private address \(10\.0\.0\.0\/8\)/],
  ['http://localhost:3000/hooks', /loopback name/],
  ['https://10.1.2.3/hooks', /private address \(10\.0\.0\.0\/8\)/],
  ['https://172.20.0.1/hooks', /private address \(172\.16\.0\.0\/12\)/],
  ['https://192.168.1.10/hooks', /private address \(192\.168\.0\.0\/16\)/],
  ['http://[fd12::1]/hooks', /private address \(fc00::\/7\)/],
  ['http://169.254.169.254/latest/meta-data/', /link-local address \(169\.254\.0\.0\/16\)/],
  ['http://[fe80::1]/hooks', /link-local address \(fe80::\/10\)/],
  ['http://100.64.0.1/hooks', /carrier-grade NAT address \(100\.64\.0\.0\/10\)/],
  ['http://239.1.1.1/hooks', /multicast address \(224\.0\.0\.0\/4\)/],
  ['http://0.0.0.0/hooks', /unspecified address/],
  ['http://[::]/hooks', /unspecified address/],
  ['https://inside.test/hooks', /resolves to a private address \(10\.0\.0\.0\/8\): 10\.0\.0\.7/],
  ['https://metadata.test/hooks', /resolves to a link-local address \(169\.254\.0\.0\/16\)/],
  ['https://v6inside.test/hooks', /resolves to a private address \(fc00::\/7\)/],
];

for (const kind of DATABASES) {
  describe(`webhook targets on ${kind.name}`, () => {
    const phase = { delivering: false };
    const { t, receiver } = useDeliverySuite(kind, {
      app: { webhookLimits: { allowPrivateNetworks: false, maxEndpoints: 3, resolve: fakeDns(phase) } },
      worker: false,
    });

    const refused = (res: { statusCode: number; body: string; json(): any }, rule: RegExp, what: string) => {
      assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
      const body = res.json();
      assert.equal(body.error, 'validation_error', what);
      assert.match(body.details.url[0], rule, what);
      assert.match(body.details.url[0], /USERPLANE_WEBHOOK_ALLOW_PRIVATE_NETWORKS/, what);
    };

    test('creation and update refuse every spelling of an internal address, naming the rule', async () => {
      const { id } = await createEndpoint(t, { url: 'https://public.test/hooks' });
      for (const [url, rule] of REFUSED) {
        refused(await t.request({ method: 'POST', url: '/v1/webhook_endpoints', payload: { url } }), rule, `POST ${url}`);
        refused(await t.request({ method: 'PATCH', url: `/v1/webhook_endpoints/${id}`, payload: { url } }), rule, `PATCH ${url}`);
      }
      const stored = (await t.request({ method: 'GET', url: `/v1/webhook_endpoints/${id}` })).json();
      assert.equal(stored.url, 'https://public.test/hooks', 'a refused update changes nothing');
      // Public literals pass, and so does a name that does not resolve yet: delivery checks it again.
      const ok = await t.request({ method: 'PATCH', url: `/v1/webhook_endpoints/${id}`, payload: { url: 'https://[2606:4700:4700::1111]/x' } });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal((await t.request({ method: 'PATCH', url: `/v1/webhook_endpoints/${id}`, payload: { url: 'https://not-yet.test/x' } })).statusCode, 200);
      assert.equal((await t.request({ method: 'DELETE', url: `/v1/webhook_endpoints/${id}` })).statusCode, 204);
    });

    test('credentials in the URL are refused, even where private networks are allowed', async () => {
      for (const url of ['https://user:secret@public.test/hooks', 'https://token@public.test/hooks']) {
        const res = await t.request({ method: 'POST', url: '/v1/webhook_endpoints', payload: { url } });
        assert.equal(res.statusCode, 400, res.body);
        assert.match(res.json().details.url[0], /Must not contain credentials/);
      }
      const open = createWebhookService(t.store, () => new Date(), { allowPrivateNetworks: true });
      const ctx = { environment: 'test' as const, actor: 'ssrf-test', door: 'v1' as const, requestId: null };
      await assert.rejects(open.create(ctx, { url: 'http://a:b@127.0.0.1/x' }), (error: { details?: Record<string, string[]> }) => /credentials/.test(error.details?.url?.[0] ?? ''));
    });

    test('at delivery: a name that now resolves inside (DNS rebinding), or an internal literal, is refused before connecting', async () => {
      const port = new URL(receiver.url).port;
      const rebind = await createEndpoint(t, { url: `http://rebind.test:${port}/hooks/rebind`, event_types: ['user.created'] });
      // Saved while private networks were allowed (e.g. before the setting changed): the worker still refuses it.
      const ctx = { environment: 'test' as const, actor: 'ssrf-test', door: 'v1' as const, requestId: null };
      const open = createWebhookService(t.store, () => new Date(), { allowPrivateNetworks: true });
      const literal = (await open.create(ctx, { url: `${receiver.url}/literal`, event_types: ['user.created'] })).endpoint;

      phase.delivering = true;
      const worker = startWorker(t, { allowPrivateNetworks: false, resolve: fakeDns(phase) });
      try {
        const user = await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'rebind@example.com' } });
        assert.equal(user.statusCode, 201, user.body);
        for (const [id, rule] of [
          [rebind.id, /^Refused: Host rebind\.test resolves to a loopback address \(127\.0\.0\.0\/8\): 127\.0\.0\.1/],
          [literal.id, /^Refused: Host 127\.0\.0\.1 is a loopback address \(127\.0\.0\.0\/8\)/],
        ] as const) {
          const list = await deliveriesWhen(t, id, (l) => l[0]?.status === 'failed', 10_000);
          assert.equal(list[0]?.status, 'failed', `${id}: ${JSON.stringify(list)}`);
          assert.equal(list[0].attempt_count, 1, 'a refused target is not retried');
          assert.match(list[0].attempts[0].error, rule);
          const endpoint = (await t.request({ method: 'GET', url: `/v1/webhook_endpoints/${id}` })).json();
          assert.equal(endpoint.status, 'failing');
          assert.match(endpoint.failure_reason, /Refused: .*loopback/);
        }
        assert.equal(receiver.received.length, 0, 'nothing reached the receiver on 127.0.0.1');
      } finally {
        await worker.stop();
        phase.delivering = false;
      }
      for (const id of [rebind.id, literal.id]) await t.request({ method: 'DELETE', url: `/v1/webhook_endpoints/${id}` });
    });

    test('at most USERPLANE_WEBHOOK_MAX_ENDPOINTS per environment; the list is paginated', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await createEndpoint(t, { url: `https://public.test/cap${i}` })).id);
      const over = await t.request({ method: 'POST', url: '/v1/webhook_endpoints', payload: { url: 'https://public.test/cap3' } });
      assert.equal(over.statusCode, 400, over.body);
      assert.equal(over.json().error, 'validation_error');
      assert.match(over.json().message, /already has 3 webhook endpoints, the most it may have; delete one first/);
      // Per environment: live has its own three.
      const live = await t.request({ method: 'POST', url: '/v1/webhook_endpoints', payload: { url: 'https://public.test/live' }, key: LIVE_ADMIN_KEY });
      assert.equal(live.statusCode, 201, live.body);

      const first = (await t.request({ method: 'GET', url: '/v1/webhook_endpoints?limit=2' })).json();
      assert.equal(first.object, 'list');
      assert.deepEqual(first.data.map((e: { id: string }) => e.id), ids.slice(0, 2));
      assert.equal(first.has_more, true);
      assert.equal(first.next_cursor, ids[1]);
      const second = (await t.request({ method: 'GET', url: `/v1/webhook_endpoints?limit=2&after=${first.next_cursor}` })).json();
      assert.deepEqual(second.data.map((e: { id: string }) => e.id), ids.slice(2));
      assert.equal(second.has_more, false);
      assert.equal(second.next_cursor, null);
      // Backwards from the last: the page just before it, still oldest first, like every /v1 list.
      const back = (await t.request({ method: 'GET', url: `/v1/webhook_endpoints?limit=2&before=${ids[2]}` })).json();
      assert.deepEqual(back.data.map((e: { id: string }) => e.id), ids.slice(0, 2));
      assert.equal(back.has_more, false);
      assert.equal((await t.request({ method: 'GET', url: '/v1/webhook_endpoints?limit=101' })).statusCode, 400);
      assert.equal((await t.request({ method: 'GET', url: '/v1/webhook_endpoints?after=garbage' })).statusCode, 400, 'a cursor that is not an endpoint id');

      assert.equal((await t.request({ method: 'DELETE', url: `/v1/webhook_endpoints/${ids[0]}` })).statusCode, 204);
      assert.equal((await t.request({ method: 'POST', url: '/v1/webhook_endpoints', payload: { url: 'https://public.test/again' } })).statusCode, 201, 'room again after a deletion');

      // Creations racing each other take turns: live has one endpoint, so two more fit, not eight.
      const racing = await Promise.all(
        Array.from({ length: 8 }, (_, i) => t.request({ method: 'POST', url: '/v1/webhook_endpoints', payload: { url: `https://public.test/race${i}` }, key: LIVE_ADMIN_KEY })),
      );
      assert.deepEqual(racing.map((res) => res.statusCode).sort(), [201, 201, 400, 400, 400, 400, 400, 400]);
      const listed = (await t.request({ method: 'GET', url: '/v1/webhook_endpoints', key: LIVE_ADMIN_KEY })).json();
      assert.equal(listed.data.length, 3);
    });
  });
}

describe('settings', () => {
  test('USERPLANE_WEBHOOK_ALLOW_PRIVATE_NETWORKS, _MAX_ENDPOINTS, _ENDPOINT_CONCURRENCY: defaults and validation', () => {
    assert.deepEqual(loadConfig({}).webhookLimits, { allowPrivateNetworks: false, maxEndpoints: 50, endpointConcurrency: 2 });
    assert.deepEqual(
      loadConfig({ USERPLANE_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', USERPLANE_WEBHOOK_MAX_ENDPOINTS: '5', USERPLANE_WEBHOOK_ENDPOINT_CONCURRENCY: '4' }).webhookLimits,
      { allowPrivateNetworks: true, maxEndpoints: 5, endpointConcurrency: 4 },
    );
    assert.throws(
      () => loadConfig({ USERPLANE_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'yes', USERPLANE_WEBHOOK_MAX_ENDPOINTS: '0', USERPLANE_WEBHOOK_ENDPOINT_CONCURRENCY: 'x' }),
      (error: unknown) => error instanceof ConfigError && error.problems.length === 3,
    );
  });
});
