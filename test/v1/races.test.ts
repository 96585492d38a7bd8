/**
 * Issue 2: the two races, through a real listening server and real concurrent HTTP requests,
 * on each database. Lost updates and duplicates are what these must never show.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { TEST_ADMIN_KEY, useListeningApp } from '../helpers/app.ts';

for (const kind of DATABASES) {
  describe(`races on ${kind.name}`, () => {
    const t = useListeningApp(kind);

    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${t.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    test('20 concurrent PATCHes adding different metadata keys keep all 20', async () => {
      const user = await (await call('POST', '/v1/users', { email: 'meta-race@example.com', metadata: { base: true } })).json();
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => call('PATCH', `/v1/users/${user.id}`, { metadata: { [`key${i}`]: i } })),
      );
      assert.deepEqual(responses.map((r) => r.status), Array(20).fill(200));
      const final = await (await call('GET', `/v1/users/${user.id}`)).json();
      assert.equal(Object.keys(final.metadata).length, 21);
      for (let i = 0; i < 20; i++) assert.equal(final.metadata[`key${i}`], i);
      assert.equal(final.version, 21);
      const events = await (await call('GET', `/v1/users/${user.id}/events?limit=100`)).json();
      assert.equal(events.data.length, 21);
    });

    test('20 concurrent PATCHes giving one email to 20 users: one 200, nineteen 409', async () => {
      const users = [];
      for (let i = 0; i < 20; i++) users.push(await (await call('POST', '/v1/users', { email: `racer${i}@example.com` })).json());
      const responses = await Promise.all(users.map((u) => call('PATCH', `/v1/users/${u.id}`, { email: 'Contested@Example.com' })));
      const statuses = responses.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, ...Array(19).fill(409)]);
      const conflicts = await Promise.all(responses.filter((r) => r.status === 409).map((r) => r.json()));
      for (const body of conflicts) assert.deepEqual(Object.keys(body.details), ['email']);
      const holders = await (await call('GET', '/v1/users?email=contested@example.com')).json();
      assert.equal(holders.data.length, 1);
    });

    test('20 concurrent creates with one username: one 201, nineteen 409', async () => {
      const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => call('POST', '/v1/users', { username: `Same.Name`, external_id: `same-${i}` })));
      assert.deepEqual(responses.map((r) => r.status).sort(), [201, ...Array(19).fill(409)]);
    });
  });
}
