/** Issue 13, item 6: every answer in the documented shape: JSON 404s anywhere, 400 for a bad cursor, `before` on /v1 lists. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const ids = (page: { data: Array<{ id: string }> }) => page.data.map((item) => item.id);

for (const kind of DATABASES) {
  describe(`not-found and cursors on ${kind.name}`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(kind);
    });
    after(() => t.close());

    test('a path no door serves is a JSON 404 in the canonical error shape', async () => {
      for (const url of ['/', '/v2/x', '/nothing/here?x=1', '/v1/nope']) {
        for (const method of ['GET', 'POST'] as const) {
          const res = await t.request({ method, url, key: null });
          assert.equal(res.statusCode, 404, `${method} ${url}`);
          assert.match(String(res.headers['content-type']), /^application\/json/);
          const body = res.json();
          assert.equal(body.error, 'not_found');
          assert.equal(typeof body.message, 'string');
          assert.equal(body.request_id, res.headers['x-request-id']);
        }
      }
      // The other doors keep their own 404s, and the documented pages still answer.
      const workos = await t.request({ method: 'GET', url: '/user_management/nope' });
      assert.equal(workos.statusCode, 404);
      assert.equal(typeof workos.json().message, 'string');
      assert.equal((await t.request({ method: 'GET', url: '/openapi.json', key: null })).statusCode, 200);
      assert.ok([200, 302].includes((await t.request({ method: 'GET', url: '/docs', key: null })).statusCode));
      assert.ok([301, 503].includes((await t.request({ method: 'GET', url: '/console', key: null })).statusCode));
      assert.equal((await t.request({ method: 'GET', url: '/healthz', key: null })).statusCode, 200);
    });

    test('a garbage cursor is a 400 naming the parameter, on every /v1 list', async () => {
      const user = (await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'cursor@example.com' } })).json();
      const lists = ['/v1/users', `/v1/users/${user.id}/events`, '/v1/api_keys'];
      for (const list of lists) {
        for (const param of ['after', 'before']) {
          for (const garbage of ['garbage', 'usr_', 'usr_!!!!!!!!!!!!!!!!!!!!!!!!!!', 'evt_01h00000000000000000000000x']) {
            const res = await t.request({ method: 'GET', url: `${list}?${param}=${garbage}` });
            // A well-formed id of the right kind may pass; nothing else does.
            if (res.statusCode === 200) continue;
            assert.equal(res.statusCode, 400, `${list}?${param}=${garbage}: ${res.body}`);
            assert.equal(res.json().error, 'validation_error');
            assert.ok(res.json().details?.[param], `${list}?${param}=${garbage}: details name ${param}: ${res.body}`);
          }
          assert.equal((await t.request({ method: 'GET', url: `${list}?${param}=garbage` })).statusCode, 400, list);
        }
        const both = await t.request({ method: 'GET', url: `${list}?after=x&before=y` });
        assert.equal(both.statusCode, 400);
      }
      // A well-formed event id that is not one of this user's events is no cursor either.
      const other = (await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'cursor2@example.com' } })).json();
      const otherEvent = (await t.request({ method: 'GET', url: `/v1/users/${other.id}/events` })).json().data[0].id;
      const res = await t.request({ method: 'GET', url: `/v1/users/${user.id}/events?after=${otherEvent}` });
      assert.equal(res.statusCode, 400, res.body);
      assert.ok(res.json().details.after, res.body);
    });

    test('users: before gives the page right before the cursor, in the same order, and pages back to the start', async () => {
      const made: string[] = [];
      for (let i = 0; i < 5; i++) made.push((await t.request({ method: 'POST', url: '/v1/users', payload: { username: `pager${i}`, first_name: 'Backpager' } })).json().id);
      const q = 'q=backpager&limit=2';
      const first = (await t.request({ method: 'GET', url: `/v1/users?${q}` })).json();
      const second = (await t.request({ method: 'GET', url: `/v1/users?${q}&after=${first.next_cursor}` })).json();
      const third = (await t.request({ method: 'GET', url: `/v1/users?${q}&after=${second.next_cursor}` })).json();
      assert.deepEqual([...ids(first), ...ids(second), ...ids(third)], made);
      assert.equal(third.has_more, false);
      // Backwards from the last one: [2, 3], then [0, 1], and nothing before that.
      const back = (await t.request({ method: 'GET', url: `/v1/users?${q}&before=${made[4]}` })).json();
      assert.deepEqual(ids(back), made.slice(2, 4));
      assert.equal(back.has_more, true);
      assert.equal(back.next_cursor, made[2]);
      const start = (await t.request({ method: 'GET', url: `/v1/users?${q}&before=${back.next_cursor}` })).json();
      assert.deepEqual(ids(start), made.slice(0, 2));
      assert.equal(start.has_more, false);
      assert.equal(start.next_cursor, null);
    });

    test('events: after pages to older events, before to newer ones, newest first either way', async () => {
      const user = (await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'events-pager@example.com' } })).json();
      for (let i = 0; i < 4; i++) await t.request({ method: 'PATCH', url: `/v1/users/${user.id}`, payload: { first_name: `N${i}` } });
      const all = ids((await t.request({ method: 'GET', url: `/v1/users/${user.id}/events?limit=100` })).json());
      assert.equal(all.length, 5);
      const older = (await t.request({ method: 'GET', url: `/v1/users/${user.id}/events?limit=2&after=${all[1]}` })).json();
      assert.deepEqual(ids(older), all.slice(2, 4));
      const newer = (await t.request({ method: 'GET', url: `/v1/users/${user.id}/events?limit=2&before=${all[4]}` })).json();
      assert.deepEqual(ids(newer), all.slice(2, 4));
      assert.equal(newer.has_more, true);
      assert.equal(newer.next_cursor, all[2]);
      const newest = (await t.request({ method: 'GET', url: `/v1/users/${user.id}/events?limit=2&before=${all[2]}` })).json();
      assert.deepEqual(ids(newest), all.slice(0, 2));
      assert.equal(newest.has_more, false);
      // Newer than the newest: an empty page, not an error.
      const none = await t.request({ method: 'GET', url: `/v1/users/${user.id}/events?before=${all[0]}` });
      assert.equal(none.statusCode, 200);
      assert.deepEqual(ids(none.json()), []);
    });

    test('webhook deliveries: before pages to newer events, bad cursors are 400s', async () => {
      const endpoint = (await t.request({ method: 'POST', url: '/v1/webhook_endpoints', payload: { url: 'https://hooks.example.com/cursors' } })).json();
      for (let i = 0; i < 4; i++) await t.request({ method: 'POST', url: '/v1/users', payload: { email: `delivery-pager${i}@example.com` } });
      const base = `/v1/webhook_endpoints/${endpoint.id}/deliveries`;
      const all = ids((await t.request({ method: 'GET', url: `${base}?limit=100` })).json());
      assert.equal(all.length, 4);
      const newer = (await t.request({ method: 'GET', url: `${base}?limit=2&before=${all[3]}` })).json();
      assert.deepEqual(ids(newer), all.slice(1, 3));
      assert.equal(newer.has_more, true);
      assert.equal(newer.next_cursor, all[1]);
      for (const param of ['after', 'before']) {
        const garbage = await t.request({ method: 'GET', url: `${base}?${param}=garbage` });
        assert.equal(garbage.statusCode, 400);
        assert.ok(garbage.json().details[param]);
        const unknown = await t.request({ method: 'GET', url: `${base}?${param}=whd_01h00000000000000000000000` });
        assert.equal(unknown.statusCode, 400, unknown.body);
        assert.ok(unknown.json().details[param]);
      }
    });

    test('api keys: paged with limit, after and before', async () => {
      for (let i = 0; i < 3; i++) await t.key(['read']);
      const all = ids((await t.request({ method: 'GET', url: '/v1/api_keys' })).json());
      assert.ok(all.length >= 3);
      assert.deepEqual(all, [...all].sort());
      const page = (await t.request({ method: 'GET', url: '/v1/api_keys?limit=1' })).json();
      assert.deepEqual(ids(page), all.slice(0, 1));
      assert.equal(page.has_more, true);
      const next = (await t.request({ method: 'GET', url: `/v1/api_keys?limit=1&after=${page.next_cursor}` })).json();
      assert.deepEqual(ids(next), all.slice(1, 2));
      const back = (await t.request({ method: 'GET', url: `/v1/api_keys?limit=2&before=${all.at(-1)}` })).json();
      assert.deepEqual(ids(back), all.slice(-3, -1));
    });
  });
}
