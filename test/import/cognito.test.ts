/**
 * Issue 15, item 2: --from cognito. The one-user-per-file samples (a folder and single files) and the
 * AWS CLI's ListUsers page; no hashes exist there, so users who had a password are marked for the
 * migration hook and federated ones are not; end to end on each database.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cognitoFormat } from '../../src/cli/import/formats/cognito.ts';
import { useListeningApp } from '../helpers/app.ts';
import { DATABASES } from '../helpers/databases.ts';
import { api, byExternalId, fixture, readAll } from './helpers.ts';

const FOLDER = fixture('cognito');
const LIST = fixture('cognito-list-users.json');
let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cognito-'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('cognito format: mapping', () => {
  test('a folder of one-user files: every sample, in name order, with its fields', async () => {
    const { records, all } = await readAll(cognitoFormat, FOLDER);
    assert.equal(all.length, 12);
    assert.equal(records.length, 12);
    assert.equal(await cognitoFormat.count(FOLDER, {}), 12);
    const alice = byExternalId(records, '5a3b2c1d-0000-4000-8000-abcdef123456');
    assert.deepEqual(alice.operation.data, {
      email: 'alice@example.com',
      email_verified: true,
      first_name: 'Alice',
      last_name: 'Smith',
      active: true,
      password_migration_pending: true,
      external_id: '5a3b2c1d-0000-4000-8000-abcdef123456',
    });
    assert.deepEqual(alice.unmapped, [], 'the username repeats the e-mail; phone_number_verified "false" says nothing');
    assert.match(alice.notes.join(), /migration hook/);
  });

  test('federated users: no password, custom attributes as metadata, identities and the IdP username reported', async () => {
    const { records } = await readAll(cognitoFormat, FOLDER);
    const dave = byExternalId(records, 'abc12345-6789-0abc-def1-23456789abcd');
    assert.equal(dave.operation.data.password_migration_pending, undefined);
    assert.equal(dave.operation.data.username, undefined);
    assert.deepEqual(dave.operation.data.metadata, { custom_attributes: { department: 'Sales', location: 'London', title: 'Sr. Account Executive', user_status: 'Active', user_type: 'FullTime' } });
    assert.deepEqual(dave.unmapped, ['username']);
    const bob = byExternalId(records, '9f8e7d6c-5432-4321-8765-fedcba098765');
    assert.deepEqual(bob.unmapped.sort(), ['attributes.identities', 'username']);
    const fiona = byExternalId(records, '55667788-9900-aabb-ccdd-eeff00112233');
    assert.equal(fiona.operation.data.avatar_url, 'https://lh3.googleusercontent.com/a/placeholder');
  });

  test('edge cases: no sub (the username stands in), no e-mail (phone only), Unicode names', async () => {
    const { records } = await readAll(cognitoFormat, FOLDER);
    const nosub = byExternalId(records, 'nosub-user');
    assert.equal(nosub.operation.data.username, 'nosub-user');
    assert.match(nosub.notes.join(), /no sub/);
    const phoneOnly = byExternalId(records, 'deadbeef-0000-1111-2222-333344445555');
    assert.equal(phoneOnly.operation.data.phone, '+15551234567');
    assert.equal(phoneOnly.operation.data.email, undefined);
    assert.equal(phoneOnly.operation.data.email_verified, undefined);
    assert.equal(byExternalId(records, '12345678-aaaa-bbbb-cccc-dddd00000000').operation.data.last_name, 'García López');
    const single = await readAll(cognitoFormat, join(FOLDER, 'edge-unicode.json'));
    assert.equal(single.records[0]!.operation.data.first_name, 'María');
  });

  test('the AWS CLI ListUsers page: Name/Value attributes, "false" strings, disabled users', async () => {
    const { records } = await readAll(cognitoFormat, LIST);
    assert.equal(await cognitoFormat.count(LIST, {}), 2);
    const first = byExternalId(records, '22704aa3-fc10-479a-97eb-2af5806bd327');
    assert.equal(first.operation.data.email_verified, true);
    assert.equal(first.operation.data.locale, 'de-DE');
    assert.equal(first.operation.data.username, undefined, 'a username equal to the sub is no sign-in name');
    assert.deepEqual(first.operation.data.metadata, { custom_attributes: { plan: 'pro' } });
    assert.deepEqual(first.unmapped.sort(), ['UserCreateDate', 'UserLastModifiedDate', 'attributes.zoneinfo']);
    const jdoe = byExternalId(records, '6c3a3b1e-0d2e-4a7b-9a55-2f3c4d5e6f70');
    assert.equal(jdoe.operation.data.email_verified, false);
    assert.equal(jdoe.operation.data.active, false);
    assert.equal(jdoe.operation.data.username, 'jdoe');
    assert.match(jdoe.notes.join(), /UNCONFIRMED/);
  });

  test('errors file: {"Users": […]} that reads back the same', async () => {
    const { all } = await readAll(cognitoFormat, FOLDER);
    const path = join(dir, 'errors.json');
    const writer = cognitoFormat.errorsFile(path, FOLDER);
    for (const r of all) writer.write(cognitoFormat.redact(r.source));
    await writer.close();
    assert.equal(JSON.parse(await readFile(path, 'utf8')).Users.length, 12);
    const again = await readAll(cognitoFormat, path);
    assert.deepEqual(again.records.map((r) => r.operation), all.map((r) => ('operation' in r ? r.operation : null)));
  });
});

for (const kind of DATABASES) {
  describe(`cognito format end to end on ${kind.name}`, () => {
    const t = useListeningApp(kind);

    test('every sample user arrives without a password; fields and custom attributes land', async () => {
      const client = api(t.base);
      const records = [...(await readAll(cognitoFormat, FOLDER)).records, ...(await readAll(cognitoFormat, LIST)).records];
      const { results, summary } = await client.batch(records);
      assert.deepEqual(summary, { created: 14, updated: 0, unchanged: 0, deleted: 0, failed: 0 }, JSON.stringify(results.filter((r) => r.error)));
      for (const r of results) assert.equal(r.user!.password_set, false);
      const dave = results.find((r) => r.user!.external_id === 'abc12345-6789-0abc-def1-23456789abcd')!.user!;
      assert.equal(dave.first_name, 'Dave');
      assert.deepEqual(dave.metadata, { custom_attributes: { department: 'Sales', location: 'London', title: 'Sr. Account Executive', user_status: 'Active', user_type: 'FullTime' } });
      const again = await client.batch(records);
      assert.deepEqual(again.summary, { created: 0, updated: 0, unchanged: 14, deleted: 0, failed: 0 }, 'a second run changes nothing');
    });
  });
}
