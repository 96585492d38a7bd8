/**
 * Issue 16, item 3: an event stores the changed fields (metadata: the changed keys only) and the
 * user snapshot only when a webhook endpoint takes the event, with its metadata as keys only (the
 * values are rebuilt for the payload: test/webhooks/late-payloads.test.ts). Figures:
 * scripts/event-bytes.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { openConnection } from '../../src/store/connection.ts';
import type { Database } from '../../src/store/schema.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { DATABASES } from '../helpers/databases.ts';
import { startReceiver } from '../webhooks/receiver.ts';
import { createEndpoint, startWorker } from '../webhooks/setup.ts';

/** 50 keys of 290 characters: about 15 KB, under the 16 KB metadata limit. */
const METADATA = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`key_${String(i).padStart(2, '0')}`, `${i}`.padEnd(290, 'v')]));
const NEW_VALUE = 'c'.repeat(300);

for (const kind of DATABASES) {
  describe(`event size on ${kind.name}`, () => {
    let t: TestApp;
    let db: Kysely<Database>;
    before(async () => {
      t = await startTestApp(kind);
      ({ db } = openConnection(t.databaseUrl));
    });
    after(async () => {
      await db.destroy();
      await t.close();
    });

    /** A user with the big metadata, then the 300-byte change; returns the change's stored row. */
    async function bigUserChanged(email: string) {
      const created = await t.request({ method: 'POST', url: '/v1/users', payload: { email, metadata: METADATA } });
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id as string;
      const changed = await t.request({ method: 'PATCH', url: `/v1/users/${id}`, payload: { metadata: { key_07: NEW_VALUE, key_49: null } } });
      assert.equal(changed.statusCode, 200, changed.body);
      const row = await db.selectFrom('user_events').selectAll().where('user_id', '=', id).where('type', '=', 'user.updated').executeTakeFirstOrThrow();
      return { id, row, bytes: Buffer.byteLength(row.changes) + (row.snapshot ? Buffer.byteLength(row.snapshot) : 0) };
    }

    test('a 300-byte metadata change writes well under 5 KB, and the history shows only the changed keys', async (tc) => {
      const { id, row, bytes } = await bigUserChanged('size@example.com');
      tc.diagnostic(`${kind.name}: ${bytes} bytes for the event (no webhook endpoint)`);
      assert.ok(bytes < 2_000, `${bytes} bytes`);
      assert.equal(row.snapshot, null, 'no endpoint takes the event: no snapshot');
      const events = await t.request({ method: 'GET', url: `/v1/users/${id}/events` });
      const updated = events.json().data[0];
      assert.deepEqual(updated.changes, {
        metadata: { previous: { key_07: METADATA.key_07, key_49: METADATA.key_49 }, current: { key_07: NEW_VALUE } },
      });
    });

    test('with an endpoint taking the event, it still writes well under 5 KB, and the payload is the full user after the change', async (tc) => {
      const receiver = await startReceiver();
      const endpoint = await createEndpoint(t, { url: receiver.url, format: 'standard', event_types: ['user.updated'] });
      const worker = startWorker(t);
      try {
        const { id, row, bytes } = await bigUserChanged('size-hook@example.com');
        tc.diagnostic(`${kind.name}: ${bytes} bytes for the event (an endpoint takes it: the snapshot is kept for its payload)`);
        assert.ok(bytes < 2_500, `${bytes} bytes with one endpoint (it was 16 KB when the snapshot held every metadata value)`);
        assert.notEqual(row.snapshot, null);
        assert.ok(!row.snapshot!.includes(METADATA.key_00!), 'no unchanged metadata value is stored again');
        const [received] = await receiver.waitFor((list) => list.some((r) => (r.json as any)?.data?.object?.id === id), 10_000);
        const payload = receiver.received.find((r) => (r.json as any)?.data?.object?.id === id)!.json as any;
        assert.ok(received);
        assert.equal(payload.data.object.metadata.key_07, NEW_VALUE);
        assert.equal(payload.data.object.metadata.key_00, METADATA.key_00);
        assert.equal('key_49' in payload.data.object.metadata, false);
        assert.deepEqual(payload.data.previous_attributes, { metadata: { key_07: METADATA.key_07, key_49: METADATA.key_49 } });
        // A user.created nobody subscribed to keeps no snapshot.
        const created = await db.selectFrom('user_events').select('snapshot').where('user_id', '=', id).where('type', '=', 'user.created').executeTakeFirstOrThrow();
        assert.equal(created.snapshot, null);
      } finally {
        await worker.stop();
        await t.request({ method: 'DELETE', url: `/v1/webhook_endpoints/${endpoint.id}` });
        await receiver.close();
      }
    });

    test('with three endpoints (both formats) the event is no bigger: the snapshot is stored once, one small delivery row each', async (tc) => {
      const endpoints = [
        await createEndpoint(t, { url: 'https://127.0.0.1:9/standard', format: 'standard' }),
        await createEndpoint(t, { url: 'https://127.0.0.1:9/workos', format: 'workos' }),
        await createEndpoint(t, { url: 'https://127.0.0.1:9/updates', format: 'standard', event_types: ['user.updated'] }),
      ];
      try {
        const { row, bytes } = await bigUserChanged('size-three@example.com');
        tc.diagnostic(`${kind.name}: ${bytes} bytes for the event (three endpoints take it)`);
        assert.ok(bytes < 2_500, `${bytes} bytes with three endpoints`);
        const queued = await db.selectFrom('webhook_deliveries').select('id').where('event_id', '=', row.id).execute();
        assert.equal(queued.length, 3);
      } finally {
        for (const endpoint of endpoints) await t.request({ method: 'DELETE', url: `/v1/webhook_endpoints/${endpoint.id}` });
      }
    });
  });
}
