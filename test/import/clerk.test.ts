/**
 * Issue 15, item 2: --from clerk. The dashboard CSV and the backend API JSON (Clerk's samples), and a
 * user per Clerk password_hasher (clerk-hashers.json) mapped to a Userplane hash; end to end on each
 * database, every hash of a family that exists verifies with its password.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { clerkFormat } from '../../src/cli/import/formats/clerk.ts';
import { SUPPORTED_HASH_TYPES } from '../../src/services/password-hashing/types.ts';
import { useListeningApp } from '../helpers/app.ts';
import { DATABASES } from '../helpers/databases.ts';
import { api, byExternalId, fixture, readAll } from './helpers.ts';

const CSV = fixture('clerk-dashboard.csv');
const JSON_FILE = fixture('clerk-backend-api.json');
const HASHERS = fixture('clerk-hashers.json');

/** The password of each hasher's user in clerk-hashers.json (published vectors where they exist). */
const PASSWORDS: Record<string, string> = {
  md5_phpass: 'test12345', // Openwall phpass test.php
  phpass: 'test12345',
  pbkdf2_sha256_django: 'lètmein', // Django's test_hashers.py
  scrypt_firebase: 'user1password', // firebase/scrypt README
};
const passwordOf = (hasher: string) => PASSWORDS[hasher] ?? 'password';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clerk-'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('clerk format: mapping', () => {
  test('dashboard CSV: names, e-mail, metadata kinds (JSON cells); a hasher without a digest sets no password', async () => {
    const { records, all } = await readAll(clerkFormat, CSV);
    assert.equal(all.length, 4);
    assert.equal(await clerkFormat.count(CSV, {}), 4);
    const jane = byExternalId(records, 'user_2YDryYFVMM1W1plDDKz7Gzf4we6');
    assert.deepEqual(jane.operation.data, { email: 'janedoe@clerk.dev', first_name: 'Jane', last_name: 'Doe', external_id: 'user_2YDryYFVMM1W1plDDKz7Gzf4we6' });
    const john = byExternalId(records, 'user_2ZZCgLE7kJG2CRBxTZ6YUIvzS10');
    assert.deepEqual(john.operation.data.metadata, { public_metadata: { discord: { step: 'final' } } });
    assert.deepEqual(john.unmapped, []);
  });

  test('backend API JSON: primary e-mail, the other addresses reported, three metadata kinds, image', async () => {
    const { records } = await readAll(clerkFormat, JSON_FILE);
    const jane = byExternalId(records, 'user_2fTPmPJJGj6SZV1e8xN7yapuoim');
    assert.equal(jane.operation.data.email, 'janedoe@gmail.com');
    assert.deepEqual(jane.unmapped, ['email_addresses[0]']);
    assert.deepEqual(jane.operation.data.metadata, {
      public_metadata: { username: 'janedoe' },
      private_metadata: { username: 'janedoe' },
      unsafe_metadata: { username: 'janedoe' },
    });
    assert.match(String(jane.operation.data.avatar_url), /^https:\/\/img\.clerk\.com\//);
  });

  test('Clerk API objects: verification status and primary ids are read', async () => {
    const path = join(dir, 'objects.json');
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(
        path,
        JSON.stringify({
          data: [
            {
              id: 'user_obj',
              external_id: 'legacy-42',
              primary_email_address_id: 'idn_2',
              email_addresses: [
                { id: 'idn_1', email_address: 'old@example.com', verification: { status: 'unverified' } },
                { id: 'idn_2', email_address: 'new@example.com', verification: { status: 'verified' } },
              ],
              primary_phone_number_id: 'idn_3',
              phone_numbers: [{ id: 'idn_3', phone_number: '+1 415 555 0123', verification: { status: 'verified' } }],
              banned: true,
              totp_secret: 'JBSWY3DPEHPK3PXP',
            },
          ],
        }),
      ),
    );
    const { records } = await readAll(clerkFormat, path);
    const user = records[0]!;
    assert.equal(user.operation.data.external_id, 'legacy-42', "the record's own external_id wins");
    assert.equal(user.operation.data.email, 'new@example.com');
    assert.equal(user.operation.data.email_verified, true);
    assert.equal(user.operation.data.phone, '+14155550123');
    assert.equal(user.operation.data.active, false);
    assert.deepEqual(user.unmapped.sort(), ['email_addresses[0]', 'id', 'totp_secret']);
    assert.equal((clerkFormat.redact(user.source) as Record<string, unknown>).totp_secret, '[redacted]');
  });

  test('each Clerk hasher becomes a Userplane hash; an unknown hasher is a failure naming the ones that work', async () => {
    const { records, unreadable } = await readAll(clerkFormat, HASHERS);
    const typeOf = (hasher: string) => byExternalId(records, `user_hasher_${hasher}`).operation.data;
    const expected: Record<string, string> = {
      argon2id: 'argon2', bcrypt: 'bcrypt', bcrypt_sha256_django: 'django_bcrypt_sha256', ldap_ssha: 'ldap', md5: 'md5', md5_phpass: 'phpass',
      pbkdf2_sha256: 'pbkdf2', pbkdf2_sha256_django: 'django_pbkdf2_sha256', pbkdf2_sha1: 'pbkdf2', phpass: 'phpass',
      scrypt_firebase: 'firebase-scrypt', scrypt_werkzeug: 'werkzeug', sha256: 'sha256',
    };
    for (const [hasher, type] of Object.entries(expected)) assert.equal(typeOf(hasher).password_hash_type, type, hasher);
    assert.equal(typeOf('md5').password_hash, `$md5$${Buffer.from('5f4dcc3b5aa765d61d8327deb882cf99', 'hex').toString('base64')}`);
    assert.equal(typeOf('sha256').password_hash, `$sha256$${Buffer.from('5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8', 'hex').toString('base64')}`);
    assert.match(String(typeOf('pbkdf2_sha1').password_hash), /^\$pbkdf2\$i=10000,d=sha1\$c2FsdHk=\$/);
    assert.match(String(typeOf('scrypt_firebase').password_hash), /^\$firebase-scrypt\$hash=lSrf.*\$ss=Bw==\$r=8\$m=14$/);
    assert.match(String(typeOf('scrypt_werkzeug').password_hash), /^scrypt:32768:8:1\$wz5alt\$[0-9a-f]{128}$/);
    assert.equal(unreadable.length, 1);
    assert.match(unreadable[0]!.reason, /password_hasher "sha512_symfony"/);
  });

  test('errors files: CSV keeps the header and masks the hash column; JSON stays an array; both read back', async () => {
    for (const [file, name] of [[CSV, 'errors.csv'], [HASHERS, 'errors.json']] as const) {
      const { all } = await readAll(clerkFormat, file);
      const path = join(dir, name);
      const writer = clerkFormat.errorsFile(path, file);
      for (const r of all) writer.write(clerkFormat.redact(r.source));
      await writer.close();
      const text = await readFile(path, 'utf8');
      assert.ok(!text.includes('5f4dcc3b5aa765d61d8327deb882cf99'), 'hash redacted');
      if (name === 'errors.csv') assert.equal(text.split('\n')[0], (await readFile(file, 'utf8')).split('\n')[0]);
      const again = await readAll(clerkFormat, path);
      assert.equal(again.all.length, all.length);
    }
  });
});

