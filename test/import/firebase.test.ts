/**
 * Issue 15, item 2: --from firebase. `firebase auth:export` JSON and CSV map alike; with
 * --hash-config each passwordHash becomes a firebase-scrypt hash, and the firebase/scrypt README's
 * account verifies with its password end to end on each database.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { firebaseFormat, parseHashConfig } from '../../src/cli/import/formats/firebase.ts';
import { useListeningApp } from '../helpers/app.ts';
import { DATABASES } from '../helpers/databases.ts';
import { api, byExternalId, fixture, readAll } from './helpers.ts';

const JSON_FILE = fixture('firebase-users.json');
const CSV_FILE = fixture('firebase-users.csv');
const CONFIG = fixture('firebase-hash-config.json');
const README_HASH =
  '$firebase-scrypt$hash=lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==$salt=42xEC+ixf3L2lw==' +
  '$sk=jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==$ss=Bw==$r=8$m=14';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firebase-'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('firebase format: mapping', () => {
  test('JSON: fields, custom claims as metadata, providers reported, the hash with the project parameters', async () => {
    const { records } = await readAll(firebaseFormat, JSON_FILE, { hashConfig: CONFIG });
    const user1 = byExternalId(records, 'Ky1x2ZzEjQ2cu9EEONGRFB0LAJp2');
    assert.deepEqual(user1.operation.data, {
      email: 'user1@test.com',
      email_verified: false,
      name: 'User One',
      active: true,
      last_seen_at: '2017-09-14T20:51:40.000Z',
      password_hash: README_HASH,
      password_hash_type: 'firebase-scrypt',
      external_id: 'Ky1x2ZzEjQ2cu9EEONGRFB0LAJp2',
      metadata: { custom_attributes: { admin: true, tier: 'gold' } },
    });
    assert.deepEqual(user1.unmapped, ['createdAt']);
    const grace = byExternalId(records, 'aXb7kLmN0pQrStUvWxYz12345678');
    assert.equal(grace.operation.data.active, false);
    assert.equal(grace.operation.data.phone, '+15555550100');
    assert.equal(grace.operation.data.avatar_url, 'https://lh3.googleusercontent.com/a/grace');
    assert.equal(grace.operation.data.password_hash, undefined);
    assert.equal(grace.operation.data.password_migration_pending, undefined);
    assert.deepEqual(grace.unmapped, ['providerUserInfo[0] (google.com)', 'createdAt']);
  });

  test('CSV (28 values, trailing comma) maps as the JSON does; a short line is a failure with the reason', async () => {
    const fromJson = await readAll(firebaseFormat, JSON_FILE, { hashConfig: CONFIG });
    const fromCsv = await readAll(firebaseFormat, CSV_FILE, { hashConfig: CONFIG });
    assert.equal(fromCsv.all.length, 3);
    assert.deepEqual(fromCsv.records.map((r) => r.operation), fromJson.records.map((r) => r.operation));
    assert.match(fromCsv.unreadable[0]!.reason, /28 values/);
    assert.equal(fromCsv.unreadable[0]!.ordinal, 2);
    assert.equal(await firebaseFormat.count(CSV_FILE, {}), 3);
    assert.equal(await firebaseFormat.count(JSON_FILE, {}), 2);
  });

  test('without --hash-config a user with a hash is marked for the migration hook, with a note', async () => {
    const { records } = await readAll(firebaseFormat, JSON_FILE);
    const user1 = records[0]!;
    assert.equal(user1.operation.data.password_hash, undefined);
    assert.equal(user1.operation.data.password_migration_pending, true);
    assert.match(user1.notes.join(), /--hash-config/);
  });

  test("the console's own hash_config text is read too; another algorithm is refused", () => {
    const text = 'hash_config {\n  algorithm: SCRYPT,\n  base64_signer_key: jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==,\n  base64_salt_separator: Bw==,\n  rounds: 8,\n  mem_cost: 14,\n}';
    assert.deepEqual(parseHashConfig(text), { signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==', saltSeparator: 'Bw==', rounds: 8, memCost: 14 });
    assert.throws(() => parseHashConfig('{"algorithm":"HMAC_SHA256"}'), /only SCRYPT/);
  });

  test('errors files keep the input shape (JSON with "users", CSV without header), redacted, and read back', async () => {
    for (const [file, name] of [[JSON_FILE, 'errors.json'], [CSV_FILE, 'errors.csv']] as const) {
      const { all } = await readAll(firebaseFormat, file, { hashConfig: CONFIG });
      const path = join(dir, name);
      const writer = firebaseFormat.errorsFile(path, file);
      for (const r of all) writer.write(firebaseFormat.redact(r.source));
      await writer.close();
      const text = await readFile(path, 'utf8');
      assert.ok(!text.includes('lSrfV15'), 'hash redacted');
      assert.ok(!text.includes('42xEC'), 'salt redacted');
      const again = await readAll(firebaseFormat, path, { hashConfig: CONFIG });
      assert.equal(again.all.length, all.length, name);
      assert.equal(again.records[0]!.operation.data.password_migration_pending, true, name);
      assert.deepEqual(again.records[1]!.operation, (await readAll(firebaseFormat, file)).records[1]!.operation, name);
    }
    await writeFile(join(dir, 'unused'), '');
  });
});

for (const kind of DATABASES) {
  describe(`firebase format end to end on ${kind.name}`, () => {
    const t = useListeningApp(kind);

    test('the firebase/scrypt README account verifies with user1password; fields arrive', async () => {
      const client = api(t.base);
      const { records } = await readAll(firebaseFormat, CSV_FILE, { hashConfig: CONFIG });
      const { results, summary } = await client.batch(records);
      assert.deepEqual(summary, { created: 2, updated: 0, unchanged: 0, deleted: 0, failed: 0 }, JSON.stringify(results));
      const [user1, grace] = results.map((r) => r.user!);
      assert.equal(await client.verify(user1!.id, 'user1password'), true);
      assert.equal(await client.verify(user1!.id, 'user2password'), false);
      assert.deepEqual(user1!.metadata, { custom_attributes: { admin: true, tier: 'gold' } });
      assert.equal(user1!.last_seen_at, '2017-09-14T20:51:40.000Z');
      assert.equal(grace!.active, false);
      assert.equal(grace!.name, 'Grace Hopper');
      assert.equal(grace!.email_verified, true);
    });
  });
}
