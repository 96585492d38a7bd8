/** Issue 4: the StateSet door (seed 004) — GET/PUT /stateset/v1/users/{id} in StateSet's names, on each database. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { TEST_ADMIN_KEY, useTestApp } from '../helpers/app.ts';
import { userMaker } from '../helpers/users.ts';

const STATESET_KEYS = [
  'active',
  'avatar',
  'bio',
  'birthday',
  'country',
  'email',
  'firstName',
  'lastName',
  'last_seen',
  'last_typed',
  'location',
  'organization',
  'phone',
  'regions',
  'title',
  'twitter',
  'username',
];

for (const kind of DATABASES) {
  describe(`StateSet door on ${kind.name}`, () => {
    const t = useTestApp(kind);

    const createUser = userMaker<{ id: string; [key: string]: unknown }>(() => t, (n) => ({ email: `stateset${n}@example.com` }));
    const url = (id: string) => `/stateset/v1/users/${id}`;
    const withToken = (key: string) => ({ key: null, headers: { authorization: `Token ${key}` } });
    const put = (id: string, payload: unknown, headers: Record<string, string> = {}) =>
      t.request({ method: 'PUT', url: url(id), payload: payload as object, headers });
    const getV1 = async (id: string) => (await t.request({ method: 'GET', url: `/v1/users/${id}` })).json();

    function assertError(res: { statusCode: number; json(): any }, status: number, code: string) {
      assert.equal(res.statusCode, status);
      const body = res.json();
      assert.equal(body.success, 0);
      assert.equal(body.error.code, code);
      assert.equal(typeof body.error.message, 'string');
      assert.match(body.request_id, /^req_/);
      return body;
    }

    test('GET with Authorization: Token returns exactly id and the 17 StateSet fields, null when unset', async () => {
      const user = await createUser({ first_name: 'Ada' });
      const res = await t.request({ method: 'GET', url: url(user.id), ...withToken(TEST_ADMIN_KEY) });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), ['id', ...STATESET_KEYS].sort());
      assert.equal(body.id, user.id);
      assert.equal(body.firstName, 'Ada');
      assert.equal(body.email, user.email);
      assert.equal(body.active, true);
      for (const key of STATESET_KEYS.filter((k) => !['firstName', 'email', 'active'].includes(k))) assert.equal(body[key], null, key);
      assert.equal(res.headers.etag, '"1"');
    });

    test('GET with Authorization: Bearer works too', async () => {
      const user = await createUser();
      const res = await t.request({ method: 'GET', url: url(user.id) });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().id, user.id);
    });

    test('PUT with Token and with Bearer', async () => {
      const user = await createUser();
      const viaToken = await t.request({ method: 'PUT', url: url(user.id), payload: { firstName: 'Token' }, ...withToken(TEST_ADMIN_KEY) });
      assert.equal(viaToken.statusCode, 200, viaToken.body);
      assert.equal(viaToken.json().firstName, 'Token');
      const viaBearer = await put(user.id, { lastName: 'Bearer' });
      assert.equal(viaBearer.statusCode, 200, viaBearer.body);
      assert.equal(viaBearer.json().firstName, 'Token');
      assert.equal(viaBearer.json().lastName, 'Bearer');
      assert.equal(viaBearer.headers.etag, '"3"');
    });

    test('every one of the 17 fields round-trips under its StateSet name, dates as ISO strings', async () => {
      const user = await createUser();
      const sent = {
        active: false,
        avatar: 'https://cdn.example.com/avatars/ada.png',
        bio: 'Counts things.',
        birthday: '1990-02-28',
        country: 'DE',
        email: 'ada.rt@example.com',
        firstName: 'Ada',
        lastName: 'Lovelace',
        last_seen: '2024-05-01T12:00:00+02:00',
        last_typed: '2024-05-02T08:30:15.250Z',
        location: 'Berlin',
        organization: 'Acme',
        phone: '+14155550123',
        regions: 'emea',
        title: 'CTO',
        twitter: '@ada',
        username: 'ada_rt',
      };
      const expected = { ...sent, id: user.id, last_seen: '2024-05-01T10:00:00.000Z' };
      const res = await put(user.id, sent);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), expected);
      const read = await t.request({ method: 'GET', url: url(user.id), ...withToken(TEST_ADMIN_KEY) });
      assert.deepEqual(read.json(), expected);
      // The same values under the canonical names: one store behind every door.
      const canonical = await getV1(user.id);
      assert.equal(canonical.avatar_url, sent.avatar);
      assert.equal(canonical.first_name, 'Ada');
      assert.equal(canonical.last_name, 'Lovelace');
      assert.equal(canonical.last_seen_at, '2024-05-01T10:00:00.000Z');
      assert.equal(canonical.last_typed_at, '2024-05-02T08:30:15.250Z');
    });

    test('PUT is partial: omitted fields stay as they are', async () => {
      const user = await createUser({ first_name: 'Keep', title: 'Engineer' });
      const res = await put(user.id, { lastName: 'New' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().firstName, 'Keep');
      assert.equal(res.json().title, 'Engineer');
      assert.equal(res.json().lastName, 'New');
    });

    test('invalid values are one 400 naming every field in StateSet spelling, and nothing is written', async () => {
      const user = await createUser({ first_name: 'Keep' });
      const res = await put(user.id, {
        firstName: 'Changed',
        phone: '555-1234',
        country: 'Germany',
        birthday: '1990-02-30',
        avatar: 'ftp://example.com/a.png',
        last_seen: 'yesterday',
        last_typed: '2024-13-01T00:00:00Z',
      });
      const body = assertError(res, 400, 'validation_error');
      assert.deepEqual(Object.keys(body.error.fields).sort(), ['avatar', 'birthday', 'country', 'last_seen', 'last_typed', 'phone']);
      assert.match(body.error.fields.phone[0], /E\.164/);
      assert.match(body.error.fields.country[0], /ISO 3166-1/);
      assert.match(body.error.fields.birthday[0], /calendar date/);
      assert.match(body.error.fields.avatar[0], /http or https/);
      assert.match(body.error.fields.last_seen[0], /ISO 8601/);
      const after = await getV1(user.id);
      assert.equal(after.first_name, 'Keep');
      assert.equal(after.version, 1);
    });

    test('wrong types are reported under StateSet names together with rule violations', async () => {
      const user = await createUser();
      const res = await put(user.id, { firstName: 42, active: 'yes', lastName: '', phone: 'nope' });
      const body = assertError(res, 400, 'validation_error');
      assert.deepEqual(body.error.fields.firstName, ['Must be a string']);
      assert.deepEqual(body.error.fields.active, ['Must be a boolean']);
      assert.deepEqual(body.error.fields.lastName, ['Must not be empty']);
      assert.ok(body.error.fields.phone);
    });

    test('null clears a field; active cannot be null', async () => {
      const user = await createUser({ first_name: 'Jane', avatar_url: 'https://example.com/j.png', last_seen_at: '2024-01-01T00:00:00Z' });
      const res = await put(user.id, { firstName: null, avatar: null, last_seen: null });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().firstName, null);
      assert.equal(res.json().avatar, null);
      assert.equal(res.json().last_seen, null);
      const refused = await put(user.id, { active: null });
      assert.deepEqual(assertError(refused, 400, 'validation_error').error.fields, { active: ['Must not be null'] });
    });

    test('clearing the last identifier is a 400 under StateSet names', async () => {
      const user = await createUser({ username: 'only_ids' });
      const res = await put(user.id, { email: null, username: null });
      const body = assertError(res, 400, 'validation_error');
      assert.deepEqual(Object.keys(body.error.fields).sort(), ['email', 'username']);
    });

    test('an id in the body equal to the path is accepted; a different one is a 400', async () => {
      const user = await createUser();
      const same = await put(user.id, { id: user.id, title: 'Same id' });
      assert.equal(same.statusCode, 200, same.body);
      assert.equal(same.json().title, 'Same id');
      const other = await createUser();
      const res = await put(user.id, { id: other.id, title: 'Other id', phone: 'bad' });
      const body = assertError(res, 400, 'validation_error');
      assert.deepEqual(body.error.fields.id, ['Must equal the id in the path']);
      assert.ok(body.error.fields.phone, 'other field errors are reported with it');
      assert.equal((await getV1(user.id)).title, 'Same id');
      assert.equal((await getV1(other.id)).title, null);
    });

    test('unknown fields and canonical names StateSet does not use are a 400 naming each', async () => {
      const user = await createUser({ first_name: 'Keep' });
      const res = await put(user.id, { firstName: 'Changed', first_name: 'X', avatar_url: 'https://example.com/a.png', nickname: 'n', user_group_id: 'g1' });
      const body = assertError(res, 400, 'validation_error');
      assert.deepEqual(body.error.fields.first_name, ['Unknown field; StateSet calls it "firstName"']);
      assert.deepEqual(body.error.fields.avatar_url, ['Unknown field; StateSet calls it "avatar"']);
      assert.deepEqual(body.error.fields.nickname, ['Unknown field']);
      assert.deepEqual(body.error.fields.user_group_id, ['Unknown field']);
      assert.equal(body.error.fields.firstName, undefined);
      assert.equal((await getV1(user.id)).first_name, 'Keep');
    });

    test('404 for an unknown user and for an unknown route, in the StateSet error shape', async () => {
      const missing = 'usr_01hzzzzzzzzzzzzzzzzzzzzzzz';
      assertError(await t.request({ method: 'GET', url: url(missing) }), 404, 'not_found');
      assertError(await put(missing, { title: 'x' }), 404, 'not_found');
      assertError(await t.request({ method: 'GET', url: '/stateset/v1/nothing' }), 404, 'not_found');
    });

    test('401 without a credential or with an unknown one', async () => {
      const user = await createUser();
      assertError(await t.request({ method: 'GET', url: url(user.id), key: null }), 401, 'unauthorized');
      assertError(await t.request({ method: 'GET', url: url(user.id), ...withToken('sk_test_not_a_real_key') }), 401, 'unauthorized');
      assertError(await t.request({ method: 'PUT', url: url(user.id), payload: { title: 'x' }, key: null }), 401, 'unauthorized');
    });

    test('a read-only key can GET but not PUT (403)', async () => {
      const user = await createUser();
      const readKey = await t.key(['read']);
      const read = await t.request({ method: 'GET', url: url(user.id), ...withToken(readKey) });
      assert.equal(read.statusCode, 200, read.body);
      assertError(await t.request({ method: 'PUT', url: url(user.id), payload: { title: 'x' }, ...withToken(readKey) }), 403, 'forbidden');
      assert.equal((await getV1(user.id)).title, null);
    });

    test('409 on a duplicate email or username, naming the field', async () => {
      await createUser({ email: 'taken@example.com', username: 'taken_name' });
      const user = await createUser();
      const email = assertError(await put(user.id, { email: 'TAKEN@example.com' }), 409, 'conflict');
      assert.deepEqual(Object.keys(email.error.fields), ['email']);
      const username = assertError(await put(user.id, { username: 'Taken_Name' }), 409, 'conflict');
      assert.deepEqual(Object.keys(username.error.fields), ['username']);
    });

    test('If-Match with a stale ETag is a 412 and writes nothing', async () => {
      const user = await createUser();
      const res = await put(user.id, { title: 'x' }, { 'if-match': '"7"' });
      assertError(res, 412, 'precondition_failed');
      assert.equal(res.headers.etag, '"1"');
      const ok = await put(user.id, { title: 'x' }, { 'if-match': '"1"' });
      assert.equal(ok.statusCode, 200, ok.body);
    });

    test('malformed JSON, non-JSON and oversized bodies are 400, 415 and 413 in the StateSet shape', async () => {
      const user = await createUser();
      assertError(await t.request({ method: 'PUT', url: url(user.id), payload: '{"title":', headers: { 'content-type': 'application/json' } }), 400, 'validation_error');
      assertError(await t.request({ method: 'PUT', url: url(user.id), payload: 'title=x', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type');
      assertError(await t.request({ method: 'PUT', url: url(user.id), payload: '[1]', headers: { 'content-type': 'application/json' } }), 400, 'validation_error');
      const huge = JSON.stringify({ bio: 'x'.repeat(70_000) });
      assertError(await t.request({ method: 'PUT', url: url(user.id), payload: huge, headers: { 'content-type': 'application/json' } }), 413, 'payload_too_large');
    });

    test('the event of a StateSet change says door "stateset" and keeps previous values', async () => {
      const user = await createUser({ first_name: 'Before', phone: '+14155550100' });
      const res = await put(user.id, { firstName: 'After', phone: '+14155550199', twitter: '@after' });
      assert.equal(res.statusCode, 200, res.body);
      const events = await t.request({ method: 'GET', url: `/v1/users/${user.id}/events`, key: TEST_ADMIN_KEY });
      assert.equal(events.statusCode, 200, events.body);
      const [latest] = events.json().data;
      assert.equal(latest.type, 'user.updated');
      assert.equal(latest.door, 'stateset');
      assert.deepEqual(latest.changes, {
        first_name: { previous: 'Before', current: 'After' },
        phone: { previous: '+14155550100', current: '+14155550199' },
        twitter: { previous: null, current: '@after' },
      });
    });

    test('a PUT that changes nothing returns the user as it was, with no new version', async () => {
      const user = await createUser({ title: 'Same' });
      const res = await put(user.id, { title: 'Same' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers.etag, '"1"');
    });
  });
}
