/**
 * Issue 13, item 4: clean-ups delete in small batches (each one short statement, a turn of the
 * event loop between), cover idempotency records and expired verification codes, and the first
 * sweep runs a few seconds after start, not an hour later.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { newId } from '../../src/domain/ids.ts';
import { coreSweepJobs, sweepOnce } from '../../src/services/sweeper.ts';
import { IDEMPOTENCY_TTL_MS } from '../../src/http/idempotency.ts';
import { openConnection } from '../../src/store/connection.ts';
import type { StoredUser } from '../../src/store/contract.ts';
import type { Database } from '../../src/store/schema.ts';
import { toUserRow } from '../../src/store/user-rows.ts';
import { DATABASES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const DAY = 24 * 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

function user(): StoredUser {
  const now = new Date().toISOString();
  return {
    id: newId('usr'), environment: 'test', email: null, email_verified: false, pending_email: null, username: null,
    first_name: null, last_name: null, name: null, role: null, external_id: null, locale: null, phone: null,
    avatar_url: null, bio: null, birthday: null, country: null, location: null, organization: null, title: null,
    twitter: null, regions: null, active: true, last_seen_at: null, last_typed_at: null, metadata: {}, extensions: {},
    password_set: false, password_hash: null, password_hash_type: null, password_migration_pending: false, source: 'v1', version: 1, created_at: now, updated_at: now,
  };
}

/** `old` stale rows of each kind and one fresh one; returns the fresh ones' keys. */
async function fill(db: Kysely<Database>, old: number): Promise<{ freshKey: string; freshUser: string }> {
  const keys = Array.from({ length: old }, (_, i) => ({
    environment: 'test', credential: 'key_sweep', key: `old-${i}`, request_hash: 'h', state: 'completed',
    response_status: 200, response_headers: '{}', response_body: '', created_at: ago(2 * DAY + i),
  }));
  keys.push({ ...keys[0]!, key: 'fresh', created_at: ago(1000) });
  for (let k = 0; k < keys.length; k += 500) await db.insertInto('idempotency_keys').values(keys.slice(k, k + 500)).execute();
  const users = Array.from({ length: old + 1 }, user);
  for (let k = 0; k < users.length; k += 400) await db.insertInto('users').values(users.slice(k, k + 400).map(toUserRow)).execute();
  const codes = users.map((u, i) => ({
    user_id: u.id, environment: 'test', email: 'x@example.com', code_hash: 'h', attempts: 0,
    expires_at: i === old ? ago(-600_000) : ago(2 * DAY + i), used_at: null, created_at: ago(2 * DAY + i),
  }));
  for (let k = 0; k < codes.length; k += 500) await db.insertInto('email_verifications').values(codes.slice(k, k + 500)).execute();
  const sends = users.map((u, i) => ({ user_id: u.id, sent_at: i === old ? ago(1000) : ago(2 * 3_600_000 + i) }));
  for (let k = 0; k < sends.length; k += 500) await db.insertInto('email_verification_sends').values(sends.slice(k, k + 500)).execute();
  return { freshKey: 'fresh', freshUser: users[old]!.id };
}

async function counts(db: Kysely<Database>) {
  const n = async (table: 'idempotency_keys' | 'email_verifications' | 'email_verification_sends') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { keys: await n('idempotency_keys'), codes: await n('email_verifications'), sends: await n('email_verification_sends') };
}

for (const kind of DATABASES) {
  describe(`clean-up sweeps on ${kind.name}`, () => {
    let t: TestApp;
    let db: Kysely<Database>;
    before(async () => {
      // The app's own sweeps wait an hour here: this suite drives them.
      t = await startTestApp(kind, { sweeps: { firstDelayMs: 3_600_000 } });
      ({ db } = openConnection(t.databaseUrl));
    });
    after(async () => {
      await db.destroy();
      await t.close();
    });

    test('a sweep deletes what is due in batches of the given size, and nothing else', async () => {
      const { freshUser } = await fill(db, 1_250);
      const swept = await sweepOnce(coreSweepJobs(t.store, IDEMPOTENCY_TTL_MS), { batchSize: 500 });
      assert.deepEqual(swept.idempotency_keys, [500, 500, 250]);
      assert.deepEqual(swept.email_verifications, [500, 500, 250]);
      assert.equal(swept.email_verification_sends!.reduce((a, b) => a + b, 0), 1_250);
      assert.ok(swept.email_verification_sends!.every((n) => n <= 500));
      assert.deepEqual(await counts(db), { keys: 1, codes: 1, sends: 1 });
      assert.ok(await t.store.idempotency.find('test', 'key_sweep', 'fresh'));
      assert.ok(await t.store.verifications.find('test', freshUser));
      // An expired code younger than a day stays, so using it still says "expired".
      assert.deepEqual((await sweepOnce(coreSweepJobs(t.store, IDEMPOTENCY_TTL_MS), { batchSize: 500 })).email_verifications, [0]);
    });
  });
}

describe('the first sweep', () => {
  test('runs a few seconds after the server starts, with the default timing', async () => {
    const t = await startTestApp(DATABASES[0]!);
    const { db } = openConnection(t.databaseUrl);
    try {
      await fill(db, 20);
      assert.ok(t.app.sweeper, 'the sweeper runs with the server');
      const deadline = Date.now() + 30_000;
      let now = await counts(db);
      while (Date.now() < deadline && (now.keys > 1 || now.codes > 1 || now.sends > 1)) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        now = await counts(db);
      }
      assert.deepEqual(now, { keys: 1, codes: 1, sends: 1 });
    } finally {
      await db.destroy();
      await t.close();
    }
  });
});
