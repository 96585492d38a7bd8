/**
 * Issue 12, item 2: password-hash cost cannot be used as a weapon. Imported hashes above the
 * ceilings are refused naming the limit (v1 and WorkOS doors); every hash and verify goes through
 * one bounded queue that answers 503 with Retry-After when a job waited too long; failed verifies
 * per user are limited across processes; a password for a missing user is a 404 without hashing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hash as argon2Hash } from '@node-rs/argon2';
import { ConfigError, defaultHashConcurrency, loadConfig } from '../../src/config.ts';
import { createServices } from '../../src/services/index.ts';
import { createPasswordService } from '../../src/services/password-service.ts';
import { DEFAULT_HASH_CEILINGS, checkHashCost, createHashQueue, parseImportedHash } from '../../src/services/password-hashing/index.ts';
import { openStore } from '../../src/store/kysely-store.ts';
import { UnavailableError } from '../../src/domain/errors.ts';
import { DATABASES } from '../helpers/databases.ts';
import { startTestApp, type TestApp, useTestApp } from '../helpers/app.ts';
import { createUser } from '../helpers/users.ts';

const DIGEST_53 = 'CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';
const SALT = Buffer.from('0123456789abcdef').toString('base64').replace(/=+$/, '');
const DIGEST32 = Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '');
const BCRYPT_U = { hash: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', password: 'U*U' };
const FIREBASE_B64 = Buffer.alloc(16, 1).toString('base64');

/** A fresh user's id (users need an email, username or external_id: createUser gives an unused address). */
const newUser = async (t: TestApp): Promise<string> => (await createUser(t)).id;

