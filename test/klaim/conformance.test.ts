/** Issue 4: the Klaim door (seed 002) over the shared services, on each database. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RateLimitedError, UnavailableError } from '../../src/domain/errors.ts';
import { DATABASES } from '../helpers/databases.ts';
import { useTestApp } from '../helpers/app.ts';

const SEED_KEYS = ['acquisition_source', 'created_at', 'credit_balance', 'email', 'klaim_id', 'message', 'metadata', 'name', 'user_id'];
const NOT_FOUND = 'Can not find user with the given user_id.';

for (const kind of DATABASES) {
  describe(`Klaim door on ${kind.name}`, () => {
    const t = useTestApp(kind);

    let counter = 0;
    async function createUser(fields: Record<string, unknown> = {}) {
      counter += 1;
      const res = await t.request({
        method: 'POST',
        url: '/klaim/users',
        payload: { user_id: `client-${counter}`, email: `klaim${counter}@example.com`, name: `User ${counter}`, ...fields },
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json();
    }
    const get = (userId: string) => t.request({ method: 'GET', url: `/klaim/users/${encodeURIComponent(userId)}` });
    const put = (userId: string, payload: unknown) => t.request({ method: 'PUT', url: `/klaim/users/${encodeURIComponent(userId)}`, payload: payload as object });

    test('create with a user_id: 201 in the seed shape, acquisition_source "api", credit_balance 0', async () => {
      const before = Date.now();
      const res = await t.request({
        method: 'POST',
        url: '/klaim/users',
        payload: { user_id: 'testUserId', email: 'test@email.com', name: 'tester', metadata: { test: 'field' } },
      });
      assert.equal(res.statusCode, 201, res.body);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), SEED_KEYS);
      assert.equal(body.message, 'create resource successfully');
      assert.equal(body.user_id, 'testUserId');
      assert.match(body.klaim_id, /^usr_[0-9a-z]{26}$/);
      assert.ok(Number.isInteger(body.created_at) && body.created_at >= before - 1000 && body.created_at <= Date.now());
      assert.equal(body.acquisition_source, 'api');
      assert.equal(body.credit_balance, 0);
      assert.equal(body.email, 'test@email.com');
      assert.equal(body.name, 'tester');
      assert.deepEqual(body.metadata, { test: 'field' });
      assert.equal(res.headers.etag, '"1"');
    });

    test('create without a user_id generates one (a ULID)', async () => {
      const res = await t.request({ method: 'POST', url: '/klaim/users', payload: { email: 'generated@example.com' } });
      assert.equal(res.statusCode, 201, res.body);
      const body = res.json();
      assert.match(body.user_id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
      assert.deepEqual(body.metadata, {});
      assert.equal(body.name, null);
      const fetched = await get(body.user_id);
      assert.equal(fetched.statusCode, 200);
      assert.equal(fetched.json().klaim_id, body.klaim_id);

      const empty = await t.request({ method: 'POST', url: '/klaim/users', payload: {} });
      assert.equal(empty.statusCode, 201, empty.body);
      assert.notEqual(empty.json().user_id, body.user_id);
    });

    test('GET by user_id answers the seed shape with "fetch resource successfully"', async () => {
      const user = await createUser({ metadata: { plan: 'pro' } });
      const res = await get(user.user_id);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(Object.keys(res.json()).sort(), SEED_KEYS);
      assert.deepEqual(res.json(), { ...user, message: 'fetch resource successfully' });
    });

    test('GET of an unknown user_id: 404 with the exact seed message', async () => {
      const res = await get('no-such-user');
      assert.equal(res.statusCode, 404);
      assert.deepEqual(res.json(), { message: NOT_FOUND });
    });

    test('PUT updates name, email and metadata; omitted fields stay; metadata merges and null deletes a key', async () => {
      const user = await createUser({ metadata: { plan: 'pro', team: 'red', keep: 1 } });
      const res = await put(user.user_id, { name: 'Renamed', email: 'renamed@example.com', metadata: { team: null, tier: 'gold' } });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), SEED_KEYS);
      assert.equal(body.message, 'fetch resource successfully');
      assert.equal(body.name, 'Renamed');
      assert.equal(body.email, 'renamed@example.com');
      assert.deepEqual(body.metadata, { plan: 'pro', keep: 1, tier: 'gold' });
      assert.equal(body.user_id, user.user_id);
      assert.equal(body.klaim_id, user.klaim_id);
      assert.equal(body.created_at, user.created_at);
      assert.equal(res.headers.etag, '"2"');

      const partial = await put(user.user_id, { name: 'Only name' });
      assert.equal(partial.statusCode, 200, partial.body);
      assert.equal(partial.json().email, 'renamed@example.com');
      assert.deepEqual(partial.json().metadata, { plan: 'pro', keep: 1, tier: 'gold' });
      assert.deepEqual((await get(user.user_id)).json().name, 'Only name');
    });

    test('PUT that changes nothing is a 200 with the user as it was', async () => {
      const user = await createUser();
      const res = await put(user.user_id, { name: user.name });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers.etag, '"1"');
    });

    test('PUT renames through user_id: the old one is 404, the new one works', async () => {
      const user = await createUser();
      const res = await put(user.user_id, { user_id: 'renamed-id' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().user_id, 'renamed-id');
      assert.equal(res.json().klaim_id, user.klaim_id);

      const old = await get(user.user_id);
      assert.equal(old.statusCode, 404);
      assert.deepEqual(old.json(), { message: NOT_FOUND });
      const oldPut = await put(user.user_id, { name: 'x' });
      assert.equal(oldPut.statusCode, 404);
      assert.deepEqual(oldPut.json(), { message: NOT_FOUND });

      const fresh = await get('renamed-id');
      assert.equal(fresh.statusCode, 200);
      assert.equal(fresh.json().klaim_id, user.klaim_id);
      assert.equal(fresh.json().email, user.email);
    });

    test('duplicate email: 409 "Email already exists" on create and on update, case-insensitively', async () => {
      const a = await createUser();
      const b = await createUser();
      const created = await t.request({ method: 'POST', url: '/klaim/users', payload: { user_id: 'dup-email', email: a.email.toUpperCase() } });
      assert.equal(created.statusCode, 409);
      assert.deepEqual(created.json(), { message: 'Email already exists' });
      const updated = await put(b.user_id, { email: a.email });
      assert.equal(updated.statusCode, 409);
      assert.deepEqual(updated.json(), { message: 'Email already exists' });
      assert.equal((await get(b.user_id)).json().email, b.email);
    });

    test('duplicate user_id: 409 "User ID already exists" on create and on rename', async () => {
      const a = await createUser();
      const b = await createUser();
      const created = await t.request({ method: 'POST', url: '/klaim/users', payload: { user_id: a.user_id } });
      assert.equal(created.statusCode, 409);
      assert.deepEqual(created.json(), { message: 'User ID already exists' });
      const renamed = await put(b.user_id, { user_id: a.user_id });
      assert.equal(renamed.statusCode, 409);
      assert.deepEqual(renamed.json(), { message: 'User ID already exists' });
      assert.equal((await get(b.user_id)).json().klaim_id, b.klaim_id);
    });

    test('unknown and read-only fields are a 400 naming them, never dropped', async () => {
      const user = await createUser();
      const unknown = await put(user.user_id, { name: 'x', nickname: 'y' });
      assert.equal(unknown.statusCode, 400);
      assert.deepEqual(unknown.json().errors, { nickname: ['Unknown field'] });
      assert.match(unknown.json().message, /nickname/);
      assert.equal((await get(user.user_id)).json().name, user.name);

      // external_id is the canonical name of user_id: Klaim does not speak it.
      const canonical = await t.request({ method: 'POST', url: '/klaim/users', payload: { external_id: 'x-1' } });
      assert.equal(canonical.statusCode, 400);
      assert.deepEqual(canonical.json().errors, { external_id: ['Unknown field'] });

      const readOnly = await put(user.user_id, { klaim_id: 'usr_x', credit_balance: 100, created_at: 1 });
      assert.equal(readOnly.statusCode, 400);
      assert.deepEqual(readOnly.json().errors, {
        klaim_id: ['Field is read-only'],
        credit_balance: ['Field is read-only'],
        created_at: ['Field is read-only'],
      });
    });

    test('field rules are the canonical ones, reported under Klaim names', async () => {
      const user = await createUser();
      const bad = await put(user.user_id, { user_id: 'has space', email: 'not-an-email', name: 5 });
      assert.equal(bad.statusCode, 400);
      const errors = bad.json().errors;
      assert.deepEqual(Object.keys(errors).sort(), ['email', 'name', 'user_id']);
      assert.equal('external_id' in errors, false);

      const nullId = await put(user.user_id, { user_id: null });
      assert.equal(nullId.statusCode, 400);
      assert.ok(nullId.json().errors.user_id);

      const badCreate = await t.request({ method: 'POST', url: '/klaim/users', payload: { user_id: 'a b' } });
      assert.equal(badCreate.statusCode, 400);
      assert.deepEqual(Object.keys(badCreate.json().errors), ['user_id']);
    });

    test('null clears name and email; metadata null clears every key', async () => {
      const user = await createUser({ metadata: { a: 1, b: 2 } });
      const res = await put(user.user_id, { name: null, email: null, metadata: null });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().name, null);
      assert.equal(res.json().email, null);
      assert.deepEqual(res.json().metadata, {});
    });

    test('DELETE answers the user as it was, then GET is 404', async () => {
      const user = await createUser();
      const res = await t.request({ method: 'DELETE', url: `/klaim/users/${user.user_id}` });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { ...user, message: 'delete resource successfully' });
      const gone = await get(user.user_id);
      assert.equal(gone.statusCode, 404);
      assert.deepEqual(gone.json(), { message: NOT_FOUND });
      const again = await t.request({ method: 'DELETE', url: `/klaim/users/${user.user_id}` });
      assert.equal(again.statusCode, 404);
      assert.deepEqual(again.json(), { message: NOT_FOUND });
    });

    test('a user created through /v1 is visible through Klaim by its external_id', async () => {
      const v1 = await t.request({
        method: 'POST',
        url: '/v1/users',
        payload: { external_id: 'from-v1', email: 'fromv1@example.com', name: 'From V1', metadata: { origin: 'v1' } },
      });
      assert.equal(v1.statusCode, 201, v1.body);
      const res = await get('from-v1');
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {
        message: 'fetch resource successfully',
        metadata: { origin: 'v1' },
        user_id: 'from-v1',
        klaim_id: v1.json().id,
        created_at: Date.parse(v1.json().created_at),
        acquisition_source: 'api',
        credit_balance: 0,
        email: 'fromv1@example.com',
        name: 'From V1',
      });
    });

    test('credit_balance is read from the Klaim extension', async () => {
      const user = await createUser();
      const stored = await t.services.users.get({ environment: 'test', actor: 'test', door: 'klaim', requestId: null }, user.klaim_id);
      const written = await t.store.users.update('test', user.klaim_id, stored.version, {
        extensions: { klaim: { credit_balance: 42.5 } },
        version: stored.version + 1,
        updated_at: new Date().toISOString(),
      });
      assert.ok(written);
      assert.equal((await get(user.user_id)).json().credit_balance, 42.5);
      const v1 = await t.request({ method: 'GET', url: `/v1/users/${user.klaim_id}` });
      assert.equal('extensions' in v1.json(), false);
    });

    test('events of Klaim changes say door "klaim"', async () => {
      const user = await createUser();
      const updated = await put(user.user_id, { name: 'Evented', user_id: 'evented-id' });
      assert.equal(updated.statusCode, 200, updated.body);
      const res = await t.request({ method: 'GET', url: `/v1/users/${user.klaim_id}/events` });
      assert.equal(res.statusCode, 200, res.body);
      const [update, create] = res.json().data;
      assert.equal(update.type, 'user.updated');
      assert.equal(update.door, 'klaim');
      assert.deepEqual(update.changes.external_id, { previous: user.user_id, current: 'evented-id' });
      assert.deepEqual(update.changes.name, { previous: user.name, current: 'Evented' });
      assert.equal(create.type, 'user.created');
      assert.equal(create.door, 'klaim');
    });

    test('If-Match with a stale ETag is refused with 412 and nothing is written', async () => {
      const user = await createUser();
      const res = await t.request({ method: 'PUT', url: `/klaim/users/${user.user_id}`, payload: { name: 'late' }, headers: { 'if-match': '"7"' } });
      assert.equal(res.statusCode, 412);
      assert.equal(typeof res.json().message, 'string');
      assert.equal(res.headers.etag, '"1"');
      assert.equal((await get(user.user_id)).json().name, user.name);
    });

    test('auth: a missing key is 401, a read-only key cannot write (403) but can read', async () => {
      const user = await createUser();
      const anonymous = await t.request({ method: 'GET', url: `/klaim/users/${user.user_id}`, key: null });
      assert.equal(anonymous.statusCode, 401);
      assert.deepEqual(Object.keys(anonymous.json()), ['message']);
      const invalid = await t.request({ method: 'GET', url: `/klaim/users/${user.user_id}`, key: 'sk_test_nope' });
      assert.equal(invalid.statusCode, 401);

      const reader = await t.key(['read']);
      const read = await t.request({ method: 'GET', url: `/klaim/users/${user.user_id}`, key: reader });
      assert.equal(read.statusCode, 200);
      const write = await t.request({ method: 'PUT', url: `/klaim/users/${user.user_id}`, payload: { name: 'no' }, key: reader });
      assert.equal(write.statusCode, 403);
      assert.match(write.json().message, /write/);
    });

    test('server-side failures: 500, 503 and 429 in Klaim shape, with Retry-After where it helps', async () => {
      const users = t.services.users;
      const original = users.getByExternalId;
      const failWith = async (error: Error) => {
        users.getByExternalId = async () => {
          throw error;
        };
        try {
          return await get('anyone');
        } finally {
          users.getByExternalId = original;
        }
      };
      const crash = await failWith(new Error('boom: secret detail'));
      assert.equal(crash.statusCode, 500);
      assert.deepEqual(crash.json(), { message: 'Internal server error' });
      const down = await failWith(new UnavailableError());
      assert.equal(down.statusCode, 503);
      assert.equal(down.headers['retry-after'], '1');
      assert.deepEqual(Object.keys(down.json()), ['message']);
      const limited = await failWith(new RateLimitedError(30));
      assert.equal(limited.statusCode, 429);
      assert.equal(limited.headers['retry-after'], '30');
      assert.deepEqual(limited.json(), { message: 'Too many requests' });
    });

    test('keys of another environment see nothing', async () => {
      const user = await createUser();
      const live = await t.key(['read'], 'live');
      const res = await t.request({ method: 'GET', url: `/klaim/users/${user.user_id}`, key: live });
      assert.equal(res.statusCode, 404);
      assert.deepEqual(res.json(), { message: NOT_FOUND });
    });

    test('transport errors in Klaim shape: bad JSON or no body 400, too large 413, wrong media type 415, unknown route 404', async () => {
      const user = await createUser();
      const badJson = await t.request({ method: 'PUT', url: `/klaim/users/${user.user_id}`, payload: '{"name":', headers: { 'content-type': 'application/json' } });
      assert.equal(badJson.statusCode, 400);
      assert.equal(typeof badJson.json().message, 'string');
      const text = await t.request({ method: 'PUT', url: `/klaim/users/${user.user_id}`, payload: 'name=x', headers: { 'content-type': 'text/plain' } });
      assert.equal(text.statusCode, 415);
      assert.deepEqual(Object.keys(text.json()), ['message']);
      const notArray = await put(user.user_id, ['name']);
      assert.equal(notArray.statusCode, 400);
      assert.deepEqual(notArray.json().errors, { body: ['Must be a JSON object'] });
      const noBody = await t.request({ method: 'POST', url: '/klaim/users' });
      assert.equal(noBody.statusCode, 400);
      assert.deepEqual(noBody.json().errors, { body: ['Must be a JSON object'] });
      const large = await put(user.user_id, { metadata: { k: 'x'.repeat(70_000) } });
      assert.equal(large.statusCode, 413);
      assert.deepEqual(Object.keys(large.json()), ['message']);
      const route = await t.request({ method: 'GET', url: '/klaim/nowhere' });
      assert.equal(route.statusCode, 404);
      assert.deepEqual(route.json(), { message: 'No such endpoint' });
    });
  });
}
