/** Issue 5: rate limits per credential, in memory and shared through Redis; fail open without it. */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { WorkOS, RateLimitExceededException } from '@workos-inc/node';
import { DATABASES } from '../helpers/databases.ts';
import { TEST_ADMIN_KEY, startTestApp, useTestApp } from '../helpers/app.ts';

const REDIS_URL = process.env.TEST_REDIS_URL;
const REDIS_SERVER = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'userplane.js');
if (!REDIS_URL) process.stderr.write('# TEST_REDIS_URL is not set: the shared-budget test across two processes is skipped\n');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('rate limits in memory', () => {
  const t = useTestApp(DATABASES[0]!, { rateLimit: { read: { max: 5, windowMs: 60_000 }, write: { max: 3, windowMs: 60_000 }, admin: { max: 4, windowMs: 60_000 } } });

  test('every response carries RateLimit headers; over the limit is 429 with Retry-After, per credential', async () => {
    const reader = await t.key(['read']);
    for (let i = 0; i < 5; i++) {
      const res = await t.request({ method: 'GET', url: '/v1/users', key: reader });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['ratelimit-limit'], '5');
      assert.equal(res.headers['ratelimit-remaining'], String(4 - i));
      assert.ok(Number(res.headers['ratelimit-reset']) > 0);
      assert.equal(res.headers['ratelimit-policy'], '5;w=60');
    }
    const limited = await t.request({ method: 'GET', url: '/v1/users', key: reader });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error, 'rate_limited');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    // Another credential has its own budget, sized by its scope.
    const writer = await t.key(['write']);
    const other = await t.request({ method: 'GET', url: '/v1/users', key: writer });
    assert.equal(other.statusCode, 200);
    assert.equal(other.headers['ratelimit-limit'], '3');
    // Health checks are never limited.
    assert.equal((await t.request({ method: 'GET', url: '/healthz', key: null })).statusCode, 200);
  });

  test("each door answers 429 in its own format", async () => {
    const key = await t.key(['write']);
    for (let i = 0; i < 3; i++) await t.request({ method: 'GET', url: '/v1/users', key });
    const klaim = await t.request({ method: 'GET', url: '/klaim/users/anyone', key });
    assert.equal(klaim.statusCode, 429);
    assert.ok(typeof klaim.json().message === 'string' && !('error' in klaim.json()));
    const proficient = await t.request({ method: 'GET', url: '/proficient/users/usr_x', key });
    assert.equal(proficient.statusCode, 429);
    assert.equal(typeof proficient.json().error.code, 'string');
    const stateset = await t.request({ method: 'GET', url: '/stateset/v1/users/usr_x', key });
    assert.equal(stateset.statusCode, 429);
    assert.equal(stateset.json().success, 0);
  });

  test('the WorkOS SDK surfaces it as RateLimitExceededException with retryAfter', async () => {
    const key = await t.key(['read']);
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const workos = new WorkOS(key, { apiHostname: '127.0.0.1', port: Number(new URL(base).port), https: false, maxRetries: 0 } as never);
    for (let i = 0; i < 5; i++) await workos.userManagement.listUsers({ limit: 1 });
    await assert.rejects(workos.userManagement.listUsers({ limit: 1 }), (error: unknown) => {
      assert.ok(error instanceof RateLimitExceededException, String(error));
      assert.ok((error.retryAfter ?? 0) > 0);
      return true;
    });
  });
});

describe('rate limits in Redis', () => {
  test('two server processes on one Redis share one budget', { skip: !REDIS_URL && 'needs TEST_REDIS_URL' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'userplane-rl-'));
    const key = `sk_test_rl_${randomBytes(12).toString('hex')}`;
    const servers: ChildProcess[] = [];
    try {
      const bases: string[] = [];
      for (let i = 0; i < 2; i++) {
        const port = await freePort();
        const child = spawn(process.execPath, [BIN, 'serve'], {
          env: { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'rl.db')}`, PORT: String(port), USERPLANE_ADMIN_KEYS: key, USERPLANE_RATE_LIMIT: '6/60s', REDIS_URL, LOG_LEVEL: 'warn' },
          stdio: 'ignore',
        });
        servers.push(child);
        bases.push(`http://127.0.0.1:${port}`);
      }
      for (const base of bases) {
        // Ready with its Redis connection up: /readyz says redis "ok" only once this process's connection is.
        // A generous deadline: a busy machine starts slowly, and a process counting alone fails the test below.
        let ready = false;
        for (const deadline = Date.now() + 60_000; !ready && Date.now() < deadline; ) {
          ready = await fetch(`${base}/readyz`).then(async (r) => r.ok && (await r.json()).redis === 'ok', () => false);
          if (!ready) await new Promise((r) => setTimeout(r, 100));
        }
        assert.ok(ready, `${base} was not ready within 60 s`);
      }
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const res = await fetch(`${bases[i % 2]}/v1/users`, { headers: { authorization: `Bearer ${key}` } });
        statuses.push(res.status);
      }
      // Six allowed in all, across both processes; the seventh and eighth are refused wherever they land.
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 429, 429]);
    } finally {
      for (const child of servers) child.kill('SIGTERM');
      await Promise.all(servers.map((child) => new Promise((r) => child.once('exit', r))));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('without Redis requests are served (logged); limits resume when it comes back', { skip: !REDIS_SERVER && 'needs redis-server' }, async () => {
    const port = await freePort();
    const log = new PassThrough();
    let logged = '';
    log.on('data', (c: Buffer) => (logged += c));
    const t = await startTestApp(DATABASES[0]!, { rateLimit: { read: { max: 3, windowMs: 60_000 }, write: { max: 3, windowMs: 60_000 }, admin: { max: 3, windowMs: 60_000 } }, redisUrl: `redis://127.0.0.1:${port}`, logStream: log });
    let redis: ChildProcess | null = null;
    try {
      for (let i = 0; i < 6; i++) assert.equal((await t.request({ method: 'GET', url: '/v1/users' })).statusCode, 200, 'served while Redis is down');
      for (let i = 0; i < 40 && !/Redis unavailable/.test(logged); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(logged, /Redis unavailable/);
      redis = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      let resumed = false;
      for (let i = 0; i < 100 && !resumed; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const res = await t.request({ method: 'GET', url: '/v1/users' });
        resumed = res.statusCode === 429;
      }
      assert.ok(resumed, 'limits apply again once Redis is back');
    } finally {
      redis?.kill('SIGTERM');
      await t.close();
    }
  });
});
