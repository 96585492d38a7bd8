/** Issue 6: /v1/webhook_endpoints — admin scope, validation, secret shown once, rotation, deletion. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LIVE_ADMIN_KEY, useTestApp } from '../helpers/app.ts';
import { DATABASES } from '../helpers/databases.ts';
import { createEndpoint } from './setup.ts';

for (const kind of DATABASES) {
  describe(`webhook endpoints on ${kind.name}`, () => {
    const t = useTestApp(kind);

    test('create shows the secret once; reads never do', async () => {
      const { id, secret, body } = await createEndpoint(t, { url: 'https://example.com/hooks', description: 'app', event_types: ['user.updated'] });
      assert.match(id, /^whe_[0-9a-z]{26}$/);
      assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      assert.equal(Buffer.from(secret.slice(6), 'base64').length, 32);
      assert.equal(body.format, 'standard');
      assert.equal(body.enabled, true);
      assert.equal(body.status, 'healthy');
      assert.deepEqual(body.event_types, ['user.updated']);

      const one = await t.request({ method: 'GET', url: `/v1/webhook_endpoints/${id}` });
      assert.equal(one.statusCode, 200);
      assert.equal(one.json().url, 'https://example.com/hooks');
      const list = await t.request({ method: 'GET', url: '/v1/webhook_endpoints' });
      assert.ok(list.json().data.some((e: { id: string }) => e.id === id));
      for (const res of [one, list]) {
        assert.ok(!res.body.includes(secret.slice(6)), 'the secret never appears again');
        assert.ok(!res.body.includes('"secret"'));
      }
    });

    test('validation: url scheme, event types, format; unknown and read-only fields', async () => {
      const bad = async (payload: Record<string, unknown>, field: string) => {
        const res = await t.request({ method: 'POST', url: '/v1/webhook_endpoints', payload });
        assert.equal(res.statusCode, 400, res.body);
        assert.ok(res.json().details[field], `${field} named in ${res.body}`);
      };
      await bad({ url: 'ftp://example.com/x' }, 'url');
      await bad({ url: 'not a url' }, 'url');
      await bad({ url: 'https://example.com/#frag' }, 'url');
      await bad({}, 'url');
      await bad({ url: 'https://example.com', event_types: ['user.exploded'] }, 'event_types');
      await bad({ url: 'https://example.com', event_types: ['user.created', 'user.created'] }, 'event_types');
      await bad({ url: 'https://example.com', format: 'svix' }, 'format');
      await bad({ url: 'https://example.com', secret: 'whsec_mine' }, 'secret');
      const { id } = await createEndpoint(t, { url: 'http://127.0.0.1:9/x', format: 'workos' });
      const patch = await t.request({ method: 'PATCH', url: `/v1/webhook_endpoints/${id}`, payload: { format: 'standard' } });
      assert.equal(patch.statusCode, 400, 'the format is fixed at creation');
    });

    test('PATCH changes url, event types, enabled, description; omitted fields stay', async () => {
      const { id } = await createEndpoint(t, { url: 'https://a.example.com/h', description: 'first' });
      const res = await t.request({ method: 'PATCH', url: `/v1/webhook_endpoints/${id}`, payload: { url: 'https://b.example.com/h', event_types: ['user.created', 'user.deleted'], enabled: false } });
      assert.equal(res.statusCode, 200, res.body);
      const json = res.json();
      assert.equal(json.url, 'https://b.example.com/h');
      assert.deepEqual(json.event_types, ['user.created', 'user.deleted']);
      assert.equal(json.enabled, false);
      assert.equal(json.description, 'first');
      const cleared = await t.request({ method: 'PATCH', url: `/v1/webhook_endpoints/${id}`, payload: { description: null, event_types: [] } });
      assert.equal(cleared.json().description, null);
      assert.deepEqual(cleared.json().event_types, []);
    });

    test('rotate_secret returns a new secret once and keeps the old one signing for 24 h', async () => {
      const { id, secret } = await createEndpoint(t, { url: 'https://example.com/r' });
      const res = await t.request({ method: 'POST', url: `/v1/webhook_endpoints/${id}/rotate_secret` });
      assert.equal(res.statusCode, 200, res.body);
      const rotated = res.json();
      assert.match(rotated.secret, /^whsec_/);
      assert.notEqual(rotated.secret, secret);
      const overlap = Date.parse(rotated.previous_secret_expires_at) - Date.now();
      assert.ok(overlap > 23.9 * 3600_000 && overlap <= 24 * 3600_000, `overlap ${overlap}`);
      const stored = await t.store.webhooks.findEndpoint('test', id);
      assert.equal(stored?.previous_secret, secret);
      assert.equal(stored?.secret, rotated.secret);
    });

    test('admin scope only; environments are separate; unknown ids are 404', async () => {
      const write = await t.key(['read', 'write']);
      const denied = await t.request({ method: 'POST', url: '/v1/webhook_endpoints', key: write, payload: { url: 'https://example.com' } });
      assert.equal(denied.statusCode, 403);
      assert.equal((await t.request({ method: 'GET', url: '/v1/webhook_endpoints', key: write })).statusCode, 403);
      const { id } = await createEndpoint(t, { url: 'https://example.com/env' });
      const live = await t.request({ method: 'GET', url: `/v1/webhook_endpoints/${id}`, key: LIVE_ADMIN_KEY });
      assert.equal(live.statusCode, 404);
      assert.equal(live.json().error, 'not_found');
      assert.equal(live.json().message, 'Webhook endpoint not found');
      assert.equal((await t.request({ method: 'GET', url: '/v1/webhook_endpoints/whe_nope/deliveries' })).statusCode, 404);
      const retry = await t.request({ method: 'POST', url: `/v1/webhook_endpoints/${id}/deliveries/whd_nope/retry` });
      assert.equal(retry.statusCode, 404);
      assert.equal(retry.json().message, 'Webhook delivery not found');
    });

    test('DELETE removes the endpoint and its deliveries', async () => {
      const { id } = await createEndpoint(t, { url: 'https://example.com/d' });
      await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'queued@example.com' } });
      assert.equal((await t.store.webhooks.listDeliveries('test', id, { limit: 10 })).items.length, 1);
      assert.equal((await t.request({ method: 'DELETE', url: `/v1/webhook_endpoints/${id}` })).statusCode, 204);
      assert.equal((await t.request({ method: 'GET', url: `/v1/webhook_endpoints/${id}` })).statusCode, 404);
      assert.equal((await t.request({ method: 'DELETE', url: `/v1/webhook_endpoints/${id}` })).statusCode, 404);
      assert.equal((await t.store.webhooks.listDeliveries('test', id, { limit: 10 })).items.length, 0);
    });

    test('the user events API does not show the stored snapshot', async () => {
      const user = (await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'snap@example.com' } })).json();
      const events = (await t.request({ method: 'GET', url: `/v1/users/${user.id}/events` })).json();
      assert.equal(events.data.length, 1);
      assert.equal(events.data[0].snapshot, undefined);
      const stored = await t.store.events.listForUser('test', user.id, { limit: 1 });
      assert.equal((stored.items[0]?.snapshot as { email?: string } | null)?.email, 'snap@example.com');
    });
  });
}
