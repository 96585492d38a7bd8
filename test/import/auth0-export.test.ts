/**
 * Issue 15, item 2: --from auth0-export. Auth0's export NDJSON (plain and gzipped) joined by
 * lower-cased e-mail with the support hash file (JSON array as support sends it, and NDJSON);
 * database users without a hash are marked for the migration hook, social users are not; end to end
 * on each database with a joined bcrypt hash that verifies.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { auth0ExportFormat } from '../../src/cli/import/formats/auth0-export.ts';
import { useListeningApp } from '../helpers/app.ts';
import { DATABASES } from '../helpers/databases.ts';
import { api, byExternalId, fixture, readAll } from './helpers.ts';

const FILE = fixture('auth0-export.ndjson');
const SUPPORT = fixture('auth0-password-hashes.json');
// Auth0's schema page: this bcrypt hash is the password "hello".
const HELLO = '$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K';

let dir = '';
let ndjsonPasswords = '';
let gzipped = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'auth0-export-'));
  // The same support records as NDJSON, plus one for hello@example.com (in another case) with a known password.
  const support = JSON.parse(await readFile(SUPPORT, 'utf8')) as object[];
  ndjsonPasswords = join(dir, 'passwords.ndjson');
  await writeFile(ndjsonPasswords, [...support, { email: 'Hello@Example.com', connection: 'Username-Password-Authentication', passwordHash: HELLO }].map((r) => JSON.stringify(r)).join('\n'));
  gzipped = join(dir, 'export.json.gz');
  await writeFile(gzipped, gzipSync(await readFile(FILE)));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('auth0-export format: mapping', () => {
  test('joined by lower-cased e-mail with the support file (JSON array); unmatched database users are marked for migration', async () => {
    const { records, all } = await readAll(auth0ExportFormat, FILE, { passwords: SUPPORT });
    assert.equal(all.length, 5, 'the blank line is no record');
    const jane = byExternalId(records, 'auth0|6573765d9fa97e13efcc3221');
    assert.equal(jane.operation.data.password_hash, '$2b$10$OW1kjlVtGbGk1fbKG1TQeupVc9RyrA1gA4c8NN1uCNzyxMIA7EN.u');
    assert.equal(jane.operation.data.password_hash_type, 'bcrypt');
    assert.equal(jane.operation.data.last_seen_at, '2023-12-09T10:15:00.000Z');
    assert.deepEqual(jane.operation.data.metadata, { user_metadata: { newsletter: true } });
    assert.deepEqual(jane.unmapped.sort(), ['created_at', 'logins_count', 'nickname', 'updated_at']);
    const john = byExternalId(records, 'auth0|657353cd18710d662aeb4e9e');
    assert.equal(john.operation.data.password_hash, '$2b$10$o1bU5mlWpsft6RQFZeCfh.6.ixhdeH7fdfJCm2U1g.XX4Ojnxc3Hm', 'JohnDoe@Clerk.dev matches johndoe@clerk.dev');
    assert.equal(john.operation.data.active, false);
    const fiona = byExternalId(records, 'google-oauth2|109876543210123456789');
    assert.equal(fiona.operation.data.password_hash, undefined);
    assert.equal(fiona.operation.data.password_migration_pending, undefined, 'a social user never had a password here');
    assert.equal(fiona.operation.data.locale, 'en-GB');
    assert.deepEqual(fiona.unmapped, ['identities[0] (google-oauth2)']);
    const nomatch = byExternalId(records, 'auth0|nomatch0000000000000000');
    assert.equal(nomatch.operation.data.password_migration_pending, true);
    assert.match(nomatch.notes.join(), /no hash for this e-mail/);
  });

  test('without --passwords every database user is marked; NDJSON support files and gzipped exports read the same', async () => {
    const bare = await readAll(auth0ExportFormat, FILE);
    assert.deepEqual(bare.records.map((r) => r.operation.data.password_migration_pending ?? false), [true, true, false, true, true]);
    assert.match(bare.records[0]!.notes.join(), /no --passwords file/);
    const fromGzip = await readAll(auth0ExportFormat, gzipped, { passwords: ndjsonPasswords });
    assert.equal(byExternalId(fromGzip.records, 'auth0|hello000000000000000000').operation.data.password_hash, HELLO);
    assert.equal(byExternalId(fromGzip.records, 'auth0|6573765d9fa97e13efcc3221').operation.data.password_hash_type, 'bcrypt');
    assert.equal(await auth0ExportFormat.count(gzipped, {}), 5);
  });

  test('errors file is NDJSON that reads back the same', async () => {
    const { all } = await readAll(auth0ExportFormat, FILE);
    const path = join(dir, 'errors.ndjson');
    const writer = auth0ExportFormat.errorsFile(path, FILE);
    for (const r of all) writer.write(auth0ExportFormat.redact(r.source));
    await writer.close();
    const again = await readAll(auth0ExportFormat, path);
    assert.deepEqual(again.records.map((r) => r.operation), (await readAll(auth0ExportFormat, FILE)).records.map((r) => r.operation));
  });
});

for (const kind of DATABASES) {
  describe(`auth0-export format end to end on ${kind.name}`, () => {
    const t = useListeningApp(kind);

    test('the joined hash verifies; every user arrives with its fields', async () => {
      const client = api(t.base);
      const { records } = await readAll(auth0ExportFormat, FILE, { passwords: ndjsonPasswords });
      const { results, summary } = await client.batch(records);
      assert.deepEqual(summary, { created: 5, updated: 0, unchanged: 0, deleted: 0, failed: 0 }, JSON.stringify(results.filter((r) => r.error)));
      const byExt = (id: string) => results.find((r) => r.user?.external_id === id)!.user!;
      assert.equal(await client.verify(byExt('auth0|hello000000000000000000').id, 'hello'), true);
      assert.equal(await client.verify(byExt('auth0|hello000000000000000000').id, 'nope'), false);
      const fiona = byExt('google-oauth2|109876543210123456789');
      assert.equal(fiona.first_name, 'Fiona');
      assert.equal(fiona.locale, 'en-GB');
      assert.equal(fiona.password_set, false);
      assert.equal(byExt('auth0|657353cd18710d662aeb4e9e').email, 'JohnDoe@Clerk.dev');
      assert.equal(byExt('auth0|657353cd18710d662aeb4e9e').active, false);
    });
  });
}