/** One well-formed hash above each default ceiling, and the setting its 400 must name. */
const ABOVE_DEFAULTS: Array<{ type: string; hash: string; message: RegExp }> = [
  { type: 'bcrypt', hash: `$2b$14$${DIGEST_53}`, message: /^bcrypt cost 14 is above this server's ceiling of 13 \(USERPLANE_HASH_MAX_BCRYPT_COST\)$/ },
  {
    type: 'argon2',
    hash: `$argon2id$v=19$m=262144,t=3,p=1$${SALT}$${DIGEST32}`,
    message: /^argon2 m=262,144 KiB is above this server's ceiling of 131,072 KiB \(USERPLANE_HASH_MAX_ARGON2_MEMORY_KIB\)$/,
  },
  {
    type: 'scrypt',
    hash: `$scrypt$v=1$n=262144,r=8,p=1,kl=32$${SALT}$${DIGEST32}`,
    message: /^scrypt 128·N·r·p = 256 MiB is above this server's ceiling of 128 MiB \(USERPLANE_HASH_MAX_SCRYPT_MIB\)$/,
  },
  {
    type: 'pbkdf2',
    hash: `$pbkdf2$i=2000001,d=sha256$${SALT}$${DIGEST32}`,
    message: /^pbkdf2 \(sha256\) iterations 2,000,001 is above this server's ceiling of 2,000,000 \(USERPLANE_HASH_MAX_PBKDF2_ITERATIONS\)$/,
  },
  {
    type: 'sha512_crypt',
    hash: '$6$rounds=200001$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
    message: /^sha512_crypt rounds 200,001 is above this server's ceiling of 200,000 \(USERPLANE_HASH_MAX_SHA_CRYPT_ROUNDS\)$/,
  },
  {
    type: 'phpass',
    hash: '$P$GiS0N5L672xzQx1rt1vgdJQRYKnQM9/',
    message: /^phpass log2 rounds 18 is above this server's ceiling of 17 \(USERPLANE_HASH_MAX_PHPASS_LOG2_ROUNDS\)$/,
  },
];

for (const kind of DATABASES) {
  describe(`hash cost ceilings on ${kind.name}`, () => {
    let t: TestApp;
    before(async () => {
      // Firebase's defaults equal the format's own maximum, so a lowered ceiling shows that one works.
      t = await startTestApp(kind, { passwords: { ceilings: { ...DEFAULT_HASH_CEILINGS, firebaseRounds: 4 } } });
    });
    after(() => t.close());

    const createUser = () => newUser(t);

    test('v1: a hash above a ceiling is a 400 naming the limit and its setting, and nothing is stored', async () => {
      const id = await createUser();
      const cases = [
        ...ABOVE_DEFAULTS,
        {
          type: 'firebase-scrypt',
          hash: `$firebase-scrypt$hash=${FIREBASE_B64}$salt=${FIREBASE_B64}$sk=${FIREBASE_B64}$ss=Bw==$r=8$m=14`,
          message: /^firebase-scrypt rounds 8 is above this server's ceiling of 4 \(USERPLANE_HASH_MAX_FIREBASE_ROUNDS\)$/,
        },
      ];
      for (const { type, hash, message } of cases) {
        const res = await t.request({ method: 'POST', url: `/v1/users/${id}/password`, payload: { password_hash: hash, password_hash_type: type } });
        assert.equal(res.statusCode, 400, `${type}: ${res.body}`);
        assert.equal(res.json().error, 'validation_error');
        assert.match(res.json().details.password_hash[0], message);
        assert.match(res.json().message, message);
      }
      assert.equal((await t.store.users.findById('test', id))!.password_hash, null);
      // At the ceiling is fine.
      const at = await t.request({ method: 'POST', url: `/v1/users/${id}/password`, payload: { password_hash: `$2b$13$${DIGEST_53}`, password_hash_type: 'bcrypt' } });
      assert.equal(at.statusCode, 200, at.body);
    });

    test('WorkOS: createUser and updateUser refuse it as invalid_password_hash with the same message', async () => {
      for (const { type, hash, message } of ABOVE_DEFAULTS) {
        const created = await t.request({
          method: 'POST',
          url: '/user_management/users',
          payload: { email: `ceiling-${type}-${kind.name}@example.com`, password_hash: hash, password_hash_type: type },
        });
        assert.equal(created.statusCode, 400, created.body);
        assert.equal(created.json().code, 'invalid_password_hash');
        assert.match(created.json().message, message);
      }
      const id = await createUser();
      const updated = await t.request({ method: 'PUT', url: `/user_management/users/${id}`, payload: { password_hash: ABOVE_DEFAULTS[0]!.hash, password_hash_type: 'bcrypt' } });
      assert.equal(updated.statusCode, 400, updated.body);
      assert.equal(updated.json().code, 'invalid_password_hash');
    });

    test('POST …/password for a missing user is a 404 before any hashing (v1 and WorkOS updateUser)', async () => {
      const queue = t.services.passwords.hasher.queue;
      const before = queue.stats().started;
      const v1 = await t.request({ method: 'POST', url: '/v1/users/usr_01jzzzzzzzzzzzzzzzzzzzzzzz/password', payload: { password: 'long enough password' } });
      assert.equal(v1.statusCode, 404, v1.body);
      const workos = await t.request({ method: 'PUT', url: '/user_management/users/user_01JZZZZZZZZZZZZZZZZZZZZZZZ', payload: { password: 'long enough password' } });
      assert.equal(workos.statusCode, 404, workos.body);
      assert.equal(queue.stats().started, before, 'no hash was computed');
      // An existing user's password does go through the queue.
      const id = await createUser();
      assert.equal((await t.request({ method: 'POST', url: `/v1/users/${id}/password`, payload: { password: 'long enough password' } })).statusCode, 200);
      assert.equal(queue.stats().started, before + 1);
    });
  });
}

describe('checkHashCost and the settings', () => {
  test('pbkdf2 counts every output block, and sha512 has its own ceiling', () => {
    const sha1x2 = parseImportedHash('pbkdf2', `$pbkdf2$i=1000001,d=sha1$${SALT}$${DIGEST32}`);
    assert.throws(() => checkHashCost(sha1x2, DEFAULT_HASH_CEILINGS), /pbkdf2 \(sha1\) iterations 2,000,002 \(1,000,001 × 2 blocks for a 32-byte hash\) is above/);
    const sha512 = parseImportedHash('pbkdf2', `$pbkdf2$i=1000001,d=sha512$${SALT}$${DIGEST32}`);
    assert.throws(() => checkHashCost(sha512, DEFAULT_HASH_CEILINGS), /USERPLANE_HASH_MAX_PBKDF2_SHA512_ITERATIONS/);
    checkHashCost(parseImportedHash('pbkdf2', `$pbkdf2$i=1000000,d=sha512$${SALT}$${DIGEST32}`), DEFAULT_HASH_CEILINGS);
    // scrypt's p passes run one after another: they multiply the cost.
    assert.throws(() => checkHashCost(parseImportedHash('scrypt', `$scrypt$v=1$n=131072,r=8,p=2,kl=32$${SALT}$${DIGEST32}`), DEFAULT_HASH_CEILINGS), /256 MiB/);
    checkHashCost(parseImportedHash('scrypt', `$scrypt$v=1$n=131072,r=8,p=1,kl=32$${SALT}$${DIGEST32}`), DEFAULT_HASH_CEILINGS);
    assert.throws(() => checkHashCost(parseImportedHash('argon2', `$argon2id$v=19$m=65536,t=6,p=1$${SALT}$${DIGEST32}`), { ...DEFAULT_HASH_CEILINGS, argon2Time: 5 }), /argon2 t=6 is above this server.s ceiling of 5 \(USERPLANE_HASH_MAX_ARGON2_TIME\)/);
  });

  test('sha-crypt rounds have a ceiling (5,000 when the hash names none); md5_crypt has none', () => {
    const checksum = '5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5';
    checkHashCost(parseImportedHash('sha256_crypt', `$5$saltstring$${checksum}`), { ...DEFAULT_HASH_CEILINGS, shaCryptRounds: 5000 });
    assert.throws(
      () => checkHashCost(parseImportedHash('sha256_crypt', `$5$saltstring$${checksum}`), { ...DEFAULT_HASH_CEILINGS, shaCryptRounds: 4999 }),
      /sha256_crypt rounds 5,000 is above this server's ceiling of 4,999 \(USERPLANE_HASH_MAX_SHA_CRYPT_ROUNDS\)$/,
    );
    checkHashCost(parseImportedHash('sha256_crypt', `$5$rounds=200000$saltstring$${checksum}`), DEFAULT_HASH_CEILINGS);
    assert.throws(() => checkHashCost(parseImportedHash('sha256_crypt', `$5$rounds=999999999$s$${checksum}`), DEFAULT_HASH_CEILINGS), { reason: 'above_ceiling' });
    checkHashCost(parseImportedHash('md5_crypt', '$1$rasmusle$rISCgZzpwk3UhDidwXvin0'), { ...DEFAULT_HASH_CEILINGS, shaCryptRounds: 1000 });
  });

  test('Django\'s encodings are held to the pbkdf2 and bcrypt ceilings', () => {
    const digest = Buffer.alloc(32, 7).toString('base64');
    assert.throws(
      () => checkHashCost(parseImportedHash('django_pbkdf2_sha256', `pbkdf2_sha256$2000001$seasalt$${digest}`), DEFAULT_HASH_CEILINGS),
      /pbkdf2 \(sha256\) iterations 2,000,001 is above this server's ceiling of 2,000,000 \(USERPLANE_HASH_MAX_PBKDF2_ITERATIONS\)$/,
    );
    checkHashCost(parseImportedHash('django_pbkdf2_sha256', `pbkdf2_sha256$1200000$seasalt$${digest}`), DEFAULT_HASH_CEILINGS);
    assert.throws(
      () => checkHashCost(parseImportedHash('django_bcrypt_sha256', `bcrypt_sha256$$2b$14$${DIGEST_53}`), DEFAULT_HASH_CEILINGS),
      /bcrypt cost 14 is above this server's ceiling of 13 \(USERPLANE_HASH_MAX_BCRYPT_COST\)$/,
    );
    checkHashCost(parseImportedHash('django_bcrypt_sha256', `bcrypt_sha256$$2b$12$${DIGEST_53}`), DEFAULT_HASH_CEILINGS);
  });

  test('ceilings and queue settings come from the environment, validated', () => {
    const config = loadConfig({ USERPLANE_HASH_MAX_BCRYPT_COST: '12', USERPLANE_PASSWORD_QUEUE_TIMEOUT_MS: '250', USERPLANE_PASSWORD_FAILURES: '5/1m', USERPLANE_PASSWORD_CONCURRENCY: '3' });
    assert.equal(config.passwords.ceilings.bcryptCost, 12);
    assert.equal(config.passwords.ceilings.argon2MemoryKiB, 131_072);
    assert.equal(config.passwords.queueTimeoutMs, 250);
    assert.equal(config.passwords.concurrency, 3);
    assert.deepEqual(config.passwords.failures, { max: 5, windowMs: 60_000 });
    assert.equal(loadConfig({ USERPLANE_PASSWORD_FAILURES: 'off' }).passwords.failures, null);
    assert.deepEqual(loadConfig({}).passwords.failures, { max: 10, windowMs: 600_000 });
    assert.throws(
      () => loadConfig({ USERPLANE_HASH_MAX_BCRYPT_COST: '17', USERPLANE_PASSWORD_FAILURES: 'ten', USERPLANE_HASH_MAX_FIREBASE_ROUNDS: '9' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.some((p) => p.startsWith('USERPLANE_HASH_MAX_BCRYPT_COST must be a whole number from 4 to 16')) &&
        error.problems.some((p) => p.startsWith('USERPLANE_HASH_MAX_FIREBASE_ROUNDS must be a whole number from 1 to 8')) &&
        error.problems.some((p) => p.startsWith('USERPLANE_PASSWORD_FAILURES must look like 10/10m')),
    );
  });

  test('auto concurrency leaves a core and a pool thread free, and is split between cluster workers', () => {
    assert.equal(defaultHashConcurrency({}, 8), 3, 'libuv pool of 4, minus one');
    assert.equal(defaultHashConcurrency({ UV_THREADPOOL_SIZE: '16' }, 8), 7, 'CPUs minus one');
    assert.equal(defaultHashConcurrency({ UV_THREADPOOL_SIZE: '16', USERPLANE_CLUSTER_WORKERS: '2' }, 8), 3);
    assert.equal(defaultHashConcurrency({ USERPLANE_CLUSTER_WORKERS: '8' }, 8), 1, 'at least one');
    assert.equal(defaultHashConcurrency({}, 1), 1);
  });

  test('the queue runs at most `concurrency` jobs; a job that waited too long, or finds it full, fails with UnavailableError', async () => {
    const queue = createHashQueue({ concurrency: 1, maxWaitMs: 30, maxQueued: 1 });
    let release!: () => void;
    const blocker = queue.run(() => new Promise<void>((resolve) => (release = resolve)));
    const waited = queue.run(async () => 'never');
    await assert.rejects(queue.run(async () => 'full'), (error: unknown) => error instanceof UnavailableError);
    await assert.rejects(waited, (error: unknown) => error instanceof UnavailableError && error.retryAfterSeconds >= 1);
    assert.deepEqual({ ...queue.stats(), started: undefined }, { running: 1, waiting: 0, started: undefined, refused: 2 });
    release();
    await blocker;
    assert.equal(await queue.run(async () => 'ran'), 'ran');
  });
});

for (const kind of DATABASES) {
  describe(`the hashing queue under load on ${kind.name}`, () => {
    const t = useTestApp(kind, { passwords: { concurrency: 1, queueTimeoutMs: 100, failures: null } });

    test('a verify that waited longer than the limit gets 503 unavailable with Retry-After (v1 format)', async () => {
      const id = await newUser(t);
      await t.request({ method: 'POST', url: `/v1/users/${id}/password`, payload: { password_hash: BCRYPT_U.hash, password_hash_type: 'bcrypt' } });
      let release!: () => void;
      const blocker = t.services.passwords.hasher.queue.run(() => new Promise<void>((resolve) => (release = resolve)));
      try {
        const res = await t.request({ method: 'POST', url: `/v1/users/${id}/password/verify`, payload: { password: 'wrong' } });
        assert.equal(res.statusCode, 503, res.body);
        assert.equal(res.json().error, 'unavailable');
        assert.ok(Number(res.headers['retry-after']) >= 1);
        // Setting a password waits in the same queue.
        const set = await t.request({ method: 'POST', url: `/v1/users/${id}/password`, payload: { password: 'long enough password' } });
        assert.equal(set.statusCode, 503, set.body);
      } finally {
        release();
        await blocker;
      }
      assert.deepEqual((await t.request({ method: 'POST', url: `/v1/users/${id}/password/verify`, payload: { password: BCRYPT_U.password } })).json(), { verified: true });
    });

    test('a right password answers even when the queue is too busy to upgrade its hash now', async () => {
      const id = await newUser(t);
      await t.request({ method: 'POST', url: `/v1/users/${id}/password`, payload: { password_hash: BCRYPT_U.hash, password_hash_type: 'bcrypt' } });
      // The same service over a hasher whose queue refuses the upgrade (as a busy one would).
      const real = t.services.passwords.hasher;
      const hasher = { ...real, hash: () => Promise.reject(new UnavailableError('Password hashing is busy; retry shortly')) };
      const passwords = createPasswordService(t.store, { hasher, failures: null, clock: () => new Date() });
      const ctx = { environment: 'test' as const, actor: 'test', door: 'v1' as const, requestId: null };
      assert.equal(await passwords.verify(ctx, id, BCRYPT_U.password), true);
      assert.equal((await t.store.users.findById('test', id))!.password_hash_type, 'bcrypt', 'upgraded at a later verify instead');
      assert.equal(await t.services.passwords.verify(ctx, id, BCRYPT_U.password), true);
      assert.equal((await t.store.users.findById('test', id))!.password_hash_type, 'argon2');
    });
  });
}

describe('/healthz and reads keep answering while expensive verifies run', () => {
  const t = useTestApp(DATABASES[0]!, { passwords: { failures: null, queueTimeoutMs: 120_000 } });

  test('8 verifies of a 128 MiB argon2 hash in flight; health checks and GET /v1/users/{id} answer meanwhile', async () => {
    const hash = await argon2Hash('the right password', { algorithm: 2, memoryCost: 131_072, timeCost: 3, parallelism: 1 });
    const id = await newUser(t);
    const set = await t.request({ method: 'POST', url: `/v1/users/${id}/password`, payload: { password_hash: hash, password_hash_type: 'argon2' } });
    assert.equal(set.statusCode, 200, set.body);
    let done = false;
    const verifies = Promise.all(
      Array.from({ length: 8 }, () => t.request({ method: 'POST', url: `/v1/users/${id}/password/verify`, payload: { password: 'a wrong password' } })),
    ).finally(() => (done = true));
    let answeredWhileBusy = 0;
    // Generous, bounded: each probe gets 30 s, and the loop ends when the verifies do (or after 200 probes).
    for (let i = 0; i < 200 && !done; i++) {
      const busy = t.services.passwords.hasher.queue.stats().running > 0;
      for (const url of ['/healthz', `/v1/users/${id}`]) {
        const res = await withDeadline(t.request({ method: 'GET', url }), 30_000, url);
        assert.equal(res.statusCode, 200, res.body);
      }
      if (busy && !done) answeredWhileBusy += 1;
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const res of await verifies) assert.deepEqual(res.json(), { verified: false });
    assert.ok(answeredWhileBusy > 0, 'health and reads answered while verifies were running');
  });
});

for (const kind of DATABASES) {
  describe(`failed-verify limit on ${kind.name}`, () => {
    let t: TestApp;
    let now = Date.parse('2026-01-01T00:00:00Z');
    before(async () => {
      t = await startTestApp(kind, { clock: () => new Date(now), passwords: { failures: { max: 3, windowMs: 600_000 } } });
    });
    after(() => t.close());

    const verify = (id: string, password: string) => t.request({ method: 'POST', url: `/v1/users/${id}/password/verify`, payload: { password } });

    test('after max wrong passwords in the window: 429 rate_limited with Retry-After, right password included; a right one does not reset', async () => {
      const id = await newUser(t);
      await t.request({ method: 'POST', url: `/v1/users/${id}/password`, payload: { password_hash: BCRYPT_U.hash, password_hash_type: 'bcrypt' } });
      assert.deepEqual((await verify(id, 'wrong 1')).json(), { verified: false });
      assert.deepEqual((await verify(id, 'wrong 2')).json(), { verified: false });
      // A success in between (it also upgrades the hash to argon2id) leaves the failures counted.
      assert.deepEqual((await verify(id, BCRYPT_U.password)).json(), { verified: true });
      now += 60_000;
      assert.deepEqual((await verify(id, 'wrong 3')).json(), { verified: false });
      const started = t.services.passwords.hasher.queue.stats().started;
      const limited = await verify(id, BCRYPT_U.password);
      assert.equal(limited.statusCode, 429, limited.body);
      assert.equal(limited.json().error, 'rate_limited');
      assert.match(limited.json().message, /at most 3 per 600 s/);
      assert.equal(limited.headers['retry-after'], '540', 'until the oldest failure leaves the 10-minute window');
      assert.equal(t.services.passwords.hasher.queue.stats().started, started, 'a refused verify computes no hash');
      // Another user is not affected.
      const other = await newUser(t);
      assert.deepEqual((await verify(other, 'anything')).json(), { verified: false });
      // Once the two oldest failures age out, verifies run again.
      now += 540_000;
      assert.deepEqual((await verify(id, BCRYPT_U.password)).json(), { verified: true });
    });
  });

  describe(`failed-verify limit across processes on ${kind.name}`, () => {
    test('two service instances on one database share the count', async () => {
      const database = await kind.create();
      const stores = [await openStore(database.url), await openStore(database.url)];
      try {
        const config = { roles: [], emailChange: 'direct' as const, adminKeys: [], passwords: { failures: { max: 2, windowMs: 600_000 } } };
        const [a, b] = stores.map((store) => createServices(store, config, { log: () => {} }));
        const ctx = { environment: 'test' as const, actor: 'test', door: 'v1' as const, requestId: null };
        const user = await a!.users.create(ctx, { email: `across-${kind.name}@example.com` }, { password: await a!.passwords.prepare({ password_hash: BCRYPT_U.hash, password_hash_type: 'bcrypt' }) });
        assert.equal(await a!.passwords.verify(ctx, user.id, 'wrong'), false);
        assert.equal(await b!.passwords.verify(ctx, user.id, 'wrong'), false);
        await assert.rejects(a!.passwords.verify(ctx, user.id, BCRYPT_U.password), { code: 'rate_limited' });
        await assert.rejects(b!.passwords.verify(ctx, user.id, BCRYPT_U.password), { code: 'rate_limited' });
      } finally {
        for (const store of stores) await store.close();
        await database.drop();
      }
    });
  });
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
