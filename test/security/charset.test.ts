/** Issue 12, item 1: JSON with a charset parameter is JSON on every door; another charset is a 415 naming it. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { DOORS } from '../helpers/doors.ts';
import { TEST_ADMIN_KEY, useTestApp } from '../helpers/app.ts';
import type { User } from '../../src/domain/user.ts';
import { charsetOf } from '../../src/http/json-body.ts';
import { userMaker } from '../helpers/users.ts';

// What OkHttp, .NET's StringContent, axios and browsers send, in the spellings seen in the wild.
const ACCEPTED = [
  'application/json; charset=utf-8',
  'application/json;charset=UTF-8',
  'Application/JSON; Charset="utf-8"',
  'application/json; charset=utf8',
  'application/merge-patch+json; charset=utf-8',
  'application/vnd.api+json;charset="UTF-8"',
];
const REFUSED: Array<[string, string]> = [
  ['application/json; charset=iso-8859-1', 'iso-8859-1'],
  ['application/json; charset="UTF-16"', 'utf-16'],
  ['application/merge-patch+json; charset=latin1', 'latin1'],
];

/** The name field each door's update accepts. */
const NAME_FIELD: Record<string, string> = { v1: 'first_name', workos: 'first_name', proficient: 'first_name', klaim: 'name', stateset: 'firstName', scim: 'displayName' };

function messageOf(body: Record<string, unknown>): string {
  const nested = body.error;
  if (typeof nested === 'object' && nested !== null) return String((nested as Record<string, unknown>).message);
  return String(body.message ?? body.detail);
}

test('charsetOf reads the parameter in any case, quoted or not', () => {
  assert.equal(charsetOf('application/json'), null);
  assert.equal(charsetOf('application/json; charset=UTF-8'), 'utf-8');
  assert.equal(charsetOf('application/json;Charset="utf-8"'), 'utf-8');
  assert.equal(charsetOf('application/json; foo=bar; CHARSET = latin1 '), 'latin1');
});

for (const kind of DATABASES) {
  describe(`JSON with a charset on ${kind.name}`, () => {
    const t = useTestApp(kind);

    const newUser = userMaker<User>(() => t, (n) => ({ email: `charset${n}@example.com`, external_id: `charset-${n}` }));

    for (const door of DOORS) {
      test(`${door.name}: utf-8 in any spelling updates the user; another charset is a 415 naming it`, async () => {
        const field = NAME_FIELD[door.name]!;
        for (const [i, contentType] of ACCEPTED.entries()) {
          const user = await newUser();
          const { method, url } = door.update(user);
          const value = `Zoë ${i}`;
          const res = await t.app.inject({ method, url, payload: Buffer.from(JSON.stringify({ [field]: value }), 'utf8'), headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': contentType } });
          assert.ok(res.statusCode >= 200 && res.statusCode < 300, `${contentType}: ${res.statusCode} ${res.body}`);
          const stored = await t.store.users.findById('test', user.id);
          assert.ok(stored?.first_name === value || stored?.name === value, `${contentType}: stored ${JSON.stringify(stored)}`);
        }
        for (const [contentType, charset] of REFUSED) {
          const user = await newUser();
          const { method, url } = door.update(user);
          const res = await t.app.inject({ method, url, payload: JSON.stringify({ [field]: 'x' }), headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': contentType } });
          assert.equal(res.statusCode, 415, `${contentType}: ${res.body}`);
          const body = res.json();
          assert.ok(door.isError(body), res.body);
          assert.ok(messageOf(body).includes(charset), `${contentType}: ${res.body}`);
          assert.equal((await t.store.users.findById('test', user.id))?.version, 1);
        }
      });
    }

    test('v1 create and a bodiless DELETE accept the charset too', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/v1/users',
        payload: JSON.stringify({ email: 'okhttp@example.com' }),
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json; charset=utf-8' },
      });
      assert.equal(created.statusCode, 201, created.body);
      const removed = await t.app.inject({
        method: 'DELETE',
        url: `/user_management/users/${created.json().id.replace(/^usr_/, 'user_')}`,
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json; charset=utf-8' },
      });
      assert.ok(removed.statusCode < 300, removed.body);
    });
  });
}
