/**
 * Issue 15, item 2: --from supabase. Supabase's auth.users CSV (the sample, with its BOM) and rows
 * written here for what the sample lacks (phone, bans, soft deletes, OAuth profiles); end to end on
 * each database with a bcrypt hash that verifies.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashSync } from '@node-rs/bcrypt';
import { supabaseFormat } from '../../src/cli/import/formats/supabase.ts';
import { csvHeader, csvLine } from '../../src/cli/import/formats/read/csv.ts';
import { useListeningApp } from '../helpers/app.ts';
import { DATABASES } from '../helpers/databases.ts';
import { api, byExternalId, fixture, readAll } from './helpers.ts';

const SAMPLE = fixture('supabase-auth-users.csv');
let dir = '';
let extra = '';
const BCRYPT = hashSync('password', 4);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'supabase-'));
  const header = await csvHeader(SAMPLE);
  const row = (values: Record<string, string>) => csvLine(header.map((name) => values[name] ?? ''));
  extra = join(dir, 'users.csv');
  await writeFile(
    extra,
    '\uFEFF' +
      csvLine(header) +
      row({ id: 'aaaaaaaa-0000-4000-8000-000000000001', email: 'pw@example.com', encrypted_password: BCRYPT, email_confirmed_at: '2024-03-04 12:12:24.9778+00', phone: '15551234567', last_sign_in_at: '2024-03-05 08:00:00+00', is_sso_user: 'false' }) +
      row({ id: 'aaaaaaaa-0000-4000-8000-000000000002', email: 'oauth@example.com', raw_user_meta_data: JSON.stringify({ full_name: 'O Auth', avatar_url: 'https://example.com/o.png', iss: 'https://accounts.google.com' }), raw_app_meta_data: JSON.stringify({ provider: 'google', providers: ['google'] }) }) +
      row({ id: 'aaaaaaaa-0000-4000-8000-000000000003', email: 'banned@example.com', banned_until: '2999-01-01 00:00:00+00', confirmation_token: 'secret-token' }) +
      row({ id: 'aaaaaaaa-0000-4000-8000-000000000004', email: 'gone@example.com', deleted_at: '2024-05-01 00:00:00+00' }),
  );
});
after(() => rm(dir, { recursive: true, force: true }));

describe('supabase format: mapping', () => {
  test('the sample: BOM and header read, bcrypt hash, confirmed e-mail, app metadata; defaults not reported', async () => {
    const { records, all } = await readAll(supabaseFormat, SAMPLE);
    assert.equal(all.length, 2);
    assert.equal(await supabaseFormat.count(SAMPLE, {}), 2);
    const first = byExternalId(records, '76b196c8-d5c4-4907-9746-ed06ef829a67');
    assert.deepEqual(first.operation.data, {
      email: 'test@test.com',
      email_verified: true,
      metadata: { app_metadata: { provider: 'email', providers: ['email'] } },
      active: true,
      password_hash: '$2a$10$9zQjO8IH4gX/jBn2j8WvquwtBrj8tK7t6FdGsx9nb7e8HzILjxl1m',
      password_hash_type: 'bcrypt',
      external_id: '76b196c8-d5c4-4907-9746-ed06ef829a67',
    });
    assert.deepEqual(first.unmapped, ['created_at', 'updated_at']);
  });

  test('phone gains its "+", OAuth profile names the user, bans and soft deletes are inactive with a note', async () => {
    const { records } = await readAll(supabaseFormat, extra);
    const pw = byExternalId(records, 'aaaaaaaa-0000-4000-8000-000000000001').operation.data;
    assert.equal(pw.phone, '+15551234567');
    assert.equal(pw.last_seen_at, '2024-03-05T08:00:00.000Z');
    const oauth = byExternalId(records, 'aaaaaaaa-0000-4000-8000-000000000002');
    assert.equal(oauth.operation.data.name, 'O Auth');
    assert.equal(oauth.operation.data.avatar_url, 'https://example.com/o.png');
    assert.equal(oauth.operation.data.email_verified, false);
    assert.equal(oauth.operation.data.password_hash, undefined);
    const banned = byExternalId(records, 'aaaaaaaa-0000-4000-8000-000000000003');
    assert.equal(banned.operation.data.active, false);
    assert.match(banned.notes.join(), /banned until 2999/);
    assert.deepEqual(banned.unmapped, ['confirmation_token']);
    const gone = byExternalId(records, 'aaaaaaaa-0000-4000-8000-000000000004');
    assert.equal(gone.operation.data.active, false);
    assert.match(gone.notes.join(), /soft-deleted/);
  });

  test('errors file: the input header, hash and tokens masked; read back, the redacted hash imports as pending', async () => {
    const { all } = await readAll(supabaseFormat, extra);
    const path = join(dir, 'errors.csv');
    const writer = supabaseFormat.errorsFile(path, extra);
    for (const r of all) writer.write(supabaseFormat.redact(r.source));
    await writer.close();
    const text = await readFile(path, 'utf8');
    assert.ok(!text.includes(BCRYPT) && !text.includes('secret-token'));
    const again = await readAll(supabaseFormat, path);
    assert.equal(again.records.length, 4);
    assert.equal(again.records[0]!.operation.data.password_migration_pending, true);
    assert.equal(again.records[0]!.operation.data.phone, '+15551234567');
  });
});

for (const kind of DATABASES) {
  describe(`supabase format end to end on ${kind.name}`, () => {
    const t = useListeningApp(kind);

    test('users arrive with their fields; the bcrypt hash verifies', async () => {
      const client = api(t.base);
      const records = [...(await readAll(supabaseFormat, SAMPLE)).records, ...(await readAll(supabaseFormat, extra)).records];
      const { results, summary } = await client.batch(records);
      assert.deepEqual(summary, { created: 6, updated: 0, unchanged: 0, deleted: 0, failed: 0 }, JSON.stringify(results.filter((r) => r.error)));
      const pw = results[2]!.user!;
      assert.equal(pw.phone, '+15551234567');
      assert.equal(pw.email_verified, true);
      assert.equal(await client.verify(pw.id, 'password'), true);
      assert.equal(await client.verify(pw.id, 'Password'), false);
      assert.deepEqual(results[3]!.user!.metadata, {
        user_metadata: { full_name: 'O Auth', avatar_url: 'https://example.com/o.png', iss: 'https://accounts.google.com' },
        app_metadata: { provider: 'google', providers: ['google'] },
      });
      assert.equal(results[4]!.user!.active, false);
    });
  });
}
