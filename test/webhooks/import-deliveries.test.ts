/**
 * Issue 15, item 3: an import must not bury live webhook deliveries. Events of a batch marked
 * `Userplane-Import: 1` (what `userplane import` sends) are claimed after every due live delivery of
 * their endpoint, however old; an endpoint with include_imports: false gets none of them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RequestContext } from '../../src/services/context.ts';
import { useTestApp } from '../helpers/app.ts';
import { DATABASES } from '../helpers/databases.ts';

const ctx: RequestContext = { environment: 'test', actor: 'imports', door: 'v1', requestId: null };
const iso = (ms = 0) => new Date(Date.now() + ms).toISOString();

for (const kind of DATABASES) {
  describe(`webhook deliveries of an import on ${kind.name}`, () => {
    const t = useTestApp(kind);

    test('imported users\' events go behind live ones; include_imports: false opts an endpoint out; the field reads back and patches', async () => {
      const all = await t.request({ method: 'POST', url: '/v1/webhook_endpoints', payload: { url: 'https://all.example.com/h' } });
      assert.equal(all.statusCode, 201, all.body);
      assert.equal(all.json().include_imports, true, 'imports are included by default');
      const liveOnly = await t.request({ method: 'POST', url: '/v1/webhook_endpoints', payload: { url: 'https://live-only.example.com/h', include_imports: false } });
      assert.equal(liveOnly.json().include_imports, false);

      const operations = Array.from({ length: 5 }, (_, i) => ({ op: 'upsert', match: 'external_id', data: { external_id: `imp-${kind.name}-${i}` } }));
      const imported = await t.request({ method: 'POST', url: '/v1/users/batch', payload: { operations }, headers: { 'userplane-import': '1' } });
      assert.equal(imported.json().summary.created, 5, imported.body);
      // Live writes after the import: their deliveries are younger than the import's.
      const live = await t.request({ method: 'POST', url: '/v1/users', payload: { email: `live-${kind.name}@example.com` } });
      const plainBatch = await t.request({ method: 'POST', url: '/v1/users/batch', payload: { operations: [{ op: 'create', data: { username: `batch-${kind.name}` } }] } });
      assert.equal(plainBatch.json().summary.created, 1, 'a batch without the header is live traffic');

      const claim = (owner: string, limit: number) =>
        t.store.transaction((tx) => tx.webhooks.claimDue({ now: iso(1000), leaseOwner: owner, leaseUntil: iso(60_000), limit, endpointConcurrency: 10 }));
      const byEndpoint = async (owner: string, limit: number) => {
        const jobs = await claim(owner, limit);
        return jobs.map((job) => [job.endpoint.url, job.event.user_id]);
      };

      // Two live deliveries per endpoint come first, though five imported ones were due earlier.
      const first = await byEndpoint('first', 4);
      const liveUsers = [live.json().id, plainBatch.json().results[0].user.id];
      assert.equal(first.length, 4);
      assert.ok(first.every(([, user]) => liveUsers.includes(user)), `live deliveries first, got ${JSON.stringify(first)}`);
      // Then the import's, and only to the endpoint that includes imports.
      const rest = await byEndpoint('rest', 100);
      assert.equal(rest.length, 5);
      assert.ok(rest.every(([url, user]) => url === 'https://all.example.com/h' && !liveUsers.includes(user)), JSON.stringify(rest));

      const patched = await t.request({ method: 'PATCH', url: `/v1/webhook_endpoints/${all.json().id}`, payload: { include_imports: false } });
      assert.equal(patched.json().include_imports, false);
      await t.request({ method: 'POST', url: '/v1/users/batch', payload: { operations: [{ op: 'create', data: { username: `late-${kind.name}` } }] }, headers: { 'userplane-import': '1' } });
      assert.deepEqual(await claim('after-opt-out', 100), [], 'no endpoint takes imports now');
      for (const id of [all.json().id, liveOnly.json().id]) await t.services.webhooks.delete(ctx, id);
    });
  });
}
