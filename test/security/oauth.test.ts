/** Issue 5: OAuth 2.0 bearer JWTs checked against a JWKS served on 127.0.0.1. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK } from 'jose';
import { DATABASES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const ISSUER = 'https://issuer.test/';
const AUDIENCE = 'userplane-api';

describe('OAuth bearer tokens', () => {
  let t: TestApp;
  let jwksServer: Server;
  let keys: { kid: string; privateKey: CryptoKey; publicJwk: JWK; publicPem: string }[] = [];
  let served: JWK[] = [];
  let jwksFetches = 0;

  async function newKey(kid: string) {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    return { kid, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
  }

  function token(claims: Record<string, unknown>, options: { kid?: string; exp?: string | number; nbf?: string | number; iss?: string; aud?: string } = {}) {
    const key = keys.find((k) => k.kid === (options.kid ?? keys[0]!.kid)) ?? keys[0]!;
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? key.kid })
      .setIssuer(options.iss ?? ISSUER)
      .setAudience(options.aud ?? AUDIENCE)
      .setSubject('client-42')
      .setIssuedAt()
      .setExpirationTime(options.exp ?? '5m');
    if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
    return jwt.sign(key.privateKey);
  }

  const b64url = (value: object | string) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  const call = (bearer: string, method = 'GET', url = '/v1/users', payload?: object) =>
    t.request({ method: method as 'GET', url, key: null, headers: { authorization: `Bearer ${bearer}` }, payload });

  before(async () => {
    keys = [await newKey('key-1')];
    served = keys.map((k) => k.publicJwk);
    jwksServer = createServer((_req, res) => {
      jwksFetches += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const { port } = jwksServer.address() as { port: number };
    t = await startTestApp(DATABASES[0]!, {
      oauth: { jwksUrl: `http://127.0.0.1:${port}/jwks`, issuer: ISSUER, audience: AUDIENCE, environmentClaim: 'userplane_environment', algorithms: ['RS256', 'ES256'], clockToleranceSeconds: 30, jwksCooldownMs: 0 },
    });
  });
  after(async () => {
    await t.close();
    await new Promise((resolve) => jwksServer.close(resolve));
  });

  test('a valid token with write scope may update; its environment comes from the claim', async () => {
    const writer = await token({ scope: 'read write' });
    const created = await call(writer, 'POST', '/v1/users', { email: 'oauth@example.com' });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().environment, 'test');
    const patched = await call(writer, 'PATCH', `/v1/users/${created.json().id}`, { first_name: 'Jane' });
    assert.equal(patched.statusCode, 200);
    const events = (await t.request({ method: 'GET', url: `/v1/users/${created.json().id}/events` })).json();
    assert.equal(events.data[0].actor, 'oauth:client-42');
    const live = await token({ scp: ['read'], userplane_environment: 'live' });
    assert.equal((await call(live, 'GET', `/v1/users/${created.json().id}`)).statusCode, 404);
  });

  test('missing scope: a read token cannot write, a token without scopes cannot read', async () => {
    const reader = await token({ scope: 'read' });
    assert.equal((await call(reader)).statusCode, 200);
    const denied = await call(reader, 'POST', '/v1/users', { email: 'nope@example.com' });
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.json().error, 'forbidden');
    assert.equal((await call(await token({ scope: 'profile email' }))).statusCode, 403);
  });

  const refusals: Array<[string, () => Promise<string>, RegExp]> = [
    ['expired', () => token({ scope: 'read' }, { exp: Math.floor(Date.now() / 1000) - 120 }), /expired/],
    ['not yet valid', () => token({ scope: 'read' }, { nbf: Math.floor(Date.now() / 1000) + 600 }), /not valid yet/],
    ['wrong issuer', () => token({ scope: 'read' }, { iss: 'https://evil.test/' }), /issuer/],
    ['wrong audience', () => token({ scope: 'read' }, { aud: 'another-api' }), /audience/],
    ['unknown key id', () => token({ scope: 'read' }, { kid: 'no-such-key' }), /key/],
    [
      'alg none',
      async () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ iss: ISSUER, aud: AUDIENCE, sub: 'x', scope: 'read write', exp: Math.floor(Date.now() / 1000) + 300 })}.`,
      /algorithm|verified/,
    ],
    [
      'HS256 signed with the public key',
      async () => {
        const header = b64url({ alg: 'HS256', typ: 'JWT', kid: 'key-1' });
        const payload = b64url({ iss: ISSUER, aud: AUDIENCE, sub: 'x', scope: 'read write', exp: Math.floor(Date.now() / 1000) + 300 });
        const signature = createHmac('sha256', keys[0]!.publicPem).update(`${header}.${payload}`).digest('base64url');
        return `${header}.${payload}.${signature}`;
      },
      /algorithm/,
    ],
    [
      'a tampered payload',
      async () => {
        const [h, , s] = (await token({ scope: 'read' })).split('.');
        return `${h}.${b64url({ iss: ISSUER, aud: AUDIENCE, sub: 'x', scope: 'admin', exp: Math.floor(Date.now() / 1000) + 300 })}.${s}`;
      },
      /signature/,
    ],
  ];
  for (const [name, make, reason] of refusals) {
    test(`refused: ${name} → 401`, async () => {
      const res = await call(await make());
      assert.equal(res.statusCode, 401, res.body);
      assert.equal(res.json().error, 'unauthorized');
      assert.match(res.json().message, reason);
    });
  }

  test('key rotation: a token signed by a newly published key verifies after the JWKS is refetched', async () => {
    const rotated = await newKey('key-2');
    keys.push(rotated);
    const before = jwksFetches;
    served = [rotated.publicJwk];
    const res = await call(await token({ scope: 'read' }, { kid: 'key-2' }));
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(jwksFetches > before, 'the key set was fetched again');
  });

  test('API keys keep working beside OAuth', async () => {
    assert.equal((await t.request({ method: 'GET', url: '/v1/users' })).statusCode, 200);
  });
});
