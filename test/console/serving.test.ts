/** Issue 7: how Userplane serves the console (no browser needed): redirect, headers, caching, the unbuilt case. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { consoleRoutes } from '../../src/http/console.ts';
import { DATABASES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

describe('console serving (issue 7)', () => {
  let dir: string;
  let built: FastifyInstance;
  let unbuilt: FastifyInstance;
  before(async () => {
    // A stand-in build, so these checks do not depend on (or race with) a real build.
    dir = mkdtempSync(join(tmpdir(), 'userplane-console-'));
    mkdirSync(join(dir, 'built/assets'), { recursive: true });
    writeFileSync(join(dir, 'built/index.html'), '<!doctype html><title>Userplane console</title><script type="module" src="/console/assets/app-abc123.js"></script>');
    writeFileSync(join(dir, 'built/assets/app-abc123.js'), 'console.log("hi")');
    built = Fastify();
    await built.register(consoleRoutes, { root: join(dir, 'built') });
    unbuilt = Fastify();
    await unbuilt.register(consoleRoutes, { root: join(dir, 'nothing-here') });
  });
  after(async () => {
    await built.close();
    await unbuilt.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('/console redirects to /console/, which serves the page with a same-origin CSP and no caching', async () => {
    const redirect = await built.inject({ url: '/console' });
    assert.equal(redirect.statusCode, 301);
    assert.equal(redirect.headers.location, '/console/');
    const page = await built.inject({ url: '/console/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /Userplane console/);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/, 'no inline scripts');
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.equal(page.headers['cache-control'], 'no-cache');
  });

  test('hashed assets are cached for good; unknown files are 404', async () => {
    const asset = await built.inject({ url: '/console/assets/app-abc123.js' });
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers['content-type']), /javascript/);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal((await built.inject({ url: '/console/assets/nope.js' })).statusCode, 404);
    assert.equal((await built.inject({ url: '/console/../package.json' })).statusCode, 404);
  });

  test('without a build, /console answers 503 telling the operator to run npm run build:console', async () => {
    for (const url of ['/console', '/console/', '/console/assets/app.js']) {
      const res = await unbuilt.inject({ url });
      assert.equal(res.statusCode, 503, url);
      assert.match(String(res.headers['content-type']), /^text\/plain/);
      assert.match(res.body, /npm run build:console/);
    }
  });

  test('the console is public but stays out of the API description; the API still needs a key', async () => {
    const t: TestApp = await startTestApp(DATABASES[0]!);
    try {
      const spec = (await t.request({ method: 'GET', url: '/openapi.json', key: null })).json();
      assert.ok(!Object.keys(spec.paths).some((path) => path.startsWith('/console')));
      assert.equal((await t.request({ method: 'GET', url: '/v1/users', key: null })).statusCode, 401);
      const page = await t.request({ method: 'GET', url: '/console/', key: null });
      assert.ok([200, 503].includes(page.statusCode), 'served, or 503 when console/dist was not built');
    } finally {
      await t.close();
    }
  });
});
