/**
 * Issue 4: the WorkOS door's raw wire (contract §2, §3, §5) over plain HTTP: statuses, exact
 * object keys, error bodies and headers, on each database.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { numberedEmails, useSdkApp } from './sdk-app.ts';

const USER_KEYS = [
  'created_at', 'email', 'email_verified', 'external_id', 'first_name', 'id', 'last_name', 'last_sign_in_at',
  'locale', 'metadata', 'name', 'object', 'profile_picture_url', 'updated_at',
].sort();

for (const kind of DATABASES) {
  describe(`WorkOS door wire format on ${kind.name}`, () => {
    const s = useSdkApp(kind);
    const email = numberedEmails();
    async function create(body: Record<string, unknown> = {}) {
      const res = await s.fetch('/user_management/users', { method: 'POST', json: { email: email('wire'), ...body } });
      assert.equal(res.status, 201, await res.clone().text());
      return res.json() as Promise<Record<string, unknown>>;
    }

    test('create answers 201 with every User key, JSON, and an X-Request-ID', async () => {
      const res = await s.fetch('/user_management/users', { method: 'POST', json: { email: email('keys'), first_name: 'Wire' } });
      assert.equal(res.status, 201);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
      const user = (await res.json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(user).sort(), USER_KEYS);
      assert.equal(user.object, 'user');
      assert.match(user.id as string, /^user_[0-9A-Z]{26}$/);
      assert.equal(user.first_name, 'Wire');
      for (const key of ['last_name', 'name', 'profile_picture_url', 'last_sign_in_at', 'locale', 'external_id']) assert.equal(user[key], null, key);
      assert.deepEqual(user.metadata, {});
      assert.match(user.created_at as string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    });

    test('a client X-Request-ID is echoed back', async () => {
      const res = await s.fetch('/user_management/users?limit=1', { headers: { 'x-request-id': 'client-req-42' } });
      assert.equal(res.headers.get('x-request-id'), 'client-req-42');
    });

    test('get, by either id form; the canonical avatar shows as profile_picture_url', async () => {
      const created = await s.t.services.users.create(s.ctx, { email: email('pic'), avatar_url: 'https://example.com/a.png' });
      const workosId = `user_${created.id.slice(4).toUpperCase()}`;
      for (const id of [workosId, created.id, workosId.toLowerCase()]) {
        const res = await s.fetch(`/user_management/users/${id}`);
        assert.equal(res.status, 200, id);
        const user = (await res.json()) as Record<string, unknown>;
        assert.deepEqual(Object.keys(user).sort(), USER_KEYS);
        assert.equal(user.id, workosId);
        assert.equal(user.profile_picture_url, 'https://example.com/a.png');
      }
    });

    test('a user made elsewhere without an email shows email null, every key still present', async () => {
      const created = await s.t.services.users.create(s.ctx, { username: `no-mail-${++email.count}` });
      const res = await s.fetch(`/user_management/users/${created.id}`);
      const user = (await res.json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(user).sort(), USER_KEYS);
      assert.equal(user.email, null);
    });

    test('list: {object, data, list_metadata} with both cursors always present; defaults limit 10, newest first', async () => {
      for (let i = 0; i < 12; i++) await create();
      const res = await s.fetch('/user_management/users');
      assert.equal(res.status, 200);
      const list = (await res.json()) as { object: string; data: Array<Record<string, unknown>>; list_metadata: Record<string, unknown> };
      assert.deepEqual(Object.keys(list).sort(), ['data', 'list_metadata', 'object']);
      assert.equal(list.object, 'list');
      assert.equal(list.data.length, 10);
      for (const user of list.data) assert.deepEqual(Object.keys(user).sort(), USER_KEYS);
      const ids = list.data.map((u) => u.id as string);
      assert.deepEqual(ids, [...ids].sort().reverse());
      assert.deepEqual(list.list_metadata, { before: null, after: ids[9] });
      const both = await s.fetch(`/user_management/users?before=${ids[0]}&after=${ids[1]}`);
      assert.equal(both.status, 422);
      const unknown = await s.fetch('/user_management/users?colour=blue');
      assert.equal(unknown.status, 422);
    });

    test('update: null clears a name, metadata null clears every key, omitted fields stay', async () => {
      const user = await create({ first_name: 'Ann', last_name: 'Lee', metadata: { a: '1' } });
      const res = await s.fetch(`/user_management/users/${user.id}`, { method: 'PUT', json: { first_name: null, metadata: null } });
      assert.equal(res.status, 200);
      const updated = (await res.json()) as Record<string, unknown>;
      assert.equal(updated.first_name, null);
      assert.equal(updated.last_name, 'Lee');
      assert.deepEqual(updated.metadata, {});
      const same = await s.fetch(`/user_management/users/${user.id}`, { method: 'PUT', json: {} });
      assert.equal(same.status, 200);
      assert.equal(((await same.json()) as Record<string, unknown>).updated_at, updated.updated_at, 'an empty update changes nothing');
    });

    test('identities are a bare array of {idp_id, type, provider}', async () => {
      const user = await create();
      await s.fetch(`/v1/users/${user.id as string}/identities`, { method: 'POST', json: { provider: 'GoogleOAuth', provider_user_id: 'g-77', email: user.email } }).then((r) =>
        assert.equal(r.status, 404, 'the /v1 door wants its own id form'),
      );
      const canonicalId = `usr_${(user.id as string).slice(5).toLowerCase()}`;
      const linked = await s.fetch(`/v1/users/${canonicalId}/identities`, { method: 'POST', json: { provider: 'GoogleOAuth', provider_user_id: 'g-77', email: user.email } });
      assert.equal(linked.status, 201);
      const res = await s.fetch(`/user_management/users/${user.id as string}/identities`);
      assert.deepEqual(await res.json(), [{ idp_id: 'g-77', type: 'OAuth', provider: 'GoogleOAuth' }]);
    });

    test('delete answers 204, with or without a JSON content type', async () => {
      const a = await create();
      const b = await create();
      const plain = await s.fetch(`/user_management/users/${a.id as string}`, { method: 'DELETE' });
      assert.equal(plain.status, 204);
      const typed = await s.fetch(`/user_management/users/${b.id as string}`, { method: 'DELETE', headers: { 'content-type': 'application/json' } });
      assert.equal(typed.status, 204);
      assert.equal((await s.fetch(`/user_management/users/${b.id as string}`)).status, 404);
    });

    test('error bodies: 404 {message, code}, 422 with errors[{field, code, message}], 400 for bad JSON, 401', async () => {
      const missing = await s.fetch('/user_management/users/user_01H5JQDV7R7ATEYZDEG0W5PRYS');
      assert.equal(missing.status, 404);
      assert.ok(missing.headers.get('x-request-id'));
      assert.deepEqual(await missing.json(), { message: "User not found: 'user_01H5JQDV7R7ATEYZDEG0W5PRYS'.", code: 'entity_not_found' });

      const bad = await s.fetch('/user_management/users', { method: 'POST', json: { email: 'x@example.com', colour: 'blue', email_verified: 'yes' } });
      assert.equal(bad.status, 422);
      const body = (await bad.json()) as { code: string; message: string; errors: unknown[] };
      assert.equal(body.code, 'invalid_request_parameters');
      const byField = (a: unknown, b: unknown) => String((a as { field: string }).field).localeCompare((b as { field: string }).field);
      assert.deepEqual(
        [...body.errors].sort(byField),
        [
          { field: 'colour', code: 'colour_not_allowed', message: 'Unknown field' },
          { field: 'email_verified', code: 'email_verified_invalid', message: 'Must be a boolean' },
        ],
      );
      const noEmail = await s.fetch('/user_management/users', { method: 'POST', json: {} });
      assert.deepEqual(((await noEmail.json()) as { errors: unknown[] }).errors, [{ field: 'email', code: 'email_required', message: 'Is required' }]);

      const malformed = await s.fetch('/user_management/users', { method: 'POST', body: '{"email":', headers: { 'content-type': 'application/json' } });
      assert.equal(malformed.status, 400);
      assert.equal(((await malformed.json()) as { code: string }).code, 'invalid_request_body');

      const unauthorized = await s.fetch('/user_management/users', { key: null });
      assert.equal(unauthorized.status, 401);
      assert.equal(((await unauthorized.json()) as { code: string }).code, 'unauthorized');
      assert.ok(unauthorized.headers.get('x-request-id'));
    });

    test('429 carries Retry-After', async () => {
      const user = await create();
      for (let i = 0; i < 5; i++) await s.fetch(`/user_management/users/${user.id as string}/email_verification/send`, { method: 'POST', json: {} });
      const limited = await s.fetch(`/user_management/users/${user.id as string}/email_verification/send`, { method: 'POST', json: {} });
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '3600');
      assert.equal(((await limited.json()) as { code: string }).code, 'daily_quota_exceeded');
    });

    test('unknown paths under /user_management get a WorkOS 404; other doors keep their own', async () => {
      const res = await s.fetch('/user_management/organizations');
      assert.equal(res.status, 404);
      assert.deepEqual(await res.json(), { message: "The requested path '/user_management/organizations' could not be found.", code: 'route_not_found' });
      const v1 = await s.fetch('/v1/nothing-here');
      assert.equal(v1.status, 404);
      assert.equal(((await v1.json()) as { error: string }).error, 'not_found');
    });

    test('every change through the door is an event with door "workos"', async () => {
      const user = await create();
      await s.fetch(`/user_management/users/${user.id as string}`, { method: 'PUT', json: { last_name: 'Event' } });
      const { items } = await s.t.services.users.events(s.ctx, `usr_${(user.id as string).slice(5).toLowerCase()}`, { limit: 10 });
      assert.deepEqual(items.map((e) => [e.type, e.door]), [['user.updated', 'workos'], ['user.created', 'workos']]);
    });

    test('the OpenAPI document lists the WorkOS paths', async () => {
      const doc = (await (await s.fetch('/openapi.json', { key: null })).json()) as { paths: Record<string, Record<string, unknown>> };
      for (const path of ['/user_management/users', '/user_management/users/{id}', '/user_management/users/external_id/{external_id}', '/user_management/users/{id}/identities']) {
        assert.ok(doc.paths[path], path);
      }
      assert.ok(doc.paths['/user_management/users/{id}']?.put);
    });
  });
}
