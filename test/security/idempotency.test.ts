/** Issue 5: Idempotency-Key on every POST of every door, kept in the database. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { buildServer } from '../../src/http/server.ts';
import { TEST_ADMIN_KEY, useListeningApp } from '../helpers/app.ts';

for (const kind of DATABASES) {
  describe(`Idempotency-Key on ${kind.name}`, () => {
    const t = useListeningApp(kind);

    const post = (url: string, body: object, key: string, credential = TEST_ADMIN_KEY) =>
      t.request({ method: 'POST', url, payload: body, key: credential, headers: { 'idempotency-key': key } });

    async function userCount(email: string) {
      return (await t.request({ method: 'GET', url: `/v1/users?email=${encodeURIComponent(email)}` })).json().data.length;
    }

    test('a retry returns the first response, marked replayed, and writes nothing', async () => {
      const first = await post('/v1/users', { email: `idem-${kind.name}@example.com` }, 'key-create-1');
      assert.equal(first.statusCode, 201);
      assert.equal(first.headers['idempotent-replayed'], undefined);
      const again = await post('/v1/users', { email: `idem-${kind.name}@example.com` }, 'key-create-1');
      assert.equal(again.statusCode, 201);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.body, first.body);
      assert.equal(again.headers.etag, first.headers.etag);
      assert.equal(await userCount(`idem-${kind.name}@example.com`), 1);
      const events = (await t.request({ method: 'GET', url: `/v1/users/${first.json().id}/events` })).json();
      assert.equal(events.data.length, 1);
    });

    test('the same key with a different body is a 422', async () => {
      await post('/v1/users', { email: `idem2-${kind.name}@example.com` }, 'key-create-2');
      const other = await post('/v1/users', { email: `idem3-${kind.name}@example.com` }, 'key-create-2');
      assert.equal(other.statusCode, 422);
      assert.equal(other.json().error, 'idempotency_key_reused');
      assert.equal(await userCount(`idem3-${kind.name}@example.com`), 0);
    });

    test('keys belong to a credential: another key may reuse the string', async () => {
      const writer = await t.key(['write']);
      const mine = await post('/v1/users', { email: `idem4-${kind.name}@example.com` }, 'shared-key');
      const theirs = await post('/v1/users', { email: `idem5-${kind.name}@example.com` }, 'shared-key', writer);
      assert.equal(mine.statusCode, 201);
      assert.equal(theirs.statusCode, 201);
      assert.equal(theirs.headers['idempotent-replayed'], undefined);
    });

    test('an error answer (4xx) is replayed too; nothing runs twice', async () => {
      const bad = await post('/v1/users', { first_name: 'no identifier' }, 'key-bad');
      assert.equal(bad.statusCode, 400);
      const again = await post('/v1/users', { first_name: 'no identifier' }, 'key-bad');
      assert.equal(again.statusCode, 400);
      assert.equal(again.headers['idempotent-replayed'], 'true');
    });

    test('two identical requests racing: one executes, the other replays it — never a double write', async () => {
      const email = `race-idem-${kind.name}@example.com`;
      const send = () =>
        fetch(`${t.base}/v1/users`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json', 'idempotency-key': 'race-key' },
          body: JSON.stringify({ email }),
        });
      const responses = await Promise.all(Array.from({ length: 8 }, send));
      const statuses = responses.map((r) => r.status);
      assert.ok(statuses.every((s) => s === 201 || s === 409), statuses.join());
      assert.equal(responses.filter((r) => r.headers.get('idempotent-replayed') === null && r.status === 201).length, 1);
      assert.equal(await userCount(email), 1);
    });

    test('applies to POSTs of every door: the password endpoint and Klaim create', async () => {
      const user = (await t.request({ method: 'POST', url: '/v1/users', payload: { email: `pw-idem-${kind.name}@example.com` } })).json();
      const first = await post(`/v1/users/${user.id}/password`, { password: 'a long password' }, 'pw-key');
      const second = await post(`/v1/users/${user.id}/password`, { password: 'a long password' }, 'pw-key');
      assert.equal(second.headers['idempotent-replayed'], 'true');
      assert.equal(second.json().version, first.json().version);
      const klaim1 = await post('/klaim/users', { user_id: `klaim-idem-${kind.name}`, name: 'K' }, 'klaim-key');
      const klaim2 = await post('/klaim/users', { user_id: `klaim-idem-${kind.name}`, name: 'K' }, 'klaim-key');
      assert.equal(klaim1.statusCode, 201);
      assert.equal(klaim2.statusCode, 201);
      assert.equal(klaim2.headers['idempotent-replayed'], 'true');
    });

    test('kept in the database: a second server on the same store replays it', async () => {
      const body = { email: `restart-${kind.name}@example.com` };
      const first = await post('/v1/users', body, 'restart-key');
      const other = await buildServer({ services: t.services, logLevel: 'silent' });
      const again = await other.inject({
        method: 'POST',
        url: '/v1/users',
        payload: body,
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'idempotency-key': 'restart-key' },
      });
      await other.close();
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.body, first.body);
    });

    test('an unusable key is a 400', async () => {
      const res = await post('/v1/users', { email: `badkey-${kind.name}@example.com` }, 'x'.repeat(300));
      assert.equal(res.statusCode, 400);
    });
  });
}
