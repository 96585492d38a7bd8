/**
 * Issue 16, item 2: events older than USERPLANE_EVENT_RETENTION_DAYS and finished webhook
 * deliveries (with their attempts) older than USERPLANE_DELIVERY_RETENTION_DAYS are deleted by the
 * sweeps in small batches; 0 keeps them for ever; an event still owed to an endpoint stays.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { newId } from '../../src/domain/ids.ts';
import { retentionSweepJobs, sweepOnce } from '../../src/services/sweeper.ts';
import { openConnection } from '../../src/store/connection.ts';
import type { Database } from '../../src/store/schema.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { DATABASES } from '../helpers/databases.ts';

const DAY = 24 * 3_600_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

async function count(db: Kysely<Database>, table: 'user_events' | 'webhook_deliveries' | 'webhook_attempts'): Promise<number> {
  return Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
}

/** `n` events `days` old of one user; with `delivery`, each with a delivery in that state and one attempt. */
async function oldEvents(db: Kysely<Database>, endpointId: string, n: number, days: number, delivery?: 'succeeded' | 'failed' | 'pending'): Promise<number[]> {
  const at = ago(days);
  const userId = newId('usr');
  const seqs: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = newId('evt');
    const [row] = await db
      .insertInto('user_events')
      .values({ id, environment: 'test', user_id: userId, type: 'user.updated', actor: 'key_x', request_id: null, door: 'v1', changes: '{"first_name":{"previous":"a","current":"b"}}', created_at: at, snapshot: null })
      .returning('seq')
      .execute();
    const seq = Number(row!.seq);
    seqs.push(seq);
    if (!delivery) continue;
    const deliveryId = newId('whd');
    await db
      .insertInto('webhook_deliveries')
      .values({ id: deliveryId, endpoint_id: endpointId, environment: 'test', event_seq: seq, event_id: id, event_type: 'user.updated', user_id: userId, state: delivery, attempts: 1, next_attempt_at: delivery === 'pending' ? at : null, retry_from: at, lease_owner: null, lease_until: null, created_at: at, updated_at: at })
      .execute();
    await db.insertInto('webhook_attempts').values({ delivery_id: deliveryId, attempt: 1, succeeded: delivery === 'succeeded' ? 1 : 0, http_status: 200, latency_ms: 3, error: null, created_at: at }).execute();
  }
  return seqs;
}

