/**
 * Issue 15, item 2: --from kratos. Ory Kratos identities: traits, verified addresses, state, both
 * metadata kinds, external_id, password hashes (bcrypt/argon2 as Userplane's own types, every other
 * Kratos string as the ory type), other credentials reported; end to end on each database.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kratosFormat, kratosHash } from '../../src/cli/import/formats/kratos.ts';
import { SUPPORTED_HASH_TYPES } from '../../src/services/password-hashing/types.ts';
import { useListeningApp } from '../helpers/app.ts';
import { DATABASES } from '../helpers/databases.ts';
import { api, byExternalId, fixture, readAll } from './helpers.ts';

const FILE = fixture('kratos-identities.json');
let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kratos-'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('kratos format: mapping', () => {
  test('traits, verification, metadata kinds and the hash', async () => {
    const { records, all } = await readAll(kratosFormat, FILE);
    assert.equal(all.length, 5);
    assert.equal(await kratosFormat.count(FILE, {}), 5);
    const first = byExternalId(records, '7a3e4f0c-1d2b-4c5a-9e8f-0a1b2c3d4e5f');
    const { password_hash, ...data } = first.operation.data;
    assert.match(String(password_hash), /^\$2b\$10\$/);
    assert.deepEqual(data, {
      email: 'ory-bcrypt@example.com',
      first_name: 'Ory',
      last_name: 'Bcrypt',
      email_verified: true,
      active: true,
      password_hash_type: 'bcrypt',
      external_id: '7a3e4f0c-1d2b-4c5a-9e8f-0a1b2c3d4e5f',
      metadata: { metadata_public: { plan: 'team' }, metadata_admin: { crm_id: 'C-1001' } },
    });
    assert.deepEqual(first.unmapped, ['traits.newsletter', 'created_at']);
    const argon = byExternalId(records, '8b4f5a1d-2e3c-4d6b-8f90-1b2c3d4e5f60');
    assert.equal(argon.operation.data.password_hash_type, 'argon2');
    assert.equal(argon.operation.data.email_verified, false);
    assert.equal(argon.operation.data.username, 'ory_argon2');
    assert.deepEqual(byExternalId(records, '9c5a6b2e-3f4d-4e7c-9a01-2c3d4e5f6071').operation.data.password_hash_type, 'ory');
  });

  test("Kratos's own external_id wins (its id reported); inactive state; social credentials reported; clear-text passwords refused", async () => {
    const { records, unreadable } = await readAll(kratosFormat, FILE);
    const social = byExternalId(records, 'legacy-7');
    assert.equal(social.operation.data.active, false);
    assert.equal(social.operation.data.name, 'Ory Social');
    assert.equal(social.operation.data.phone, '+49301234567');
    assert.deepEqual(social.unmapped.sort(), ['credentials.oidc (github)', 'id']);
    assert.equal(unreadable.length, 1);
    assert.match(unreadable[0]!.reason, /clear-text/);
  });

  test('every Kratos hash string other than bcrypt/argon2 goes as the ory type, untouched', () => {
    for (const hash of ['$md5$CY9rzUYh03PK3k6DJie09g==', '$sha256$pf=e1NBTFR9e1BBU1NXT1JEfQ==$c2FsdA==$aGFzaA==', '{SSHA}abc', '$firescrypt$ln=14,r=8,p=1$a$b$c$d', '$hmac-sha1$YQ==$Yg==']) {
      assert.deepEqual(kratosHash(hash), { hash, type: 'ory' });
    }
  });

  test('redacted errors file reads back; the redacted identity is marked for migration', async () => {
    const { all } = await readAll(kratosFormat, FILE);
    const path = join(dir, 'errors.json');
    const writer = kratosFormat.errorsFile(path, FILE);
    for (const r of all) writer.write(kratosFormat.redact(r.source));
    await writer.close();
    const text = await readFile(path, 'utf8');
    assert.ok(!text.includes('$2b$10$') && !text.includes('CY9rzUYh') && !text.includes('clear-text-password'));
    const again = await readAll(kratosFormat, path);
    assert.equal(again.records.length, 5);
    assert.equal(again.records[0]!.operation.data.password_migration_pending, true);
  });
});

for (const kind of DATABASES) {
  describe(`kratos format end to end on ${kind.name}`, () => {
    const t = useListeningApp(kind);

    test('identities arrive; bcrypt and argon2 hashes verify', async () => {
      const client = api(t.base);
      const { records } = await readAll(kratosFormat, FILE);
      const sendable = records.filter((r) => r.operation.data.password_hash_type === undefined || (SUPPORTED_HASH_TYPES as readonly string[]).includes(r.operation.data.password_hash_type as string));
      const { results, summary } = await client.batch(sendable);
      assert.equal(summary.failed, 0, JSON.stringify(results.filter((r) => r.error)));
      const user = (ext: string) => results.find((r) => r.user!.external_id === ext)!.user!;
      assert.equal(await client.verify(user('7a3e4f0c-1d2b-4c5a-9e8f-0a1b2c3d4e5f').id, 'password'), true);
      assert.equal(await client.verify(user('8b4f5a1d-2e3c-4d6b-8f90-1b2c3d4e5f60').id, 'password'), true);
      assert.equal(await client.verify(user('8b4f5a1d-2e3c-4d6b-8f90-1b2c3d4e5f60').id, 'passw0rd'), false);
      assert.deepEqual(user('7a3e4f0c-1d2b-4c5a-9e8f-0a1b2c3d4e5f').metadata, { metadata_public: { plan: 'team' }, metadata_admin: { crm_id: 'C-1001' } });
      assert.equal(user('legacy-7').active, false);
    });
  });
}
