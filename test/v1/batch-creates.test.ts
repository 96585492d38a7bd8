/**
 * Issue 15, item 3 (an import's speed): a batch's creates are written many rows per statement
 * (src/services/batch-creates.ts). Its guarantees must not change with it, on each database:
 * per-item results in request order, the first operation wins within the batch (409 for the later),
 * a value a stored user holds is a 409 of its own operation only, every create has its one event,
 * events in request order, and an upsert import run twice changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { type TestApp, useTestApp } from '../helpers/app.ts';
import { createUser } from '../helpers/users.ts';

let n = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++n}`;

type Result = { index: number; status: number; user?: { id: string; email: string | null; external_id: string | null }; error?: { error: string; details?: Record<string, string[]> } };

for (const kind of DATABASES) {
  describe(`batch creates written together on ${kind.name}`, () => {
    const t: TestApp = useTestApp(kind);
    const batch = async (payload: unknown) => {
      const res = await t.request({ method: 'POST', url: '/v1/users/batch', payload: payload as object });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { results: Result[]; summary: Record<string, number> };
    };
    const eventsOf = async (id: string) => (await t.request({ method: 'GET', url: `/v1/users/${id}/events?limit=100` })).json().data as Array<{ id: string; type: string }>;

    test('creates that collide with each other and with stored users: each its own result, the rest written with one event each, in request order', async () => {
      const tag = unique('mix');
      const stored = await createUser(t, { email: `${tag}-stored@example.com`, username: `${tag}-taken`, external_id: `${tag}-stored` });
      const other = await createUser(t, { email: `${tag}-other@example.com`, external_id: `${tag}-other` });
      const before = (await eventsOf(other.id))[0]!.id;

      const operations: unknown[] = [];
      const expected: number[] = [];
      const add = (operation: unknown, status: number) => {
        operations.push(operation);
        expected.push(status);
      };
      // 250 operations: past one multi-row write (100 creates) and one SQLite group (100 operations).
      for (let i = 0; i < 250; i += 1) {
        const email = `${tag}-${i}@example.com`;
        if (i === 5) add({ op: 'create', data: { email: stored.email.toUpperCase() } }, 409); // a stored user's address
        else if (i === 17) add({ op: 'create', data: { email, username: `${tag}-TAKEN` } }, 409); // a stored username, other case
        else if (i === 40) add({ op: 'create', data: { email: `${tag}-3@EXAMPLE.com` } }, 409); // an earlier create's address
        else if (i === 41) add({ op: 'upsert', match: 'external_id', data: { external_id: `${tag}-x10`, email } }, 409); // an earlier create's external_id
        else if (i === 99) add({ op: 'update', id: other.id, data: { first_name: 'Between' } }, 200); // a write amid waiting creates
        else if (i === 120) add({ op: 'create', data: { email: 'not-an-address' } }, 400);
        else if (i === 150) add({ op: 'upsert', match: 'external_id', data: { external_id: stored.external_id, first_name: 'Matched' } }, 200);
        else if (i === 151) add({ op: 'create', data: { email: `${tag}-151@example.com`, external_id: stored.external_id } }, 409); // the user 150 wrote
        else if (i === 200) add({ op: 'create', data: { email, external_id: `${tag}-stored` } }, 409); // a stored external_id
        else if (i % 2 === 0) add({ op: 'create', data: { email, external_id: `${tag}-x${i}`, first_name: `F${i}` } }, 201);
        else add({ op: 'upsert', match: 'external_id', data: { external_id: `${tag}-x${i}`, email, metadata: { i } } }, 201);
      }
      const { results, summary } = await batch({ operations });
      assert.deepEqual(results.map((r) => r.index), operations.map((_, i) => i));
      assert.deepEqual(results.map((r) => r.status), expected, JSON.stringify(results.filter((r, i) => r.status !== expected[i])));
      assert.equal(results[5]!.error!.error, 'conflict');
      assert.ok(results[5]!.error!.details?.email);
      assert.ok(results[17]!.error!.details?.username);
      assert.ok(results[40]!.error!.details?.email);
      assert.ok(results[41]!.error!.details?.external_id);
      assert.ok(results[151]!.error!.details?.external_id);
      assert.ok(results[200]!.error!.details?.external_id);
      const created = results.filter((r) => r.status === 201);
      assert.equal(summary.created, created.length);
      assert.equal(summary.failed, 7);

      // Every created user is stored as answered, with exactly one event.
      for (const r of created.filter((_, i) => i % 25 === 0)) {
        const res = await t.request({ method: 'GET', url: `/v1/users/${r.user!.id}` });
        assert.equal(res.statusCode, 200);
        assert.equal(res.json().email, r.user!.email);
        assert.deepEqual((await eventsOf(r.user!.id)).map((e) => e.type), ['user.created']);
      }
      const listed = await t.request({ method: 'GET', url: `/v1/users?limit=100&filter=${encodeURIComponent(`email sw "${tag}-"`)}` });
      assert.equal(listed.statusCode, 200, listed.body);

      // The feed holds the batch's events in request order: the update amid the creates too. (On
      // PostgreSQL the feed holds back events while an older transaction runs: poll, with a deadline.)
      const changed = results.filter((r) => r.status === 201 || r.status === 200).map((r) => r.user!.id);
      const ids = new Set(changed);
      const seen: string[] = [];
      let after = before;
      const deadline = Date.now() + 20_000;
      while (seen.length < changed.length && Date.now() < deadline) {
        const feed = (await t.request({ method: 'GET', url: `/v1/events?limit=100&after=${after}` })).json();
        for (const event of feed.data as Array<{ user_id?: string }>) if (event.user_id && ids.has(event.user_id)) seen.push(event.user_id);
        after = feed.next_cursor ?? after;
        if (!feed.has_more) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.deepEqual(seen, changed);
    });

    test('an upsert import run twice: the second run changes nothing and appends no event', async () => {
      const tag = unique('again');
      const operations = Array.from({ length: 150 }, (_, i) => ({
        op: 'upsert',
        match: 'external_id',
        data: { external_id: `${tag}-${i}`, email: `${tag}-${i}@example.com`, first_name: `F${i}`, metadata: { i } },
      }));
      const first = await batch({ operations });
      assert.deepEqual(first.summary, { created: 150, updated: 0, unchanged: 0, deleted: 0, failed: 0 });
      const second = await batch({ operations });
      assert.deepEqual(second.summary, { created: 0, updated: 0, unchanged: 150, deleted: 0, failed: 0 });
      assert.deepEqual(second.results.map((r) => r.user!.id), first.results.map((r) => r.user!.id));
      for (const r of first.results.filter((_, i) => i % 30 === 0)) assert.equal((await eventsOf(r.user!.id)).length, 1);
    });

    test('a dry run of creates writes nothing and still finds their conflicts', async () => {
      const tag = unique('dry');
      const stored = await createUser(t, { email: `${tag}-stored@example.com` });
      const operations = [
        { op: 'create', data: { email: `${tag}-a@example.com` } },
        { op: 'create', data: { email: stored.email } },
        { op: 'create', data: { email: `${tag}-A@example.com` } },
        { op: 'upsert', match: 'external_id', data: { external_id: `${tag}-e`, email: `${tag}-b@example.com` } },
      ];
      const { results } = await batch({ operations, dry_run: true });
      assert.deepEqual(results.map((r) => r.status), [201, 409, 409, 201]);
      const res = await t.request({ method: 'GET', url: `/v1/users?email=${encodeURIComponent(`${tag}-a@example.com`)}` });
      assert.equal(res.json().data.length, 0);
    });
  });
}
