/**
 * Issue 12, item 6: end-user (publishable) keys on the Proficient door. Budgets per end user plus
 * one for the key; an opt-in proof of the end user (X-User-Hash or X-User-Token); "not found" and
 * "not yours" the same 404; Idempotency-Key records per end user, looked up after authorization.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { OAuthConfig } from '../../src/config.ts';
import { userHash } from '../../src/services/end-user-proof.ts';
import { DATABASES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const ISSUER = 'https://issuer.publishable.test/';
const AUDIENCE = 'userplane-api';
const README = join(import.meta.dirname, '..', '..', 'README.md');

async function issuer() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'eu', alg: 'ES256', use: 'sig' };
  const server: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const oauth: OAuthConfig = { jwksUrl: `http://127.0.0.1:${port}/jwks`, issuer: ISSUER, audience: AUDIENCE, environmentClaim: 'userplane_environment', algorithms: ['ES256'], clockToleranceSeconds: 5, jwksCooldownMs: 0 };
  const sign = (sub: string, lifetime = 120) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'eu' }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject(sub).setIssuedAt(now).setExpirationTime(now + lifetime).sign(privateKey);
  };
  return { oauth, sign, close: () => new Promise((resolve) => server.close(resolve)) };
}

type Headers = Record<string, string>;

function helpers(t: TestApp) {
  let n = 0;
  return {
    async user(first = 'Name') {
      n += 1;
      const res = await t.request({ method: 'POST', url: '/v1/users', payload: { external_id: `eu_${n}_${Math.random().toString(36).slice(2, 8)}`, first_name: first } });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { id: string; external_id: string };
    },
    async publishable(extra: object = {}) {
      const res = await t.request({ method: 'POST', url: '/v1/api_keys', payload: { name: 'web app', type: 'publishable', ...extra } });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { id: string; secret: string; user_proof_secret?: string; require_user_proof: boolean };
    },
    get: (pk: string, id: string, headers: Headers) => t.request({ method: 'GET', url: `/proficient/users/${id}`, key: pk, headers }),
    post: (pk: string, id: string, payload: object, headers: Headers) => t.request({ method: 'POST', url: `/proficient/users/${id}`, key: pk, headers, payload }),
  };
}

describe('rate limits of a publishable key', () => {
  let t: TestApp;
  before(async () => {
    const window = { max: 3, windowMs: 60_000 };
    t = await startTestApp(DATABASES[0]!, { rateLimit: { read: window, write: window, admin: { max: 1000, windowMs: 60_000 }, publishableKey: { max: 5, windowMs: 60_000 } } });
  });
  after(() => t.close());

  test('one end user flooding is stopped at their own budget; the others go on until the key-wide one', async () => {
    const h = helpers(t);
    const pk = (await h.publishable()).secret;
    const [a, b, c, d] = [await h.user(), await h.user(), await h.user(), await h.user()];
    const as = (u: { external_id: string }) => ({ 'x-user-external-id': u.external_id });
    for (let i = 0; i < 3; i++) assert.equal((await h.get(pk, a.id, as(a))).statusCode, 200);
    for (let i = 0; i < 5; i++) {
      const flooded = await h.get(pk, a.id, as(a));
      assert.equal(flooded.statusCode, 429, flooded.body);
      assert.ok(Number(flooded.headers['retry-after']) > 0);
    }
    // A's refused requests spent nothing of the key's budget: B and C are served.
    const other = await h.get(pk, b.id, as(b));
    assert.equal(other.statusCode, 200, other.body);
    assert.equal(other.headers['ratelimit-remaining'], '2', 'B has a budget of their own');
    assert.equal((await h.get(pk, c.id, as(c))).statusCode, 200);
    // 3 + 1 + 1 = the key's 5: now the key as a whole is refused, whoever asks.
    const keyWide = await h.get(pk, d.id, as(d));
    assert.equal(keyWide.statusCode, 429, keyWide.body);
    assert.match(keyWide.json().error.message, /publishable key/);
    // A secret key has its own budget, untouched.
    assert.equal((await t.request({ method: 'GET', url: `/proficient/users/${d.id}` })).statusCode, 200);
  });
});

for (const kind of DATABASES) {
  describe(`publishable keys on ${kind.name}`, () => {
    let t: TestApp;
    let idp: Awaited<ReturnType<typeof issuer>>;
    let h: ReturnType<typeof helpers>;
    before(async () => {
      idp = await issuer();
      t = await startTestApp(kind, { oauth: idp.oauth });
      h = helpers(t);
    });
    after(async () => {
      await t.close();
      await idp.close();
    });

    test('"not yours" answers exactly as "not found": the same 404 on GET and POST', async () => {
      const pk = (await h.publishable()).secret;
      const me = await h.user('Me');
      const other = await h.user('Other');
      const headers = { 'x-user-external-id': me.external_id };
      const missing = 'usr_00000000000000000000000000';
      for (const call of [(id: string) => h.get(pk, id, headers), (id: string) => h.post(pk, id, { first_name: 'Hacked' }, headers)]) {
        const notYours = await call(other.id);
        const notFound = await call(missing);
        assert.equal(notYours.statusCode, 404, notYours.body);
        assert.equal(notFound.statusCode, 404, notFound.body);
        assert.deepEqual(JSON.parse(notYours.body.replaceAll(other.id, '<id>')), JSON.parse(notFound.body.replaceAll(missing, '<id>')));
      }
      // Even a body asking for more than the names gets the 404 first on someone else's user.
      const more = await h.post(pk, other.id, { first_name: 'x', email: 'x@example.com' }, headers);
      assert.equal(more.statusCode, 404, more.body);
      assert.equal((await t.request({ method: 'GET', url: `/v1/users/${other.id}` })).json().first_name, 'Other');
    });

    test("Idempotency-Key: one end user can never replay another's stored response", async () => {
      const pk = (await h.publishable()).secret;
      const alice = await h.user('Alice');
      const mallory = await h.user('Mallory');
      const body = { last_name: 'Private' };
      const first = await h.post(pk, alice.id, body, { 'x-user-external-id': alice.external_id, 'idempotency-key': 'shared-key' });
      assert.equal(first.statusCode, 200, first.body);
      // Mallory sends the same key, URL and body: authorization runs first, and her records are her own.
      const stolen = await h.post(pk, alice.id, body, { 'x-user-external-id': mallory.external_id, 'idempotency-key': 'shared-key' });
      assert.equal(stolen.statusCode, 404, stolen.body);
      assert.equal(stolen.headers['idempotent-replayed'], undefined);
      assert.doesNotMatch(stolen.body, /Alice|Private/);
      // Alice's own retry still replays.
      const retry = await h.post(pk, alice.id, body, { 'x-user-external-id': alice.external_id, 'idempotency-key': 'shared-key' });
      assert.equal(retry.headers['idempotent-replayed'], 'true');
      assert.equal(retry.body, first.body);
      // Mallory's own use of the same key string on her own user runs for real.
      const hers = await h.post(pk, mallory.id, { first_name: 'M' }, { 'x-user-external-id': mallory.external_id, 'idempotency-key': 'shared-key' });
      assert.equal(hers.statusCode, 200, hers.body);
      assert.equal(hers.headers['idempotent-replayed'], undefined);
    });

    describe('require_user_proof', () => {
      let key: Awaited<ReturnType<ReturnType<typeof helpers>['publishable']>>;
      let me: { id: string; external_id: string };
      before(async () => {
        key = await h.publishable({ require_user_proof: true });
        me = await h.user('Proven');
      });

      test('the user proof secret is shown once, at creation; listings only say the mode is on', async () => {
        assert.match(key.user_proof_secret ?? '', /^ups_[A-Za-z0-9_-]{40,}$/);
        assert.equal(key.require_user_proof, true);
        const listed = (await t.request({ method: 'GET', url: '/v1/api_keys' })).json().data.find((k: { id: string }) => k.id === key.id);
        assert.equal(listed.require_user_proof, true);
        assert.equal(listed.user_proof_secret, undefined);
        assert.doesNotMatch(JSON.stringify(listed), new RegExp(key.user_proof_secret!));
        const plain = await h.publishable();
        assert.equal(plain.require_user_proof, false);
        assert.equal(plain.user_proof_secret, undefined);
        const secretWithProof = await t.request({ method: 'POST', url: '/v1/api_keys', payload: { name: 'x', scopes: ['read'], require_user_proof: true } });
        assert.equal(secretWithProof.statusCode, 400, secretWithProof.body);
      });

      test('without proof, or with a wrong one, a request is 401 invalid_credentials', async () => {
        const as = { 'x-user-external-id': me.external_id };
        const none = await h.get(key.secret, me.id, as);
        assert.equal(none.statusCode, 401, none.body);
        assert.equal(none.json().error.code, 'invalid_credentials');
        assert.match(none.json().error.message, /X-User-Hash/);
        assert.equal((await h.get(key.secret, me.id, { ...as, 'x-user-hash': '0'.repeat(64) })).statusCode, 401);
        assert.equal((await h.get(key.secret, me.id, { ...as, 'x-user-hash': 'short' })).statusCode, 401);
        // A hash made with another key's secret, or for another external id, proves nothing.
        assert.equal((await h.get(key.secret, me.id, { ...as, 'x-user-hash': userHash('ups_wrong', me.external_id) })).statusCode, 401);
        assert.equal((await h.get(key.secret, me.id, { ...as, 'x-user-hash': userHash(key.user_proof_secret!, `${me.external_id}x`) })).statusCode, 401);
        const write = await h.post(key.secret, me.id, { first_name: 'Unproven' }, as);
        assert.equal(write.statusCode, 401);
        assert.equal((await t.request({ method: 'GET', url: `/v1/users/${me.id}` })).json().first_name, 'Proven');
      });

      test('X-User-Hash: HMAC-SHA256 of the external id with the key secret (hex) proves the end user', async () => {
        const headers = { 'x-user-external-id': me.external_id, 'x-user-hash': userHash(key.user_proof_secret!, me.external_id) };
        assert.equal((await h.get(key.secret, me.id, headers)).statusCode, 200);
        const res = await h.post(key.secret, me.id, { last_name: 'Verified' }, headers);
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().last_name, 'Verified');
        // Upper-case hex is the same HMAC.
        assert.equal((await h.get(key.secret, me.id, { ...headers, 'x-user-hash': headers['x-user-hash'].toUpperCase() })).statusCode, 200);
      });

      test("X-User-Token: a short-lived JWT of the OAuth issuer whose sub is the external id", async () => {
        const as = { 'x-user-external-id': me.external_id };
        assert.equal((await h.get(key.secret, me.id, { ...as, 'x-user-token': await idp.sign(me.external_id) })).statusCode, 200);
        assert.equal((await h.get(key.secret, me.id, { ...as, 'x-user-token': await idp.sign('someone-else') })).statusCode, 401);
        // Longer than USERPLANE_USER_TOKEN_MAX_LIFETIME_SECONDS (300 by default): refused.
        assert.equal((await h.get(key.secret, me.id, { ...as, 'x-user-token': await idp.sign(me.external_id, 3600) })).statusCode, 401);
        assert.equal((await h.get(key.secret, me.id, { ...as, 'x-user-token': 'not.a.token' })).statusCode, 401);
      });

      test('keys without the mode need no proof', async () => {
        const plain = (await h.publishable()).secret;
        assert.equal((await h.get(plain, me.id, { 'x-user-external-id': me.external_id })).statusCode, 200);
      });

      test("the README's backend example computes a hash the server accepts", async () => {
        const readme = readFileSync(README, 'utf8');
        const block = /<!-- user-hash-example -->\s*```js\n([\s\S]*?)```/.exec(readme)?.[1];
        assert.ok(block, 'README has the marked example');
        assert.ok(block.trim().split('\n').length <= 10, 'ten lines at most');
        const dir = mkdtempSync(join(tmpdir(), 'userplane-readme-'));
        try {
          writeFileSync(join(dir, 'user-hash.mjs'), block);
          const out = execFileSync(process.execPath, [join(dir, 'user-hash.mjs'), me.external_id], {
            env: { ...process.env, USER_PROOF_SECRET: key.user_proof_secret! },
            encoding: 'utf8',
          });
          const hash = out.trim();
          assert.equal(hash, userHash(key.user_proof_secret!, me.external_id));
          assert.equal((await h.get(key.secret, me.id, { 'x-user-external-id': me.external_id, 'x-user-hash': hash })).statusCode, 200);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });
  });
}

describe('keys create --require-user-proof', () => {
  test('prints the user proof secret once; the key then demands proof', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'userplane-pk-cli-'));
    const databaseUrl = `sqlite:${join(dir, 'cli.db')}`;
    try {
      const bin = join(import.meta.dirname, '..', '..', 'bin', 'userplane.js');
      const run = (args: string[]) =>
        spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, DATABASE_URL: databaseUrl, USERPLANE_ADMIN_KEYS: '' }, encoding: 'utf8', timeout: 30_000 });
      assert.equal(run(['migrate']).status, 0);
      const created = run(['keys', 'create', '--env', 'test', '--name', 'app', '--type', 'publishable', '--require-user-proof']);
      assert.equal(created.status, 0, created.stderr);
      const pk = /secret \(shown once\): (pk_test_\S+)/.exec(created.stdout)?.[1];
      const ups = /user proof secret \(shown once; for your backend only\): (ups_\S+)/.exec(created.stdout)?.[1];
      assert.ok(pk && ups, created.stdout);
      const { openStore } = await import('../../src/store/kysely-store.ts');
      const { createServices } = await import('../../src/services/index.ts');
      const store = await openStore(databaseUrl);
      try {
        const services = createServices(store, { roles: [], emailChange: 'direct', adminKeys: [] });
        const principal = (await services.apiKeys.authenticate(pk))!;
        assert.equal(await services.endUsers.proves(principal, 'user_1', {}), false);
        assert.equal(await services.endUsers.proves(principal, 'user_1', { hash: userHash(ups, 'user_1') }), true);
      } finally {
        await store.close();
      }
      assert.doesNotMatch(run(['keys', 'list', '--env', 'test']).stdout, /ups_/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('configuration of end users', () => {
  test('USERPLANE_PUBLISHABLE_KEY_RATE_LIMIT and USERPLANE_USER_TOKEN_MAX_LIFETIME_SECONDS', async () => {
    const { loadConfig } = await import('../../src/config.ts');
    const defaults = loadConfig({});
    assert.equal(defaults.endUsers.proofTokenMaxLifetimeSeconds, 300);
    assert.equal(defaults.endUsers.keyRateLimit, null);
    assert.equal(defaults.rateLimit?.publishableKey, undefined);
    const set = loadConfig({ USERPLANE_PUBLISHABLE_KEY_RATE_LIMIT: '5000/10s', USERPLANE_USER_TOKEN_MAX_LIFETIME_SECONDS: '60' });
    assert.deepEqual(set.rateLimit?.publishableKey, { max: 5000, windowMs: 10_000 });
    assert.equal(set.endUsers.proofTokenMaxLifetimeSeconds, 60);
    assert.equal(loadConfig({ USERPLANE_RATE_LIMIT: 'off', USERPLANE_PUBLISHABLE_KEY_RATE_LIMIT: '5000/10s' }).rateLimit, null);
    assert.throws(() => loadConfig({ USERPLANE_PUBLISHABLE_KEY_RATE_LIMIT: 'read=1/1s' }), /USERPLANE_PUBLISHABLE_KEY_RATE_LIMIT/);
    assert.throws(() => loadConfig({ USERPLANE_USER_TOKEN_MAX_LIFETIME_SECONDS: '0' }), /USERPLANE_USER_TOKEN_MAX_LIFETIME_SECONDS/);
  });
});
