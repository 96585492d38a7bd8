/**
 * Issue 12, item 9: smaller holes. Admin key ids that reveal nothing of their secret; OAuth tokens
 * without `sub` or living too long refused; one spelling per email domain (IDNA); NUL in stored
 * text a 400 on both databases; a deeply nested body with an Idempotency-Key a 400.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { loadConfig, type OAuthConfig } from '../../src/config.ts';
import { BadRequestError } from '../../src/domain/errors.ts';
import { toDomainError } from '../../src/http/errors.ts';
import { createServices } from '../../src/services/index.ts';
import { DATABASES } from '../helpers/databases.ts';
import { DOORS } from '../helpers/doors.ts';
import { LIVE_ADMIN_KEY, TEST_ADMIN_KEY, startTestApp, type TestApp } from '../helpers/app.ts';

const ISSUER = 'https://issuer.small-holes.test/';
const AUDIENCE = 'userplane-api';

/** A JWKS served on 127.0.0.1 and a signer for its one key. */
async function issuer() {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const server: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const oauth: OAuthConfig = {
    jwksUrl: `http://127.0.0.1:${port}/jwks`,
    issuer: ISSUER,
    audience: AUDIENCE,
    environmentClaim: 'userplane_environment',
    algorithms: ['RS256'],
    clockToleranceSeconds: 5,
    jwksCooldownMs: 0,
    maxTokenLifetimeSeconds: 900,
  };
  /** `sub: null` leaves the claim out; `iat: null` too. Lifetime in seconds from now. */
  function sign(claims: { sub?: string | null; iat?: number | null; lifetime?: number; scope?: string } = {}) {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ scope: claims.scope ?? 'read write' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime(now + (claims.lifetime ?? 300));
    if (claims.sub !== null) jwt.setSubject(claims.sub ?? 'client-7');
    if (claims.iat !== null) jwt.setIssuedAt(claims.iat ?? now);
    return jwt.sign(privateKey);
  }
  return { oauth, sign, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('ids of USERPLANE_ADMIN_KEYS keys', () => {
  const secrets = [TEST_ADMIN_KEY, LIVE_ADMIN_KEY];
  const store = {} as never; // authenticate() of a configured key never reaches the store
  const idsOf = async () => {
    const services = createServices(store, { roles: [], emailChange: 'direct', adminKeys: secrets });
    return Promise.all(secrets.map(async (secret) => (await services.apiKeys.authenticate(secret))!.keyId));
  };

  test('reveal no part of any hash of the secret', async () => {
    for (const [i, id] of (await idsOf()).entries()) {
      const digest = createHash('sha256').update(secrets[i]!).digest();
      // No run of six characters of the hash, in any usual encoding, appears in the id (the old ids
      // carried its first twelve hex digits).
      for (const encoded of [digest.toString('hex'), digest.toString('base64'), digest.toString('base64url')]) {
        for (let at = 0; at + 6 <= encoded.length; at++) {
          assert.ok(!id.toLowerCase().includes(encoded.slice(at, at + 6).toLowerCase()), `${id} carries part of the secret's hash ${encoded}`);
        }
      }
      assert.ok(!id.includes(secrets[i]!.slice(8, 14)), `${id} carries part of the secret`);
    }
  });

  test('are stable across processes: the same list gives the same ids, distinct per key', async () => {
    const [first, second] = [await idsOf(), await idsOf()];
    assert.deepEqual(first, second);
    assert.equal(new Set(first).size, secrets.length);
    assert.deepEqual(first, ['key_config_1', 'key_config_2']);
  });
});

describe('NUL that reaches PostgreSQL anyway', () => {
  test("is the input's fault (400), not the server's: text 22021, jsonb 22P05", () => {
    for (const code of ['22021', '22P05']) {
      const error = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code });
      assert.ok(toDomainError(error) instanceof BadRequestError, code);
    }
  });
});

describe('OAUTH_MAX_TOKEN_LIFETIME_SECONDS in the configuration', () => {
  const base = { OAUTH_JWKS_URL: 'http://127.0.0.1:1/jwks', OAUTH_ISSUER: ISSUER, OAUTH_AUDIENCE: AUDIENCE };
  test('unset: no limit; set: a whole number of seconds; anything else refused', () => {
    assert.equal(loadConfig(base).oauth?.maxTokenLifetimeSeconds, null);
    assert.equal(loadConfig({ ...base, OAUTH_MAX_TOKEN_LIFETIME_SECONDS: '600' }).oauth?.maxTokenLifetimeSeconds, 600);
    assert.throws(() => loadConfig({ ...base, OAUTH_MAX_TOKEN_LIFETIME_SECONDS: 'soon' }), /OAUTH_MAX_TOKEN_LIFETIME_SECONDS/);
  });
});

