/** Issue 2: API keys — created once with their secret, listed without it, revoked at once. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { LIVE_ADMIN_KEY, useTestApp } from '../helpers/app.ts';

describe('/v1/api_keys', () => {
  const t = useTestApp(DATABASES[0]!);

  test('create shows the secret once; list never does; the key works in its environment', async () => {
    const res = await t.request({ method: 'POST', url: '/v1/api_keys', payload: { name: 'backend', scopes: ['read', 'write'] } });
    assert.equal(res.statusCode, 201, res.body);
    const created = res.json();
    assert.match(created.secret, /^sk_test_[A-Za-z0-9_-]{32}$/);
    assert.equal(created.environment, 'test');
    assert.deepEqual(created.scopes, ['read', 'write']);
    assert.equal(created.preview, `${created.secret.slice(0, 8)}…${created.secret.slice(-4)}`);
    const list = await t.request({ method: 'GET', url: '/v1/api_keys' });
    assert.equal(list.statusCode, 200);
    assert.ok(!list.body.includes(created.secret));
    const listed = list.json().data.find((k: { id: string }) => k.id === created.id);
    assert.equal(listed.secret, undefined);
    assert.equal(listed.secret_hash, undefined);
    // The key belongs to the creator's environment.
    const user = await t.request({ method: 'POST', url: '/v1/users', key: created.secret, payload: { email: 'k@example.com' } });
    assert.equal(user.statusCode, 201);
    assert.equal(user.json().environment, 'test');
    const liveKey = (await t.request({ method: 'POST', url: '/v1/api_keys', key: LIVE_ADMIN_KEY, payload: { name: 'live', scopes: ['read'] } })).json();
    assert.match(liveKey.secret, /^sk_live_/);
    assert.equal((await t.request({ method: 'GET', url: `/v1/users/${user.json().id}`, key: liveKey.secret })).statusCode, 404);
  });

  test('revoke stops the key at once; a second revoke is 404', async () => {
    const created = (await t.request({ method: 'POST', url: '/v1/api_keys', payload: { name: 'temp', scopes: ['read'] } })).json();
    assert.equal((await t.request({ method: 'GET', url: '/v1/users', key: created.secret })).statusCode, 200);
    assert.equal((await t.request({ method: 'DELETE', url: `/v1/api_keys/${created.id}` })).statusCode, 204);
    const after = await t.request({ method: 'GET', url: '/v1/users', key: created.secret });
    assert.equal(after.statusCode, 401);
    assert.equal((await t.request({ method: 'DELETE', url: `/v1/api_keys/${created.id}` })).statusCode, 404);
    const listed = (await t.request({ method: 'GET', url: '/v1/api_keys' })).json().data.find((k: { id: string }) => k.id === created.id);
    assert.ok(listed.revoked_at);
  });

  test('validation: scopes required for secret keys, none for publishable, unknown scope refused', async () => {
    const none = await t.request({ method: 'POST', url: '/v1/api_keys', payload: { name: 'x' } });
    assert.equal(none.statusCode, 400);
    assert.ok(none.json().details.scopes);
    const bad = await t.request({ method: 'POST', url: '/v1/api_keys', payload: { name: 'x', scopes: ['root'] } });
    assert.equal(bad.statusCode, 400);
    const pk = await t.request({ method: 'POST', url: '/v1/api_keys', payload: { name: 'web', type: 'publishable' } });
    assert.equal(pk.statusCode, 201);
    assert.match(pk.json().secret, /^pk_test_/);
    assert.deepEqual(pk.json().scopes, []);
    // A publishable key cannot use the canonical API.
    assert.equal((await t.request({ method: 'GET', url: '/v1/users', key: pk.json().secret })).statusCode, 403);
  });

  test('only admin keys manage keys', async () => {
    const writer = await t.key(['write']);
    assert.equal((await t.request({ method: 'POST', url: '/v1/api_keys', key: writer, payload: { name: 'x', scopes: ['admin'] } })).statusCode, 403);
  });
});
