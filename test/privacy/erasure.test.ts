/**
 * Issue 16, item 1: a delete erases the user's personal data in its own transaction, on every
 * door; the history keeps its skeleton; pending webhooks carry the skeleton; SQLite's files lose
 * the email within a minute; `erase --deleted-before` applies this to users deleted before.
 */
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { newId } from '../../src/domain/ids.ts';
import { REDACTED_VALUE } from '../../src/domain/redaction.ts';
import { eraseDeletedBefore } from '../../src/services/erasure-service.ts';
import { openConnection } from '../../src/store/connection.ts';
import type { Database } from '../../src/store/schema.ts';
import { toWorkosUserId } from '../../src/formats/workos-user.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { DATABASES } from '../helpers/databases.ts';
import { waitUntil } from '../helpers/wait.ts';
import { startReceiver, type Receiver } from '../webhooks/receiver.ts';
import { createEndpoint, startWorker } from '../webhooks/setup.ts';

/** An address no other test writes, so finding it anywhere is finding this user. */
const uniqueEmail = (label: string) => `${label}-${randomBytes(6).toString('hex')}@erasure.example`;

const TABLES = ['users', 'user_events', 'identities', 'email_verifications', 'email_verification_sends', 'idempotency_keys', 'password_attempts', 'webhook_deliveries', 'webhook_attempts', 'webhook_endpoints'] as const;

/** Every live row of every table that holds `text` anywhere, as "table: row". */
async function rowsHolding(db: Kysely<Database>, text: string): Promise<string[]> {
  const found: string[] = [];
  for (const table of TABLES) {
    for (const row of await db.selectFrom(table).selectAll().execute()) {
      const json = JSON.stringify(row);
      if (json.toLowerCase().includes(text.toLowerCase())) found.push(`${table}: ${json.slice(0, 200)}`);
    }
  }
  return found;
}

