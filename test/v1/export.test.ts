/**
 * Issue 15, item 4: GET /v1/users/export on each database (admin only, NDJSON in creation order,
 * identities, hashes only when asked, every export in the audit log), and the round trip: export
 * from one Userplane, import into a fresh one, and every user, field, identity and password is the
 * same there.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { hashSync } from '@node-rs/bcrypt';
import { exportCommand } from '../../src/cli/import/export-command.ts';
import { userplaneFormat } from '../../src/cli/import/formats/userplane.ts';
import { runImport } from '../../src/cli/import/runner.ts';
import { DATABASES } from '../helpers/databases.ts';
import { TEST_ADMIN_KEY, useListeningApp, type TestApp } from '../helpers/app.ts';
import { createUser } from '../helpers/users.ts';
import { tempDir } from '../import/userplane-files.ts';

let n = 0;
const unique = (prefix: string) => `${prefix}${process.pid}x${++n}`;

const ndjson = (text: string) =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, any>);

async function exportOf(t: TestApp, query = '', key?: string) {
  const res = await t.request({ method: 'GET', url: `/v1/users/export${query}`, key });
  return { res, lines: res.statusCode === 200 ? ndjson(res.body) : [] };
}

/** A user as the round trip must keep it: without what the target assigns itself. */
function comparable(line: Record<string, any>) {
  const { id: _id, created_at: _c, updated_at: _u, version: _v, source: _s, external_id, identities, ...rest } = line;
  return {
    ...rest,
    external_id: external_id ?? undefined,
    identities: (identities as Array<Record<string, unknown>>).map(({ provider, provider_user_id, email }) => ({ provider, provider_user_id, email })),
  };
}

for (const kind of DATABASES) {
  describe(`GET /v1/users/export on ${kind.name}`, () => {
    const source = useListeningApp(kind);
    const target = useListeningApp(kind);

    test('admin only; NDJSON in creation order with identities and a trailer; hashes only when asked; each export is audited', async () => {
      const a = await createUser(source, { email: `${unique('e')}@example.com` });
      const b = await createUser(source, { username: unique('exp'), metadata: { plan: 'pro' } });
      await source.request({ method: 'POST', url: `/v1/users/${a.id}/password`, payload: { password: 'a long enough password' } });
      await source.request({ method: 'POST', url: `/v1/users/${b.id}/identities`, payload: { provider: 'github', provider_user_id: unique('gh'), email: 'b@example.com' } });

      const write = await source.key(['read', 'write']);
      assert.equal((await exportOf(source, '', write)).res.statusCode, 403, 'the write scope may not export');
      assert.equal((await exportOf(source, '?include_password_hashes=sometimes')).res.statusCode, 400);

      const plain = await exportOf(source);
      assert.equal(plain.res.statusCode, 200);
      assert.match(String(plain.res.headers['content-type']), /^application\/x-ndjson/);
      const trailer = plain.lines.pop()!;
      assert.deepEqual(trailer, { object: 'export', users: plain.lines.length, password_hashes: false });
      const ids = plain.lines.map((line) => line.id as string);
      assert.deepEqual(ids, [...ids].sort(), 'creation order');
      assert.ok(ids.indexOf(a.id) < ids.indexOf(b.id));
      assert.ok(plain.lines.every((line) => !('password_hash' in line)), 'no hash without include_password_hashes');
      const lineB = plain.lines.find((line) => line.id === b.id)!;
      assert.deepEqual(lineB.metadata, { plan: 'pro' });
      assert.equal(lineB.identities[0].provider, 'github');

      const withHashes = await exportOf(source, '?include_password_hashes=true');
      const lineA = withHashes.lines.find((line) => line.id === a.id)!;
      assert.equal(lineA.password_hash_type, 'argon2');
      assert.match(lineA.password_hash, /^\$argon2id\$/);
      assert.equal('password_hash' in withHashes.lines.find((line) => line.id === b.id)!, false, 'a user without a password has no hash');

      // The audit log: user_events' user_id is the event's subject, here the whole environment.
      const audit = await source.store.events.listForUser('test', 'environment', { limit: 10 });
      assert.deepEqual(
        audit.items.slice(0, 2).map((event) => [event.type, event.changes.password_hashes?.current]),
        [['users.exported', 'included'], ['users.exported', 'omitted']],
      );
    });

    test('round trip: export from one Userplane, import into a fresh one: every user, field, identity and password the same', async () => {
      const bcryptHash = hashSync('imported from elsewhere', 4);
      const full = await createUser(source, {
        email: `${unique('full')}@example.com`,
        email_verified: true,
        username: unique('full'),
        first_name: 'Ada',
        last_name: 'Lovelace',
        name: 'Ada L.',
        locale: 'en-GB',
        phone: '+442071234567',
        avatar_url: 'https://example.com/a.png',
        bio: 'Analyst',
        country: 'GB',
        organization: 'Engines',
        title: 'Countess',
        active: false,
        metadata: { plan: 'pro', nested: { depth: [1, 2, 3] } },
        external_id: unique('ext'),
      });
      await source.request({ method: 'POST', url: `/v1/users/${full.id}/password`, payload: { password: 'the analytical engine' } });
      await source.request({ method: 'POST', url: `/v1/users/${full.id}/identities`, payload: { provider: 'google', provider_user_id: unique('g'), email: full.email } });
      const hashed = await source.request({
        method: 'POST',
        url: '/v1/users/batch',
        payload: { operations: [{ op: 'create', data: { email: `${unique('bc')}@example.com`, password_hash: bcryptHash, password_hash_type: 'bcrypt' } }] },
      });
      const legacy = hashed.json().results[0].user;

      const dir = tempDir();
      const file = join(dir, 'export.ndjson');
      const code = await exportCommand({ url: source.base, key: TEST_ADMIN_KEY, out: file, includePasswordHashes: true });
      assert.equal(code, 0);
      const exported = ndjson(readFileSync(file, 'utf8')).filter((line) => line.object === 'user');

      const summary = await runImport({ file, format: userplaneFormat, formatOptions: {}, url: target.base, key: TEST_ADMIN_KEY, dryRun: false, resume: false });
      assert.deepEqual([summary.created, summary.failed], [exported.length, 0]);

      const imported = (await exportOf(target, '?include_password_hashes=true')).lines.filter((line) => line.object === 'user');
      assert.equal(imported.length, exported.length, 'every user');
      for (const [i, before] of exported.entries()) {
        const afterwards = imported[i]!;
        // Creation order is kept; a user without an external_id gets its source id as one (how a re-import finds it).
        assert.deepEqual(comparable(afterwards), comparable({ ...before, external_id: before.external_id ?? before.id }), `user ${before.id}`);
        assert.equal(afterwards.password_hash, before.password_hash, `hash of ${before.id} exactly as stored`);
      }

      const idOf = (externalId: string) => imported.find((line) => line.external_id === externalId)!.id as string;
      const verify = async (id: string, password: string) =>
        (await target.request({ method: 'POST', url: `/v1/users/${id}/password/verify`, payload: { password } })).json().verified;
      assert.equal(await verify(idOf(full.external_id), 'the analytical engine'), true);
      assert.equal(await verify(idOf(full.external_id), 'the difference engine'), false);
      assert.equal(await verify(idOf(legacy.id), 'imported from elsewhere'), true, 'a legacy bcrypt hash verifies the same');

      const again = await runImport({ file, format: userplaneFormat, formatOptions: {}, url: target.base, key: TEST_ADMIN_KEY, dryRun: false, resume: false });
      assert.equal(again.created + again.updated, 0, 'importing the export again changes nothing');
    });
  });
}
