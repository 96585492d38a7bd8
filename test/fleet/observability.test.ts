/** Issue 8, part 5: Prometheus /metrics, and /readyz that reflects the database and Redis. */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { startTestApp, useTestApp } from '../helpers/app.ts';

const REDIS_URL = process.env.TEST_REDIS_URL;
const LIMITS = { read: { max: 1000, windowMs: 60_000 }, write: { max: 1000, windowMs: 60_000 }, admin: { max: 1000, windowMs: 60_000 } };

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The value of one sample line, e.g. `name{a="b"} 3`; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((w) => line.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

for (const kind of DATABASES) {
  describe(`/metrics on ${kind.name}`, () => {
    const t = useTestApp(kind, { rateLimit: { ...LIMITS, read: { max: 2, windowMs: 60_000 } } });

    test('counts requests by route pattern, door and status; rate-limit rejections; backlog; pool', async () => {
      const created = await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'metrics@example.com' } });
      assert.equal(created.statusCode, 201);
      const id = created.json().id as string;
      for (let i = 0; i < 3; i++) {
        assert.equal((await t.request({ method: 'PATCH', url: `/v1/users/${id}`, payload: { first_name: `N${i}` } })).statusCode, 200);
      }
      assert.equal((await t.request({ method: 'GET', url: '/v1/users/user_nope' })).statusCode, 404);
      assert.equal((await t.request({ method: 'GET', url: `/user_management/users/${id}` })).statusCode, 200);
      const reader = await t.key(['read']);
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await t.request({ method: 'GET', url: '/v1/users', key: reader })).statusCode);
      assert.deepEqual(statuses, [200, 200, 429]);
      // A webhook endpoint and one more change: one pending delivery in the backlog.
      assert.equal((await t.request({ method: 'POST', url: '/v1/webhook_endpoints', payload: { url: 'https://hooks.example.com/in' } })).statusCode, 201);
      assert.equal((await t.request({ method: 'PATCH', url: `/v1/users/${id}`, payload: { last_name: 'Doe' } })).statusCode, 200);

      const scrape = await t.request({ method: 'GET', url: '/metrics', key: null });
      assert.equal(scrape.statusCode, 200);
      assert.match(String(scrape.headers['content-type']), /^text\/plain/);
      const text = scrape.body;
      assert.equal(sample(text, 'userplane_http_requests_total', { route: '/v1/users/:id', method: 'PATCH', door: 'v1', status: '200' }), 4);
      assert.equal(sample(text, 'userplane_http_requests_total', { route: '/v1/users/:id', method: 'GET', door: 'v1', status: '404' }), 1);
      assert.equal(sample(text, 'userplane_http_requests_total', { route: '/v1/users', method: 'POST', door: 'v1', status: '201' }), 1);
      assert.equal(sample(text, 'userplane_http_requests_total', { route: '/user_management/users/:id', method: 'GET', door: 'workos', status: '200' }), 1);
      assert.equal(sample(text, 'userplane_http_requests_total', { route: '/v1/users', method: 'GET', status: '429' }), 1);
      // Never the raw URL: an id in a label is a series per user.
      assert.ok(!text.includes(id), 'a user id leaked into a label');
      assert.ok(!text.includes('user_nope'));
      assert.equal(sample(text, 'userplane_http_request_duration_seconds_count', { route: '/v1/users/:id', method: 'PATCH', door: 'v1' }), 4);
      assert.equal(sample(text, 'userplane_rate_limited_total', { door: 'v1', reason: 'rate_limited' }), 1);
      assert.equal(sample(text, 'userplane_webhook_backlog', {}), 1);
      if (kind.name === 'postgres') {
        assert.ok((sample(text, 'userplane_db_pool', { state: 'total' }) ?? 0) >= 1);
        assert.equal(sample(text, 'userplane_db_pool', { state: 'waiting' }), 0);
        assert.equal(sample(text, 'userplane_sqlite_commits_total', { counted: 'commits' }), undefined);
      } else {
        assert.equal(sample(text, 'userplane_db_pool', { state: 'total' }), undefined);
        // Every write above was a transaction; each was made durable by a COMMIT, shared or not.
        const transactions = sample(text, 'userplane_sqlite_commits_total', { counted: 'transactions' }) ?? 0;
        const commits = sample(text, 'userplane_sqlite_commits_total', { counted: 'commits' }) ?? 0;
        assert.ok(transactions >= 6 && commits >= 1 && commits <= transactions, `${transactions} transactions in ${commits} commits`);
      }
      assert.ok(text.includes('process_cpu_user_seconds_total'), 'default process metrics');
    });

    test('/metrics is public and not in the OpenAPI document', async () => {
      const doc = (await t.request({ method: 'GET', url: '/openapi.json', key: null })).json();
      assert.equal(doc.paths['/metrics'], undefined);
    });
  });
}

describe('/readyz and Redis', () => {
  test('with REDIS_URL at a closed port: still ready (limits fail open), redis degraded (issue 13)', async () => {
    const port = await freePort();
    const t = await startTestApp(DATABASES[0]!, { rateLimit: LIMITS, redisUrl: `redis://127.0.0.1:${port}` });
    try {
      const res = await t.request({ method: 'GET', url: '/readyz', key: null });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: 'ready', database: 'sqlite', redis: 'degraded' });
      // Liveness does not depend on Redis.
      assert.equal((await t.request({ method: 'GET', url: '/healthz', key: null })).statusCode, 200);
    } finally {
      await t.close();
    }
  });

  test('with the real Redis: ready, and it says so', { skip: !REDIS_URL && 'needs TEST_REDIS_URL' }, async () => {
    const t = await startTestApp(DATABASES[0]!, { rateLimit: LIMITS, redisUrl: REDIS_URL! });
    try {
      let res = await t.request({ method: 'GET', url: '/readyz', key: null });
      // The client may still be connecting right after start (ready meanwhile, redis "degraded").
      for (let i = 0; i < 20 && res.json().redis !== 'ok'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        res = await t.request({ method: 'GET', url: '/readyz', key: null });
      }
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: 'ready', database: 'sqlite', redis: 'ok' });
    } finally {
      await t.close();
    }
  });

  test('without Redis the answer is as before', async () => {
    const t = await startTestApp(DATABASES[0]!);
    try {
      assert.deepEqual((await t.request({ method: 'GET', url: '/readyz', key: null })).json(), { status: 'ready', database: 'sqlite' });
    } finally {
      await t.close();
    }
  });
});