for (const kind of DATABASES) {
  describe(`small holes on ${kind.name}`, () => {
    let t: TestApp;
    let idp: Awaited<ReturnType<typeof issuer>>;
    before(async () => {
      idp = await issuer();
      t = await startTestApp(kind, { oauth: idp.oauth });
    });
    after(async () => {
      await t.close();
      await idp.close();
    });
    const bearer = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
      t.request({ method, url, key: null, headers: { authorization: `Bearer ${token}` }, payload });

    test('the admin key id is what events record as the actor', async () => {
      const whoami = (await t.request({ method: 'GET', url: '/v1/whoami' })).json();
      assert.equal(whoami.key_id, 'key_config_1');
      const user = (await t.request({ method: 'POST', url: '/v1/users', payload: { email: `actor-${kind.name}@example.com` } })).json();
      const events = (await t.request({ method: 'GET', url: `/v1/users/${user.id}/events` })).json();
      assert.equal(events.data[0].actor, 'key_config_1');
    });

    test('OAuth: a token without sub is a 401', async () => {
      const res = await bearer(await idp.sign({ sub: null }), 'GET', '/v1/users');
      assert.equal(res.statusCode, 401, res.body);
      assert.match(res.json().message, /sub/);
      assert.equal((await bearer(await idp.sign(), 'GET', '/v1/users')).statusCode, 200);
    });

    test('OAuth: with a maximum lifetime, a longer-lived token or one without iat is a 401', async () => {
      const long = await bearer(await idp.sign({ lifetime: 3600 }), 'GET', '/v1/users');
      assert.equal(long.statusCode, 401, long.body);
      assert.match(long.json().message, /longer than/);
      const noIat = await bearer(await idp.sign({ iat: null }), 'GET', '/v1/users');
      assert.equal(noIat.statusCode, 401, noIat.body);
      assert.match(noIat.json().message, /iat/);
      // An iat pushed ahead to hide a long life is refused too.
      const ahead = await bearer(await idp.sign({ iat: Math.floor(Date.now() / 1000) + 3000, lifetime: 3600 }), 'GET', '/v1/users');
      assert.equal(ahead.statusCode, 401, ahead.body);
      assert.equal((await bearer(await idp.sign({ lifetime: 900 }), 'GET', '/v1/users')).statusCode, 200);
    });

    test('IDNA: x@tést.example and x@xn--tst-bma.example are one address (409 on the second)', async () => {
      const first = await t.request({ method: 'POST', url: '/v1/users', payload: { email: `x-${kind.name}@tést.example` } });
      assert.equal(first.statusCode, 201, first.body);
      const second = await t.request({ method: 'POST', url: '/v1/users', payload: { email: `x-${kind.name}@xn--tst-bma.example` } });
      assert.equal(second.statusCode, 409, second.body);
      // The other way round, and with the letter case changed.
      const ascii = await t.request({ method: 'POST', url: '/v1/users', payload: { email: `y-${kind.name}@XN--TST-BMA.example` } });
      assert.equal(ascii.statusCode, 201, ascii.body);
      const unicode = await t.request({ method: 'POST', url: '/v1/users', payload: { email: `y-${kind.name}@TÉST.example` } });
      assert.equal(unicode.statusCode, 409, unicode.body);
      // A PATCH onto the other spelling collides as well, and a search finds it either way.
      const other = (await t.request({ method: 'POST', url: '/v1/users', payload: { username: `idna_${kind.name}` } })).json();
      const patch = await t.request({ method: 'PATCH', url: `/v1/users/${other.id}`, payload: { email: `x-${kind.name}@xn--tst-bma.example` } });
      assert.equal(patch.statusCode, 409, patch.body);
      const found = (await t.request({ method: 'GET', url: `/v1/users?email=${encodeURIComponent(`x-${kind.name}@tést.example`)}` })).json();
      assert.equal(found.data.length, 1);
      assert.equal(found.data[0].id, first.json().id);
    });

    test('NUL in a key name or a webhook description is a 400, not a 500', async () => {
      const key = await t.request({ method: 'POST', url: '/v1/api_keys', payload: { name: 'a\u0000b', scopes: ['read'] } });
      assert.equal(key.statusCode, 400, key.body);
      assert.equal(key.json().error, 'validation_error');
      assert.ok(key.json().details.name, key.body);
      const hook = await t.request({ method: 'POST', url: '/v1/webhook_endpoints', payload: { url: 'https://example.com/hook', description: 'x\u0000' } });
      assert.equal(hook.statusCode, 400, hook.body);
      assert.ok(hook.json().details.description, hook.body);
      const keys = (await t.request({ method: 'GET', url: '/v1/api_keys' })).json();
      assert.ok(keys.data.every((k: { name: string }) => !k.name.includes('\u0000')));
    });

    test('NUL in a JWT subject is a 400, not a 500, and nothing is written', async () => {
      const email = `nul-sub-${kind.name}@example.com`;
      const res = await bearer(await idp.sign({ sub: 'evil\u0000sub' }), 'POST', '/v1/users', { email });
      assert.equal(res.statusCode, 400, res.body);
      const found = (await t.request({ method: 'GET', url: `/v1/users?email=${encodeURIComponent(email)}` })).json();
      assert.equal(found.data.length, 0);
    });

    test("a deeply nested body with an Idempotency-Key is a 400 in each door's format", async () => {
      const user = (await t.request({ method: 'POST', url: '/v1/users', payload: { email: `deep-${kind.name}@example.com`, external_id: `deep-${kind.name}` } })).json();
      const deep = `{"first_name":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
      // Every door with a POST (StateSet's API has none).
      const posts: Record<string, string> = { v1: '/v1/users', workos: '/user_management/users', proficient: `/proficient/users/${user.id}`, klaim: '/klaim/users' };
      for (const door of DOORS.filter((d) => posts[d.name])) {
        const res = await t.app.inject({
          method: 'POST',
          url: posts[door.name]!,
          payload: deep,
          headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json', 'idempotency-key': `deep-${door.name}` },
        });
        assert.equal(res.statusCode, 400, `${door.name}: ${res.body}`);
        assert.ok(door.isError(res.json()), `${door.name}: ${res.body}`);
      }
    });
  });
}
