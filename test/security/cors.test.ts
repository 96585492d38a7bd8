/**
 * Issue 12, item 10: CORS for browser clients. USERPLANE_CORS_ORIGINS enables CORS, preflight
 * included, on the publishable-key endpoints for the listed origins only; a secret key is never
 * accepted from a cross-origin browser request, listed origin or not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { TEST_ADMIN_KEY, startTestApp, type TestApp, useTestApp } from '../helpers/app.ts';
import { loadConfig } from '../../src/config.ts';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example.net';
const kind = DATABASES[0]!;

const list = (header: unknown) =>
  String(header ?? '')
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);

describe('with USERPLANE_CORS_ORIGINS', () => {
  let t: TestApp;
  let publishable: string;
  let userId: string;
  before(async () => {
    t = await startTestApp(kind, { edge: { corsOrigins: [APP] } });
    publishable = (await t.services.apiKeys.create({ environment: 'test', actor: 'test', door: 'v1', requestId: null }, { name: 'browser', type: 'publishable' })).secret;
    const created = await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'browser@example.com', external_id: 'browser-1', first_name: 'Before' } });
    userId = created.json().id;
  });
  after(() => t.close());

  const preflight = (origin: string, url: string, method = 'POST') =>
    t.app.inject({
      method: 'OPTIONS',
      url,
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type,x-user-external-id,idempotency-key' },
    });

  test('a preflight from a listed origin to a publishable endpoint is answered with what the doors need', async () => {
    const res = await preflight(APP, `/proficient/users/${userId}`);
    assert.equal(res.statusCode, 204, res.body);
    assert.equal(res.headers['access-control-allow-origin'], APP);
    assert.ok(list(res.headers['access-control-allow-methods']).includes('post'));
    assert.deepEqual(
      list(res.headers['access-control-allow-headers']).sort(),
      ['authorization', 'content-type', 'idempotency-key', 'if-match', 'x-request-id', 'x-user-external-id', 'x-user-hash'],
    );
    assert.ok(Number(res.headers['access-control-max-age']) > 0);
    assert.ok(list(res.headers.vary).includes('origin'));
    assert.equal(res.headers['access-control-allow-credentials'], undefined);
    const get = await preflight(APP, `/proficient/users/${userId}`, 'GET');
    assert.equal(get.statusCode, 204);
  });

  test('no CORS for another origin, for a method the endpoint lacks, or for an endpoint publishable keys cannot call', async () => {
    for (const res of [await preflight(EVIL, `/proficient/users/${userId}`), await preflight(APP, `/proficient/users/${userId}`, 'DELETE'), await preflight(APP, '/v1/users'), await preflight(APP, `/klaim/users/browser-1`, 'PUT')]) {
      assert.equal(res.headers['access-control-allow-origin'], undefined, JSON.stringify(res.headers));
      assert.ok(res.statusCode >= 400, `${res.statusCode}`);
    }
  });

  test('a publishable-key update from a listed origin works and exposes ETag, X-Request-Id and the rate-limit headers', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/proficient/users/${userId}`,
      payload: { first_name: 'FromBrowser' },
      headers: { origin: APP, authorization: `Bearer ${publishable}`, 'content-type': 'application/json', 'x-user-external-id': 'browser-1' },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['access-control-allow-origin'], APP);
    const exposed = list(res.headers['access-control-expose-headers']);
    for (const header of ['etag', 'x-request-id', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after']) assert.ok(exposed.includes(header), header);
    assert.equal((await t.store.users.findById('test', userId))?.first_name, 'FromBrowser');
    // From an origin not listed the browser gets no CORS headers, so its page cannot read the answer.
    const other = await t.app.inject({ method: 'GET', url: `/proficient/users/${userId}`, headers: { origin: EVIL, authorization: `Bearer ${publishable}`, 'x-user-external-id': 'browser-1' } });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });

  test('a secret key from a cross-origin browser request is refused 403, listed origin or not, before any write', async () => {
    for (const origin of [EVIL, APP, 'null']) {
      const v1 = await t.app.inject({ method: 'PATCH', url: `/v1/users/${userId}`, payload: { first_name: 'Stolen' }, headers: { origin, authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' } });
      assert.equal(v1.statusCode, 403, `${origin}: ${v1.body}`);
      assert.equal(v1.json().error, 'forbidden');
      assert.match(v1.json().message, /browser/);
      const proficient = await t.app.inject({ method: 'POST', url: `/proficient/users/${userId}`, payload: { first_name: 'Stolen' }, headers: { origin, authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' } });
      assert.equal(proficient.statusCode, 403, proficient.body);
      assert.equal(proficient.json().error.code, 'forbidden');
    }
    assert.notEqual((await t.store.users.findById('test', userId))?.first_name, 'Stolen');
  });

  test('a secret key from the same origin (the console), or from a server (no Origin), is accepted', async () => {
    const sameHost = await t.app.inject({ method: 'GET', url: `/v1/users/${userId}`, headers: { host: 'users.example.com', origin: 'https://users.example.com', authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    assert.equal(sameHost.statusCode, 200, sameHost.body);
    const fetchMetadata = await t.app.inject({ method: 'GET', url: `/v1/users/${userId}`, headers: { origin: 'https://proxy.example.com', 'sec-fetch-site': 'same-origin', authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    assert.equal(fetchMetadata.statusCode, 200, fetchMetadata.body);
    const server = await t.request({ method: 'GET', url: `/v1/users/${userId}` });
    assert.equal(server.statusCode, 200);
  });
});

describe('without USERPLANE_CORS_ORIGINS (the default)', () => {
  const t = useTestApp(kind);

  test('no origin gets CORS, and a cross-origin secret key is still refused', async () => {
    const res = await t.app.inject({ method: 'OPTIONS', url: '/proficient/users/usr_x', headers: { origin: APP, 'access-control-request-method': 'POST' } });
    assert.equal(res.headers['access-control-allow-origin'], undefined);
    assert.ok(res.statusCode >= 400);
    const secret = await t.app.inject({ method: 'GET', url: '/v1/users', headers: { origin: APP, authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    assert.equal(secret.statusCode, 403);
    assert.equal((await t.request({ method: 'GET', url: '/v1/users' })).statusCode, 200);
  });
});

test('USERPLANE_CORS_ORIGINS takes a list of origins and refuses anything else', () => {
  assert.deepEqual(loadConfig({}).httpEdge.corsOrigins, []);
  assert.deepEqual(loadConfig({ USERPLANE_CORS_ORIGINS: 'https://app.example.com, http://localhost:3000' }).httpEdge.corsOrigins, ['https://app.example.com', 'http://localhost:3000']);
  assert.throws(() => loadConfig({ USERPLANE_CORS_ORIGINS: 'https://app.example.com/path' }), /USERPLANE_CORS_ORIGINS/);
  assert.throws(() => loadConfig({ USERPLANE_CORS_ORIGINS: '*' }), /USERPLANE_CORS_ORIGINS/);
});
