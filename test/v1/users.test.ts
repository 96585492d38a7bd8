/** Issue 2: the canonical /v1 users API, every rule of DESIGN.md §4, on each database. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { LIVE_ADMIN_KEY, useTestApp } from '../helpers/app.ts';
import { userMaker } from '../helpers/users.ts';

for (const kind of DATABASES) {
  describe(`/v1/users on ${kind.name}`, () => {
    const t = useTestApp(kind, { roles: ['admin', 'member'] });

    const createUser = userMaker(() => t, (n) => ({ email: `user${n}@example.com` }));
    const patch = (id: string, payload: unknown, headers: Record<string, string> = {}) =>
      t.request({ method: 'PATCH', url: `/v1/users/${id}`, payload: payload as object, headers });

    test('create returns 201 with the canonical shape, an ETag and a usr_ ULID id', async () => {
      const res = await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'Ada@Example.com', first_name: 'Ada', metadata: { plan: 'pro' } } });
      assert.equal(res.statusCode, 201);
      const user = res.json();
      assert.match(user.id, /^usr_[0-9a-z]{26}$/);
      assert.equal(user.object, 'user');
      assert.equal(user.environment, 'test');
      assert.equal(user.email, 'Ada@Example.com');
      assert.equal(user.email_verified, false);
      assert.equal(user.version, 1);
      assert.equal(user.source, 'v1');
      assert.equal(user.password_set, false);
      assert.deepEqual(user.metadata, { plan: 'pro' });
      assert.match(user.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.equal(res.headers.etag, '"1"');
      assert.ok(res.headers['x-request-id']);
      assert.equal('extensions' in user, false);
      assert.equal('password_hash' in user, false);
    });

    test('create needs at least one identifier', async () => {
      const res = await t.request({ method: 'POST', url: '/v1/users', payload: { first_name: 'Nobody' } });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error, 'validation_error');
      assert.ok(res.json().details.email);
    });

    test('PATCH: omitted fields stay, given ones change, null clears', async () => {
      const user = await createUser({ first_name: 'Jane', last_name: 'Doe', title: 'CTO' });
      const res = await patch(user.id, { first_name: 'Janet', title: null });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.first_name, 'Janet');
      assert.equal(body.last_name, 'Doe');
      assert.equal(body.title, null);
      assert.equal(body.version, 2);
      assert.equal(res.headers.etag, '"2"');
    });

    test('PATCH: every seed 001 field updates', async () => {
      const user = await createUser();
      const res = await patch(user.id, { email: 'newemail@example.com', username: 'newusername', first_name: 'Jane', last_name: 'Smith', role: 'admin' });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.deepEqual(
        { email: body.email, username: body.username, first_name: body.first_name, last_name: body.last_name, role: body.role },
        { email: 'newemail@example.com', username: 'newusername', first_name: 'Jane', last_name: 'Smith', role: 'admin' },
      );
    });

    test('PATCH: the wide profile fields validate and store', async () => {
      const user = await createUser();
      const res = await patch(user.id, {
        locale: 'en-us',
        phone: '+14155550123',
        country: 'DE',
        birthday: '1990-02-28',
        avatar_url: 'https://example.com/a.png',
        bio: 'Hello',
        location: 'Berlin',
        organization: 'Acme',
        twitter: '@jack',
        regions: 'emea',
        active: false,
        last_seen_at: '2024-05-01T12:00:00+02:00',
      });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.locale, 'en-US');
      assert.equal(body.last_seen_at, '2024-05-01T10:00:00.000Z');
      assert.equal(body.active, false);
      assert.equal(body.country, 'DE');
    });

    test('PATCH: unknown and read-only fields are a 400 naming each, and nothing is written', async () => {
      const user = await createUser({ first_name: 'Keep' });
      const res = await patch(user.id, { first_name: 'Changed', nickname: 'x', id: 'usr_x', created_at: 'now', version: 9 });
      assert.equal(res.statusCode, 400);
      const body = res.json();
      assert.equal(body.error, 'validation_error');
      assert.deepEqual(body.details.nickname, ['Unknown field']);
      assert.deepEqual(body.details.id, ['Field is read-only']);
      assert.deepEqual(body.details.created_at, ['Field is read-only']);
      assert.deepEqual(body.details.version, ['Field is read-only']);
      assert.match(body.request_id, /^req_/);
      const after = (await t.request({ method: 'GET', url: `/v1/users/${user.id}` })).json();
      assert.equal(after.first_name, 'Keep');
      assert.equal(after.version, 1);
    });

    test('PATCH: password in the body points to the password endpoint', async () => {
      const user = await createUser();
      const res = await patch(user.id, { password: 'hunter2hunter2' });
      assert.equal(res.statusCode, 400);
      assert.match(res.json().details.password[0], /POST \/v1\/users\/\{id\}\/password/);
    });

    test('PATCH: null on a non-nullable field is a 400', async () => {
      const user = await createUser();
      const res = await patch(user.id, { email_verified: null, active: null });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json().details.email_verified, ['Must not be null']);
      assert.deepEqual(res.json().details.active, ['Must not be null']);
    });

    test('validation: one message per bad field', async () => {
      const user = await createUser();
      const res = await patch(user.id, {
        email: 'not-an-email',
        username: 'a b',
        first_name: 'x'.repeat(257),
        last_name: 'bad\u0000name',
        role: 'owner',
        locale: 'not a locale!',
        phone: '0123',
        country: 'XX',
        birthday: '2023-02-30',
        avatar_url: 'javascript:alert(1)',
        metadata: { ['k'.repeat(41)]: 1 },
      });
      assert.equal(res.statusCode, 400);
      const { details } = res.json();
      for (const field of ['email', 'first_name', 'role', 'country', 'avatar_url']) assert.ok(details[field], `${field} has a message`);
      assert.deepEqual(details.email, ['Invalid email format']);
      const res2 = await patch(user.id, { username: 'a b', last_name: 'bad\u0000name', locale: 'x_y', phone: '0123', birthday: '2023-02-30', metadata: { ['k'.repeat(41)]: 1 } });
      const d2 = res2.json().details;
      for (const field of ['username', 'last_name', 'locale', 'phone', 'birthday', 'metadata']) assert.ok(d2[field], `${field} has a message`);
      assert.deepEqual(d2.birthday, ['Must be a real calendar date']);
    });

    test('validation: birthday in the future, email over 254, username rules', async () => {
      const user = await createUser();
      const future = `${new Date().getUTCFullYear() + 1}-01-01`;
      assert.deepEqual((await patch(user.id, { birthday: future })).json().details.birthday, ['Must not be in the future']);
      const long = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`;
      assert.equal((await patch(user.id, { email: long })).statusCode, 400);
      assert.equal((await patch(user.id, { username: 'ab' })).statusCode, 400);
      assert.equal((await patch(user.id, { username: 'good.name-1_x' })).statusCode, 200);
      // Cyrillic "а" among Latin letters: a look-alike of "admin".
      assert.deepEqual((await patch(user.id, { username: 'аdmin' })).json().details.username, ['Must not mix letters of different scripts']);
    });

    test('metadata is a JSON merge patch: keys merge, null deletes, null clears all', async () => {
      const user = await createUser({ metadata: { a: 1, b: { c: 2, d: 3 } } });
      const res = await patch(user.id, { metadata: { b: { c: null, e: 4 }, f: 'x' } });
      assert.deepEqual(res.json().metadata, { a: 1, b: { d: 3, e: 4 }, f: 'x' });
      const cleared = await patch(user.id, { metadata: null });
      assert.deepEqual(cleared.json().metadata, {});
    });

    test('metadata limits: 50 keys, 40-character keys, 16 KiB, counted after the merge', async () => {
      const user = await createUser();
      const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
      assert.equal((await patch(user.id, { metadata: fifty })).statusCode, 200);
      const over = await patch(user.id, { metadata: { extra: 1 } });
      assert.equal(over.statusCode, 400);
      assert.deepEqual(over.json().details.metadata, ['Must have at most 50 keys']);
      // Deleting one key makes room for another in the same patch.
      assert.equal((await patch(user.id, { metadata: { k0: null, extra: 1 } })).statusCode, 200);
      const big = await patch(user.id, { metadata: { k1: 'x'.repeat(17 * 1024) } });
      assert.equal(big.statusCode, 400);
      assert.deepEqual(big.json().details.metadata, ['Must be at most 16384 bytes as JSON']);
    });

    test('metadata: __proto__ is stored as plain data and pollutes nothing', async () => {
      const user = await createUser();
      const res = await t.request({
        method: 'PATCH',
        url: `/v1/users/${user.id}`,
        payload: '{"metadata":{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}}',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(JSON.parse(res.body).metadata.__proto__, { polluted: true });
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    test('email change resets email_verified unless the same request sets it true', async () => {
      const user = await createUser({ email_verified: true });
      assert.equal(user.email_verified, true);
      const changed = (await patch(user.id, { email: 'moved@example.com' })).json();
      assert.equal(changed.email_verified, false);
      const migrated = (await patch(user.id, { email: 'moved2@example.com', email_verified: true })).json();
      assert.equal(migrated.email_verified, true);
      // A change of letter case is the same mailbox: still verified.
      const recased = (await patch(user.id, { email: 'MOVED2@example.com' })).json();
      assert.equal(recased.email, 'MOVED2@example.com');
      assert.equal(recased.email_verified, true);
    });

    test('an update that changes nothing is a 200 with the same version, ETag and updated_at, and no event', async () => {
      const user = await createUser({ first_name: 'Same', metadata: { a: 1 } });
      const res = await patch(user.id, { first_name: 'Same', metadata: { a: 1 } });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().version, 1);
      assert.equal(res.json().updated_at, user.updated_at);
      assert.equal(res.headers.etag, '"1"');
      const events = (await t.request({ method: 'GET', url: `/v1/users/${user.id}/events` })).json();
      assert.equal(events.data.length, 1);
      assert.equal(events.data[0].type, 'user.created');
    });

    test('If-Match: current tag writes, stale tag is 412 with nothing written', async () => {
      const user = await createUser();
      const ok = await patch(user.id, { first_name: 'A' }, { 'if-match': '"1"' });
      assert.equal(ok.statusCode, 200);
      const stale = await patch(user.id, { first_name: 'B' }, { 'if-match': '"1"' });
      assert.equal(stale.statusCode, 412);
      assert.equal(stale.json().error, 'precondition_failed');
      const now = (await t.request({ method: 'GET', url: `/v1/users/${user.id}` })).json();
      assert.equal(now.first_name, 'A');
      assert.equal(now.version, 2);
      assert.equal((await patch(user.id, { first_name: 'C' }, { 'if-match': 'W/"2"' })).statusCode, 412);
      assert.equal((await patch(user.id, { first_name: 'C' }, { 'if-match': '*' })).statusCode, 200);
    });

    test('duplicates: email, username, external_id are 409 naming the field, case-insensitive and NFKC', async () => {
      await createUser({ email: 'taken@example.com', username: 'taken', external_id: 'ext-1' });
      const other = await createUser();
      const email = await patch(other.id, { email: 'TAKEN@example.com' });
      assert.equal(email.statusCode, 409);
      assert.equal(email.json().error, 'conflict');
      assert.deepEqual(Object.keys(email.json().details), ['email']);
      assert.match(email.json().message, /email/i);
      // Fullwidth letters normalise (NFKC) to the same username.
      const username = await patch(other.id, { username: 'ｔａｋｅｎ' });
      assert.equal(username.statusCode, 409);
      assert.deepEqual(Object.keys(username.json().details), ['username']);
      const external = await patch(other.id, { external_id: 'ext-1' });
      assert.equal(external.statusCode, 409);
      assert.deepEqual(Object.keys(external.json().details), ['external_id']);
      const created = await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'taken@EXAMPLE.com' } });
      assert.equal(created.statusCode, 409);
    });

    test('GET and DELETE; a deleted user is 404 and its email is free again', async () => {
      const user = await createUser({ email: 'bye@example.com' });
      assert.equal((await t.request({ method: 'GET', url: `/v1/users/${user.id}` })).statusCode, 200);
      const del = await t.request({ method: 'DELETE', url: `/v1/users/${user.id}` });
      assert.deepEqual(del.json(), { id: user.id, object: 'user', deleted: true });
      const gone = await t.request({ method: 'GET', url: `/v1/users/${user.id}` });
      assert.equal(gone.statusCode, 404);
      assert.deepEqual(Object.keys(gone.json()).sort(), ['error', 'message', 'request_id']);
      assert.equal(gone.json().message, 'User not found');
      assert.equal((await patch(user.id, { first_name: 'x' })).statusCode, 404);
      assert.equal((await t.request({ method: 'DELETE', url: `/v1/users/${user.id}` })).statusCode, 404);
      await createUser({ email: 'bye@example.com' });
      const events = (await t.request({ method: 'GET', url: `/v1/users/${user.id}/events` })).json();
      assert.deepEqual(events.data.map((e: { type: string }) => e.type), ['user.deleted', 'user.created']);
    });

    test('list: limit, cursor, stable order, filters', async () => {
      const mine = [];
      for (let i = 0; i < 5; i++) mine.push(await createUser({ username: `lister${i}`, external_id: `list-${i}` }));
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const url: string = `/v1/users?limit=2${after ? `&after=${after}` : ''}`;
        const page = (await t.request({ method: 'GET', url })).json();
        assert.ok(page.data.length <= 2);
        seen.push(...page.data.map((u: { id: string }) => u.id));
        assert.equal(page.has_more, page.next_cursor !== null);
        after = page.next_cursor;
      } while (after);
      assert.deepEqual(seen, [...seen].sort());
      assert.equal(new Set(seen).size, seen.length);
      for (const u of mine) assert.ok(seen.includes(u.id));
      const byEmail = (await t.request({ method: 'GET', url: `/v1/users?email=${encodeURIComponent(mine[2].email.toUpperCase())}` })).json();
      assert.deepEqual(byEmail.data.map((u: { id: string }) => u.id), [mine[2].id]);
      const byUsername = (await t.request({ method: 'GET', url: '/v1/users?username=LISTER3' })).json();
      assert.deepEqual(byUsername.data.map((u: { id: string }) => u.id), [mine[3].id]);
      const byExternal = (await t.request({ method: 'GET', url: '/v1/users?external_id=list-4' })).json();
      assert.deepEqual(byExternal.data.map((u: { id: string }) => u.id), [mine[4].id]);
      assert.equal((await t.request({ method: 'GET', url: '/v1/users?limit=0' })).statusCode, 400);
      assert.equal((await t.request({ method: 'GET', url: '/v1/users?limit=101' })).statusCode, 400);
      const dflt = (await t.request({ method: 'GET', url: '/v1/users' })).json();
      assert.ok(dflt.data.length <= 20);
    });

    test('list q: prefix search across identifiers and names, paged (console search, issue 7)', async () => {
      const made = [];
      for (let i = 0; i < 3; i++) made.push(await createUser({ first_name: 'Searchable', last_name: `Person${i}`, username: `finder_${i}` }));
      const search = async (query: string) => (await t.request({ method: 'GET', url: `/v1/users?${query}` })).json();
      const first = await search('q=searchable&limit=2');
      assert.equal(first.data.length, 2);
      assert.equal(first.has_more, true);
      const second = await search(`q=searchable&limit=2&after=${first.next_cursor}`);
      assert.deepEqual([...first.data, ...second.data].map((u: { id: string }) => u.id), made.map((u) => u.id));
      assert.deepEqual((await search('q=%20searchable%20person1%20')).data.map((u: { id: string }) => u.id), [made[1].id]);
      assert.deepEqual((await search('q=FINDER_2')).data.map((u: { id: string }) => u.id), [made[2].id]);
      assert.equal((await search('q=finder%25')).data.length, 0);
      assert.ok((await search('q=%20')).data.length >= 3, 'a blank q lists everyone');
      assert.equal((await t.request({ method: 'GET', url: `/v1/users?q=${'x'.repeat(257)}` })).statusCode, 400);
    });

    test('events record actor, request id, door and previous values', async () => {
      const user = await createUser({ first_name: 'Old' });
      await patch(user.id, { first_name: 'New', metadata: { k: 'v' } }, { 'x-request-id': 'req_client_given_1' });
      const events = (await t.request({ method: 'GET', url: `/v1/users/${user.id}/events` })).json();
      const [updated, created] = events.data;
      assert.equal(updated.type, 'user.updated');
      assert.equal(updated.request_id, 'req_client_given_1');
      assert.equal(updated.door, 'v1');
      assert.match(updated.actor, /^key_/);
      assert.deepEqual(updated.changes.first_name, { previous: 'Old', current: 'New' });
      assert.deepEqual(updated.changes.metadata, { previous: {}, current: { k: 'v' } });
      assert.deepEqual(Object.keys(updated.changes).sort(), ['first_name', 'metadata']);
      assert.equal(created.type, 'user.created');
      assert.deepEqual(created.changes.first_name, { previous: null, current: 'Old' });
    });

    test('errors: malformed JSON 400, wrong content type 415, too large 413, unknown route 404', async () => {
      const user = await createUser();
      const bad = await t.request({ method: 'PATCH', url: `/v1/users/${user.id}`, payload: '{"first_name": ', headers: { 'content-type': 'application/json' } });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error, 'validation_error');
      const text = await t.request({ method: 'PATCH', url: `/v1/users/${user.id}`, payload: 'first_name=x', headers: { 'content-type': 'text/plain' } });
      assert.equal(text.statusCode, 415);
      assert.equal(text.json().error, 'unsupported_media_type');
      const huge = await t.request({ method: 'PATCH', url: `/v1/users/${user.id}`, payload: JSON.stringify({ bio: 'x'.repeat(70 * 1024) }), headers: { 'content-type': 'application/json' } });
      assert.equal(huge.statusCode, 413);
      assert.equal(huge.json().error, 'payload_too_large');
      const nowhere = await t.request({ method: 'GET', url: '/v1/nowhere' });
      assert.equal(nowhere.statusCode, 404);
      assert.equal(nowhere.json().error, 'not_found');
      for (const res of [bad, text, huge, nowhere]) assert.ok(res.headers['x-request-id']);
    });

    test('access: no key 401, bad key 401, read key cannot write 403, live and test are separate', async () => {
      const user = await createUser();
      const none = await t.request({ method: 'GET', url: `/v1/users/${user.id}`, key: null });
      assert.equal(none.statusCode, 401);
      assert.equal(none.json().error, 'unauthorized');
      assert.equal((await t.request({ method: 'GET', url: `/v1/users/${user.id}`, key: 'sk_test_doesnotexist000000000' })).statusCode, 401);
      const reader = await t.key(['read']);
      assert.equal((await t.request({ method: 'GET', url: `/v1/users/${user.id}`, key: reader })).statusCode, 200);
      const denied = await t.request({ method: 'PATCH', url: `/v1/users/${user.id}`, key: reader, payload: { first_name: 'x' } });
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().error, 'forbidden');
      const live = await t.request({ method: 'GET', url: `/v1/users/${user.id}`, key: LIVE_ADMIN_KEY });
      assert.equal(live.statusCode, 404);
      const writer = await t.key(['write']);
      assert.equal((await t.request({ method: 'GET', url: '/v1/api_keys', key: writer })).statusCode, 403);
    });
  });
}
