/**
 * Issue 12, item 5: public endpoints are cheap and cannot starve the API. The OpenAPI document is
 * rendered once and served from memory (ETag, 304, gzip and br); requests without a credential and
 * failed authentications are limited per client address (behind trusted proxies, per forwarded
 * address; in Redis when configured); /metrics can need a token or live on a port of its own.
 */
import assert from 'node:assert/strict';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, mock, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { TEST_ADMIN_KEY, startTestApp, type TestApp, useTestApp } from '../helpers/app.ts';
import { loadConfig } from '../../src/config.ts';
import { addressKey } from '../../src/http/client-address-limit.ts';
import { startMetricsServer } from '../../src/http/metrics-server.ts';
import { chooseEncoding, matchesEtag } from '../../src/http/public-documents.ts';

const REDIS_URL = process.env.TEST_REDIS_URL;
const kind = DATABASES[0]!;
const WINDOW = { max: 5, windowMs: 60_000 };

describe('the OpenAPI document is rendered once and served from memory', () => {
  const t = useTestApp(kind);

  test('one render for any number of requests to /openapi.json and /docs/json; ETag, 304, gzip and br', async () => {
    const renders = mock.method(t.app, 'swagger');
    const plain = await t.request({ method: 'GET', url: '/openapi.json', key: null });
    assert.equal(plain.statusCode, 200);
    assert.match(String(plain.headers['content-type']), /^application\/json/);
    const etag = String(plain.headers.etag);
    assert.match(etag, /^W\/"[A-Za-z0-9_-]+"$/);
    assert.equal(plain.headers.vary, 'Accept-Encoding');
    const document = plain.json();
    assert.equal(document.openapi, '3.1.0');
    assert.ok(document.paths['/v1/users/{id}']);

    const gzip = await t.request({ method: 'GET', url: '/openapi.json', key: null, headers: { 'accept-encoding': 'gzip, deflate' } });
    assert.equal(gzip.headers['content-encoding'], 'gzip');
    assert.deepEqual(JSON.parse(gunzipSync(gzip.rawPayload).toString('utf8')), document);
    const br = await t.request({ method: 'GET', url: '/openapi.json', key: null, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.ok(br.rawPayload.length < gzip.rawPayload.length && gzip.rawPayload.length < plain.rawPayload.length);
    assert.deepEqual(JSON.parse(brotliDecompressSync(br.rawPayload).toString('utf8')), document);
    assert.equal(br.headers.etag, etag);

    const docs = await t.request({ method: 'GET', url: '/docs/json', key: null });
    assert.equal(docs.statusCode, 200);
    assert.equal(docs.headers.etag, etag);
    assert.deepEqual(docs.json(), document);

    for (const ifNoneMatch of [etag, etag.slice(2), `"other", ${etag}`, '*']) {
      const cached = await t.request({ method: 'GET', url: '/openapi.json', key: null, headers: { 'if-none-match': ifNoneMatch } });
      assert.equal(cached.statusCode, 304, ifNoneMatch);
      assert.equal(cached.body, '');
      assert.equal(cached.headers.etag, etag);
    }
    const stale = await t.request({ method: 'GET', url: '/docs/json', key: null, headers: { 'if-none-match': 'W/"stale"' } });
    assert.equal(stale.statusCode, 200);
    assert.ok(renders.mock.callCount() <= 1, `rendered ${renders.mock.callCount()} times`);
    renders.mock.restore();
  });

  test('content negotiation and validators', () => {
    assert.equal(chooseEncoding(undefined), null);
    assert.equal(chooseEncoding('gzip;q=1.0, br;q=0'), 'gzip');
    assert.equal(chooseEncoding('br;q=0.5, gzip'), 'br');
    assert.equal(chooseEncoding('identity'), null);
    assert.equal(chooseEncoding('*'), 'br');
    assert.ok(matchesEtag('W/"a", "b"', '"b"'));
    assert.ok(!matchesEtag('"a"', 'W/"b"'));
  });
});

describe('limits per client address', () => {
  const t = useTestApp(kind, { edge: { publicRateLimit: WINDOW } });

  test('requests without a credential are limited per address; authenticated traffic and probes are not', async () => {
    const from = (remoteAddress: string, url = '/openapi.json') => t.app.inject({ method: 'GET', url, remoteAddress });
    for (let i = 0; i < WINDOW.max; i++) assert.equal((await from('198.51.100.1')).statusCode, 200);
    const limited = await from('198.51.100.1');
    assert.equal(limited.statusCode, 429);
    assert.ok(Number(limited.headers['retry-after']) > 0, JSON.stringify(limited.headers));
    // Unknown routes and a door without a key draw on the same budget.
    assert.equal((await from('198.51.100.1', '/nowhere')).statusCode, 429);
    // An Authorization header buys nothing where no credential is checked.
    const dressed = await t.app.inject({ method: 'GET', url: '/openapi.json', remoteAddress: '198.51.100.1', headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    assert.equal(dressed.statusCode, 429);
    const door = await from('198.51.100.1', '/v1/users');
    assert.equal(door.statusCode, 429);
    assert.equal(door.json().error, 'rate_limited');
    // The same address with a valid key, its health probes, and another address are served.
    const authed = await t.app.inject({ method: 'GET', url: '/v1/users', remoteAddress: '198.51.100.1', headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    assert.equal(authed.statusCode, 200);
    assert.equal((await from('198.51.100.1', '/healthz')).statusCode, 200);
    assert.equal((await from('198.51.100.1', '/readyz')).statusCode, 200);
    assert.equal((await from('198.51.100.2')).statusCode, 200);
  });

  test('failed authentications are limited per address: past the budget even a valid key waits', async () => {
    const attempt = (remoteAddress: string, key: string, url = '/v1/users') => t.app.inject({ method: 'GET', url, remoteAddress, headers: { authorization: `Bearer ${key}` } });
    for (let i = 0; i < WINDOW.max; i++) {
      assert.equal((await attempt('198.51.100.7', `sk_test_guess_${i}_000000000000000`)).statusCode, 401);
    }
    // A failure is counted once its 401 is sent: poll briefly rather than race the count.
    let guess = await attempt('198.51.100.7', 'sk_test_guess_again_0000000000000');
    for (const deadline = Date.now() + 5_000; guess.statusCode !== 429 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 50));
      guess = await attempt('198.51.100.7', 'sk_test_guess_again_0000000000000');
    }
    assert.equal(guess.statusCode, 429);
    assert.ok(Number(guess.headers['retry-after']) > 0);
    // No key is checked from a blocked address, so guessing learns nothing: a valid key is refused too.
    assert.equal((await attempt('198.51.100.7', TEST_ADMIN_KEY)).statusCode, 429);
    // Each door answers in its own format.
    const klaim = await attempt('198.51.100.7', 'sk_test_x', '/klaim/users/someone');
    assert.equal(klaim.statusCode, 429);
    assert.ok(typeof klaim.json().message === 'string' && !('error' in klaim.json()));
    // Requests without a credential have their own budget; other addresses are not affected.
    assert.equal((await t.app.inject({ method: 'GET', url: '/openapi.json', remoteAddress: '198.51.100.7' })).statusCode, 200);
    assert.equal((await attempt('198.51.100.8', TEST_ADMIN_KEY)).statusCode, 200);
  });

  test('without USERPLANE_TRUST_PROXY, X-Forwarded-For is ignored', async () => {
    const send = (forwardedFor: string) => t.app.inject({ method: 'GET', url: '/openapi.json', remoteAddress: '198.51.100.20', headers: { 'x-forwarded-for': forwardedFor } });
    for (let i = 0; i < WINDOW.max; i++) assert.equal((await send(`203.0.113.${i}`)).statusCode, 200);
    assert.equal((await send('203.0.113.99')).statusCode, 429);
  });

  test('IPv6 clients are counted by their /64', () => {
    assert.equal(addressKey('2001:db8:1:2:aaaa::1'), addressKey('2001:db8:1:2:bbbb::2'));
    assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
    assert.equal(addressKey('::ffff:192.0.2.1'), '192.0.2.1');
  });
});

describe('behind a trusted proxy', () => {
  const t = useTestApp(kind, { edge: { publicRateLimit: WINDOW, trustProxy: ['10.0.0.0/8'] } });

  test('each forwarded client has its own budget; an untrusted peer\'s header is ignored', async () => {
    const send = (remoteAddress: string, forwardedFor: string) => t.app.inject({ method: 'GET', url: '/openapi.json', remoteAddress, headers: { 'x-forwarded-for': forwardedFor } });
    for (let i = 0; i < WINDOW.max; i++) assert.equal((await send('10.1.2.3', '203.0.113.1')).statusCode, 200);
    assert.equal((await send('10.1.2.3', '203.0.113.1')).statusCode, 429);
    assert.equal((await send('10.1.2.3', '203.0.113.2')).statusCode, 200);
    for (let i = 0; i < WINDOW.max; i++) await send('192.0.2.50', `203.0.113.${100 + i}`);
    assert.equal((await send('192.0.2.50', '203.0.113.200')).statusCode, 429);
  });
});

describe('limits per client address shared through Redis', { skip: REDIS_URL ? false : 'TEST_REDIS_URL is not set' }, () => {
  test('two servers draw on one budget per address', async () => {
    const prefix = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const a = await startTestApp(kind, { edge: { publicRateLimit: WINDOW }, redisUrl: REDIS_URL! });
    const b = await startTestApp(kind, { edge: { publicRateLimit: WINDOW }, redisUrl: REDIS_URL! });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < WINDOW.max + 1; i++) {
        const server = i % 2 === 0 ? a : b;
        statuses.push((await server.app.inject({ method: 'GET', url: '/openapi.json', remoteAddress: prefix })).statusCode);
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
      // Failed authentications too: after the limit on one node, the other blocks at its first failure.
      const attempt = (server: TestApp, key: string) => server.app.inject({ method: 'GET', url: '/v1/users', remoteAddress: prefix, headers: { authorization: `Bearer ${key}` } });
      // A failure is counted after its answer (a Redis round trip later), so wait for the block to land.
      const blockedOn = async (server: TestApp) => {
        const deadline = Date.now() + 5_000;
        let status = 0;
        while (Date.now() < deadline && (status = (await attempt(server, TEST_ADMIN_KEY)).statusCode) !== 429) await new Promise((r) => setTimeout(r, 50));
        return status;
      };
      for (let i = 0; i < WINDOW.max; i++) assert.equal((await attempt(a, `sk_test_guess_${i}_000000000000000`)).statusCode, 401);
      assert.equal(await blockedOn(a), 429);
      assert.equal((await attempt(b, 'sk_test_guess_on_b_00000000000000')).statusCode, 401);
      assert.equal(await blockedOn(b), 429);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('/metrics access', () => {
  const TOKEN = 'metrics-token-for-tests-0001';

  test('with USERPLANE_METRICS_TOKEN a scrape needs the bearer token', async () => {
    const t = await startTestApp(kind, { edge: { metricsToken: TOKEN } });
    try {
      const none = await t.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(none.statusCode, 401);
      assert.equal(none.headers['www-authenticate'], 'Bearer');
      assert.equal((await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })).statusCode, 401);
      const ok = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(ok.statusCode, 200);
      assert.match(ok.body, /userplane_http_requests_total/);
    } finally {
      await t.close();
    }
  });

  test('with USERPLANE_METRICS_PORT it is served there and not on the API port', async () => {
    const t = await startTestApp(kind, { edge: { metricsPort: 1, metricsToken: TOKEN } });
    const metrics = await startMetricsServer(t.app, { host: '127.0.0.1', port: 0, token: TOKEN });
    try {
      assert.equal((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);
      const { port } = metrics.server.address() as { port: number };
      assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 401);
      const ok = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(ok.status, 200);
      assert.match(await ok.text(), /process_cpu_user_seconds_total/);
      assert.equal((await fetch(`http://127.0.0.1:${port}/v1/users`)).status, 404);
    } finally {
      await metrics.close();
      await t.close();
    }
  });
});

test('configuration: defaults and validation of the new settings', () => {
  const edge = loadConfig({}).httpEdge;
  assert.deepEqual(edge.publicRateLimit, { max: 60, windowMs: 10_000 });
  assert.equal(edge.trustProxy, false);
  assert.equal(edge.metricsToken, null);
  assert.equal(edge.metricsPort, null);
  assert.equal(loadConfig({ USERPLANE_PUBLIC_RATE_LIMIT: 'off' }).httpEdge.publicRateLimit, null);
  assert.deepEqual(loadConfig({ USERPLANE_PUBLIC_RATE_LIMIT: '100/1m' }).httpEdge.publicRateLimit, { max: 100, windowMs: 60_000 });
  assert.equal(loadConfig({ USERPLANE_TRUST_PROXY: 'true' }).httpEdge.trustProxy, true);
  assert.equal(loadConfig({ USERPLANE_TRUST_PROXY: '2' }).httpEdge.trustProxy, 2);
  assert.deepEqual(loadConfig({ USERPLANE_TRUST_PROXY: '10.0.0.0/8, 192.168.1.1,loopback' }).httpEdge.trustProxy, ['10.0.0.0/8', '192.168.1.1', 'loopback']);
  assert.equal(loadConfig({ USERPLANE_METRICS_PORT: '9464' }).httpEdge.metricsPort, 9464);
  assert.throws(() => loadConfig({ USERPLANE_PUBLIC_RATE_LIMIT: 'read=5/1s' }), /USERPLANE_PUBLIC_RATE_LIMIT/);
  assert.throws(() => loadConfig({ USERPLANE_TRUST_PROXY: '10.0.0.0/99' }), /USERPLANE_TRUST_PROXY/);
  assert.throws(() => loadConfig({ USERPLANE_METRICS_TOKEN: 'short' }), /USERPLANE_METRICS_TOKEN/);
  assert.throws(() => loadConfig({ USERPLANE_METRICS_PORT: '70000' }), /USERPLANE_METRICS_PORT/);
});