for (const kind of DATABASES) {
  describe(`clerk format end to end on ${kind.name}`, () => {
    const t = useListeningApp(kind);

    test('every hash of a family the server has verifies with its password; sample users arrive', async () => {
      const client = api(t.base);
      const { records } = await readAll(clerkFormat, HASHERS);
      const sendable = records.filter((r) => (SUPPORTED_HASH_TYPES as readonly string[]).includes(r.operation.data.password_hash_type as string));
      assert.ok(sendable.length >= 10, `${sendable.length}`);
      const { results, summary } = await client.batch(sendable);
      assert.equal(summary.failed, 0, JSON.stringify(results.filter((r) => r.error)));
      for (const [i, record] of sendable.entries()) {
        const hasher = String(record.source && (record.source as Record<string, unknown>).password_hasher);
        assert.equal(await client.verify(results[i]!.user!.id, passwordOf(hasher)), true, hasher);
      }
      assert.equal(await client.verify(results[0]!.user!.id, 'not-it'), false);

      const samples = [...(await readAll(clerkFormat, CSV)).records, ...(await readAll(clerkFormat, JSON_FILE)).records];
      const sent = await client.batch(samples);
      // The two samples share johndoe@gmail.com under different Clerk ids: the second is a 409, not a duplicate.
      assert.deepEqual(sent.summary, { created: 5, updated: 0, unchanged: 0, deleted: 0, failed: 1 });
      assert.equal(sent.results[4]!.status, 409);
      assert.ok(sent.results[4]!.error!.details!.email);
      const john = sent.results[1]!.user!;
      assert.deepEqual(john.metadata, { public_metadata: { discord: { step: 'final' } } });
    });
  });
}