for (const kind of DATABASES) {
  describe(`retention on ${kind.name}`, () => {
    let t: TestApp;
    let db: Kysely<Database>;
    let endpointId: string;
    before(async () => {
      // The app's own sweeps wait an hour: this suite drives them.
      t = await startTestApp(kind, { sweeps: { firstDelayMs: 3_600_000 } });
      ({ db } = openConnection(t.databaseUrl));
      const res = await t.request({ method: 'POST', url: '/v1/webhook_endpoints', payload: { url: 'https://127.0.0.1:9/hook', format: 'standard' } });
      assert.equal(res.statusCode, 201, res.body);
      endpointId = res.json().id;
    });
    after(async () => {
      await db.destroy();
      await t.close();
    });

    test('old events and finished deliveries go in batches; fresh ones, and events a delivery still owes, stay', async () => {
      await oldEvents(db, endpointId, 230, 400);
      await oldEvents(db, endpointId, 120, 40, 'succeeded');
      await oldEvents(db, endpointId, 30, 40, 'failed');
      const owed = await oldEvents(db, endpointId, 3, 400, 'pending');
      const fresh = await oldEvents(db, endpointId, 5, 10, 'succeeded');
      assert.equal(await count(db, 'user_events'), 388);

      const jobs = retentionSweepJobs(t.store, { eventRetentionDays: 365, deliveryRetentionDays: 30 });
      const swept = await sweepOnce(jobs, { batchSize: 100 });
      assert.deepEqual(swept.webhook_deliveries, [100, 50]);
      // 230 events past 365 days; the 3 owed to an endpoint stay.
      assert.deepEqual(swept.user_events, [100, 100, 30]);
      assert.equal(await count(db, 'webhook_deliveries'), 3 + 5);
      assert.equal(await count(db, 'webhook_attempts'), 3 + 5);
      assert.equal(await count(db, 'user_events'), 388 - 230);
      const left = (await db.selectFrom('user_events').select('seq').execute()).map((r) => Number(r.seq));
      for (const seq of [...owed, ...fresh]) assert.ok(left.includes(seq), `event ${seq} stays`);

      // 0 keeps for ever: no jobs at all.
      assert.deepEqual(retentionSweepJobs(t.store, { eventRetentionDays: 0, deliveryRetentionDays: 0 }), []);
      // A second sweep finds nothing more.
      assert.deepEqual(await sweepOnce(jobs, { batchSize: 100 }), { webhook_deliveries: [0], user_events: [0] });
    });

    test("an event still owed keeps its subject's later events too: its payload's user is rebuilt from them (issue 16, item 3)", async () => {
      const metadata = { a: 'a'.repeat(300), b: 'b'.repeat(300), c: 'c'.repeat(300) };
      const created = await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'owed@example.com', metadata } });
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id as string;
      const patches = [{ metadata: { a: 'changed' } }, { metadata: { b: null } }, { metadata: { c: 'changed too' } }];
      const after: Array<Record<string, unknown>> = [];
      for (const payload of patches) {
        const res = await t.request({ method: 'PATCH', url: `/v1/users/${id}`, payload });
        assert.equal(res.statusCode, 200, res.body);
        after.push(res.json().metadata);
      }
      // A year and more ago; only the first update is still owed to the endpoint.
      await db.updateTable('user_events').set({ created_at: ago(400) }).where('user_id', '=', id).execute();
      const events = await db.selectFrom('user_events').select(['seq', 'id', 'type']).where('user_id', '=', id).orderBy('seq').execute();
      assert.deepEqual(events.map((e) => e.type), ['user.created', 'user.updated', 'user.updated', 'user.updated']);
      const owed = events[1]!;
      await db.updateTable('webhook_deliveries').set({ state: 'succeeded', next_attempt_at: null }).where('user_id', '=', id).where('event_id', '<>', owed.id).execute();

      await sweepOnce(retentionSweepJobs(t.store, { eventRetentionDays: 365, deliveryRetentionDays: 0 }), { batchSize: 100 });
      const left = await db.selectFrom('user_events').select('id').where('user_id', '=', id).orderBy('seq').execute();
      assert.deepEqual(left.map((e) => e.id), events.slice(1).map((e) => e.id), 'the creation goes; the owed update and every later one stay');

      const now = new Date().toISOString();
      const claimed = await t.store.transaction((tx) => tx.webhooks.claimDue({ now, limit: 100, leaseOwner: 'retention-test', leaseUntil: new Date(Date.now() + 60_000).toISOString() }));
      const job = claimed.find((c) => c.event.id === owed.id);
      assert.ok(job, 'the owed delivery is claimed');
      const user = job.event.snapshot as { metadata: Record<string, unknown> };
      assert.deepEqual(user.metadata, after[0]);
      assert.deepEqual(Object.keys(user.metadata), Object.keys(after[0]!));
    });
  });
}

describe('retention settings', () => {
  test('defaults, 0 for ever, and a clear error for a bad value', () => {
    const base = { DATABASE_URL: 'sqlite::memory:' };
    assert.deepEqual(loadConfig(base).privacy, { deletedUserHistory: 'redact', eventRetentionDays: 365, deliveryRetentionDays: 30 });
    assert.deepEqual(loadConfig({ ...base, USERPLANE_EVENT_RETENTION_DAYS: '0', USERPLANE_DELIVERY_RETENTION_DAYS: '7', USERPLANE_DELETED_USER_HISTORY: 'keep' }).privacy, {
      deletedUserHistory: 'keep',
      eventRetentionDays: 0,
      deliveryRetentionDays: 7,
    });
    assert.throws(() => loadConfig({ ...base, USERPLANE_EVENT_RETENTION_DAYS: 'a year' }), /USERPLANE_EVENT_RETENTION_DAYS must be a whole number from 0 to 36500, got "a year"/);
    assert.throws(() => loadConfig({ ...base, USERPLANE_DELETED_USER_HISTORY: 'forget' }), /USERPLANE_DELETED_USER_HISTORY must be "redact" or "keep", got "forget"/);
  });
});