/** A user with a history: created with an Idempotency-Key, changed twice, an identity and a pending code. */
async function userWithHistory(t: TestApp, email: string, idempotencyKey: string) {
  const created = await t.request({
    method: 'POST',
    url: '/v1/users',
    headers: { 'idempotency-key': idempotencyKey },
    payload: { email, first_name: 'Ada', last_name: 'Lovelace', phone: '+442079460000', metadata: { team: 'engines', note: 'analytical' } },
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  for (const patch of [{ first_name: 'Augusta' }, { metadata: { note: 'difference' } }]) {
    const res = await t.request({ method: 'PATCH', url: `/v1/users/${id}`, payload: patch });
    assert.equal(res.statusCode, 200, res.body);
  }
  const now = new Date().toISOString();
  await t.store.identities.insert({ id: newId('idn'), environment: 'test', user_id: id, provider: 'google', provider_user_id: `g-${email}`, email, created_at: now });
  await t.store.verifications.replace({ user_id: id, environment: 'test', email, code_hash: 'hash', attempts: 0, expires_at: new Date(Date.now() + 600_000).toISOString(), used_at: null, created_at: now });
  return id;
}

async function events(t: TestApp, id: string): Promise<any[]> {
  const res = await t.request({ method: 'GET', url: `/v1/users/${id}/events?limit=100` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().data;
}

for (const kind of DATABASES) {
  describe(`erasure on delete (${kind.name})`, () => {
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

    test('a v1 delete keeps every event skeleton, erases every value, and leaves no live row holding the email', async () => {
      const email = uniqueEmail('v1');
      const key = `create-${randomBytes(6).toString('hex')}`;
      const id = await userWithHistory(t, email, key);
      const before = await events(t, id);
      assert.equal(before.length, 3);
      assert.ok((await rowsHolding(db, email)).length > 0, 'the email is stored before the delete');

      const res = await t.request({ method: 'DELETE', url: `/v1/users/${id}` });
      assert.equal(res.statusCode, 200, res.body);

      const after = await events(t, id);
      assert.deepEqual(after.map((e) => e.type), ['user.deleted', 'user.updated', 'user.updated', 'user.created']);
      for (const [i, event] of after.slice(1).entries()) {
        const original = before[i]!;
        // The skeleton stays: id, type, time, actor, request id, door, the changed fields' names.
        for (const field of ['id', 'type', 'created_at', 'actor', 'request_id', 'door', 'user_id']) assert.equal(event[field], original[field], field);
        assert.deepEqual(Object.keys(event.changes).sort(), Object.keys(original.changes).sort());
      }
      for (const event of after) {
        assert.ok(Object.keys(event.changes).length > 0);
        for (const change of Object.values(event.changes) as any[]) assert.deepEqual(change, { previous: REDACTED_VALUE, current: REDACTED_VALUE });
      }
      assert.ok(Object.keys(after[0].changes).includes('email'), 'the deletion names the fields the user had');

      assert.deepEqual(await rowsHolding(db, email), []);
      assert.deepEqual(await rowsHolding(db, 'Lovelace'), []);
      assert.deepEqual(await rowsHolding(db, 'analytical'), []);
      assert.equal((await t.store.identities.listForUser('test', id)).length, 0);
      assert.equal(await t.store.verifications.find('test', id), null);

      // The create's stored response is replayed redacted, with its status.
      const replay = await t.request({
        method: 'POST',
        url: '/v1/users',
        headers: { 'idempotency-key': key },
        payload: { email, first_name: 'Ada', last_name: 'Lovelace', phone: '+442079460000', metadata: { team: 'engines', note: 'analytical' } },
      });
      assert.equal(replay.statusCode, 201);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(replay.json().redacted, true);
      assert.ok(!replay.body.includes(email));
    });

    test('the WorkOS and klaim doors and a batch delete erase too; a batch response is not kept with the user in it', async () => {
      const viaWorkos = await userWithHistory(t, uniqueEmail('workos'), `k-${randomBytes(4).toString('hex')}`);
      const workosRes = await t.request({ method: 'DELETE', url: `/user_management/users/${toWorkosUserId(viaWorkos)}` });
      assert.equal(workosRes.statusCode, 204, workosRes.body);

      const klaimEmail = uniqueEmail('klaim');
      const viaKlaim = await userWithHistory(t, klaimEmail, `k-${randomBytes(4).toString('hex')}`);
      await t.request({ method: 'PATCH', url: `/v1/users/${viaKlaim}`, payload: { external_id: `ext-${klaimEmail}` } });
      const klaimRes = await t.request({ method: 'DELETE', url: `/klaim/users/${encodeURIComponent(`ext-${klaimEmail}`)}` });
      assert.equal(klaimRes.statusCode, 200, klaimRes.body);

      const batchEmail = uniqueEmail('batch');
      const viaBatch = await userWithHistory(t, batchEmail, `k-${randomBytes(4).toString('hex')}`);
      const batchKey = `batch-${randomBytes(6).toString('hex')}`;
      const batch = await t.request({ method: 'POST', url: '/v1/users/batch', headers: { 'idempotency-key': batchKey }, payload: { operations: [{ op: 'delete', id: viaBatch }] } });
      assert.equal(batch.statusCode, 200, batch.body);

      for (const id of [viaWorkos, viaKlaim, viaBatch]) {
        const list = await events(t, id);
        assert.equal(list[0].type, 'user.deleted');
        for (const event of list) for (const change of Object.values(event.changes) as any[]) assert.deepEqual(change.previous, REDACTED_VALUE, `${id} ${event.type}`);
      }
      assert.deepEqual(await rowsHolding(db, klaimEmail), []);
      assert.deepEqual(await rowsHolding(db, batchEmail), []);
    });

    test('pending deliveries are still made, in order, carrying the skeleton', async () => {
      const receiver: Receiver = await startReceiver();
      try {
        const endpoint = await createEndpoint(t, { url: receiver.url, format: 'standard' });
        const workosReceiver = await startReceiver();
        const workosEndpoint = await createEndpoint(t, { url: workosReceiver.url, format: 'workos' });
        try {
          const email = uniqueEmail('hook');
          const id = await userWithHistory(t, email, `k-${randomBytes(4).toString('hex')}`);
          assert.equal((await t.request({ method: 'DELETE', url: `/v1/users/${id}` })).statusCode, 200);
          // The worker starts only now: every delivery was pending at the delete.
          const worker = startWorker(t);
          try {
            const mine = (r: Receiver) => r.received.filter((x) => JSON.stringify(x.json).includes(id.slice(4)) || JSON.stringify(x.json).includes(toWorkosUserId(id)));
            await receiver.waitFor(() => mine(receiver).length === 4, 10_000);
            await workosReceiver.waitFor(() => mine(workosReceiver).length === 4, 10_000);
            const standard = mine(receiver).map((x) => x.json as any);
            assert.deepEqual(standard.map((p) => p.type), ['user.created', 'user.updated', 'user.updated', 'user.deleted']);
            for (const payload of standard) {
              assert.deepEqual(payload.data.object, { id, object: 'user', redacted: true });
              assert.ok(!JSON.stringify(payload).includes(email));
            }
            assert.deepEqual(standard[1].data.previous_attributes, { first_name: REDACTED_VALUE });
            const workos = mine(workosReceiver).map((x) => x.json as any);
            assert.deepEqual(workos.map((p) => p.event), ['user.created', 'user.updated', 'user.updated', 'user.deleted']);
            for (const payload of workos) assert.deepEqual(payload.data, { object: 'user', id: toWorkosUserId(id), redacted: true });
          } finally {
            await worker.stop();
          }
        } finally {
          await t.request({ method: 'DELETE', url: `/v1/webhook_endpoints/${endpoint.id}` });
          await t.request({ method: 'DELETE', url: `/v1/webhook_endpoints/${workosEndpoint.id}` });
          await workosReceiver.close();
        }
      } finally {
        await receiver.close();
      }
    });
  });

  describe(`USERPLANE_DELETED_USER_HISTORY=keep, then erase --deleted-before (${kind.name})`, () => {
    let t: TestApp;
    let db: Kysely<Database>;
    before(async () => {
      t = await startTestApp(kind, { privacy: { deletedUserHistory: 'keep' } });
      ({ db } = openConnection(t.databaseUrl));
    });
    after(async () => {
      await db.destroy();
      await t.close();
    });

    test('keep leaves the values; erasing users deleted before a date erases them, once, and no others', async () => {
      const email = uniqueEmail('kept');
      const id = await userWithHistory(t, email, `k-${randomBytes(4).toString('hex')}`);
      assert.equal((await t.request({ method: 'DELETE', url: `/v1/users/${id}` })).statusCode, 200);
      const kept = await events(t, id);
      assert.equal(kept[0].changes.email.previous, email, 'keep: the deletion keeps the values');
      assert.ok((await rowsHolding(db, email)).length > 0);

      const liveEmail = uniqueEmail('live');
      const live = await userWithHistory(t, liveEmail, `k-${randomBytes(4).toString('hex')}`);

      // A date before the delete finds nobody.
      assert.equal((await eraseDeletedBefore(t.store, new Date(Date.now() - 3_600_000))).users, 0);
      const totals = await eraseDeletedBefore(t.store, new Date(Date.now() + 1000));
      assert.equal(totals.users, 1);
      assert.equal(totals.erased, 1);
      assert.equal(totals.events, 4);
      assert.equal(totals.idempotency, 1);
      assert.deepEqual(await rowsHolding(db, email), []);
      for (const event of await events(t, id)) for (const change of Object.values(event.changes) as any[]) assert.deepEqual(change.current, REDACTED_VALUE);
      // A user still there keeps everything.
      assert.equal((await events(t, live))[0].changes.metadata.current.note, 'difference');
      assert.ok((await rowsHolding(db, liveEmail)).length > 0);

      const again = await eraseDeletedBefore(t.store, new Date(Date.now() + 1000));
      assert.deepEqual({ users: again.users, erased: again.erased }, { users: 1, erased: 0 });
    });
  });
}

describe('SQLite files after a delete', () => {
  const sqlite = DATABASES.find((k) => k.name === 'sqlite')!;
  let t: TestApp;
  before(async () => {
    t = await startTestApp(sqlite);
  });
  after(() => t.close());

  /** The database files (main, WAL, shared memory) that hold `text` as raw bytes. */
  function filesHolding(text: string): string[] {
    const path = t.databaseUrl.slice('sqlite:'.length);
    return [path, `${path}-wal`, `${path}-shm`].filter((file) => existsSync(file) && readFileSync(file).includes(Buffer.from(text, 'utf8')));
  }

  test('within a minute of the delete, the email occurs nowhere in the .db, -wal and -shm files', async () => {
    const email = uniqueEmail('file');
    const id = await userWithHistory(t, email, `k-${randomBytes(4).toString('hex')}`);
    // Some traffic from others around it, as on a real server.
    for (let i = 0; i < 20; i++) await t.request({ method: 'POST', url: '/v1/users', payload: { email: uniqueEmail('other'), metadata: { i: String(i) } } });
    await waitUntil(() => filesHolding(email).length > 0, 'the email reaches the files', 10_000);

    assert.equal((await t.request({ method: 'DELETE', url: `/v1/users/${id}` })).statusCode, 200);
    for (let i = 0; i < 5; i++) await t.request({ method: 'POST', url: '/v1/users', payload: { email: uniqueEmail('after') } });
    await waitUntil(() => filesHolding(email).length === 0, () => `the email is still in ${filesHolding(email).join(', ')}`, 60_000, 100);
    assert.deepEqual(filesHolding('Lovelace'), []);
    assert.deepEqual(filesHolding('analytical'), []);
  });
});
