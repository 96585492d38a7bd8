/** Issue 5: hostile input at every door — each refused in the door's own format, nothing written, never a 5xx. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { DOORS } from '../helpers/doors.ts';
import { TEST_ADMIN_KEY, useTestApp } from '../helpers/app.ts';
import type { User } from '../../src/domain/user.ts';
import { userMaker } from '../helpers/users.ts';

for (const kind of DATABASES) {
  describe(`hostile input on ${kind.name}`, () => {
    const t = useTestApp(kind);

    const newUser = userMaker<User>(() => t, (n) => ({ email: `hostile${n}@example.com`, external_id: `hostile-${n}`, first_name: 'Keep' }));
    async function raw(door: (typeof DOORS)[number], user: User, body: string | Buffer, contentType = 'application/json') {
      const { method, url } = door.update(user);
      return t.app.inject({ method, url, payload: body, headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': contentType } });
    }
    async function versionOf(user: User) {
      return (await t.store.users.findById('test', user.id))?.version;
    }

    for (const door of DOORS) {
      describe(door.name, () => {
        // A body that is JSON but not an object fails validation: 400, or 422 where the door says so (WorkOS).
        const cases: Array<[string, string | Buffer, number, string?]> = [
          ['a body over 64 KiB', JSON.stringify({ [door.fields[0]!]: 'x'.repeat(70 * 1024) }), 413],
          ['a body that is not JSON', 'first_name=x', 415, 'text/plain'],
          ['JSON in another charset', '{}', 415, 'application/json; charset=latin1'],
          ['malformed JSON', '{"first_name": ', 400],
          ['invalid UTF-8', Buffer.concat([Buffer.from('{"first_name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]), 400],
          ['duplicate keys', '{"first_name":"a","first_name":"b"}', 400],
          ['a JSON array', '[1,2,3]', door.validationStatus],
          ['a bare string', '"hello"', door.validationStatus],
          ['deep nesting', `${'['.repeat(5000)}${']'.repeat(5000)}`, door.validationStatus],
        ];
        for (const [name, body, status, contentType] of cases) {
          test(`${name} → ${status} in the door's format, nothing written`, async () => {
            const user = await newUser();
            const res = await raw(door, user, body, contentType);
            assert.equal(res.statusCode, status, res.body);
            assert.ok(door.isError(JSON.parse(res.body)), res.body);
            assert.equal(await versionOf(user), 1);
          });
        }

        // Found by the property suite: these keys once reached a plain object of error details (a 500).
        test('top-level "constructor", "__proto__" and "toString" are unknown fields, not a 5xx', async () => {
          const user = await newUser();
          const res = await raw(door, user, '{"constructor":0,"__proto__":"","toString":1}');
          assert.equal(res.statusCode, door.validationStatus, res.body);
          assert.ok(door.isError(res.json()), res.body);
          assert.equal(await versionOf(user), 1);
        });

        test('NUL and control characters in a name are refused; SQL metacharacters are plain text', async () => {
          const user = await newUser();
          const nameField = door.fields.find((f) => /^(first_?[nN]ame|name|displayName)$/.test(f))!;
          const nul = await raw(door, user, JSON.stringify({ [nameField]: 'a\u0000b' }));
          assert.equal(nul.statusCode, door.validationStatus, nul.body);
          assert.ok(door.isError(nul.json()));
          const sql = "Robert'); DROP TABLE users;--";
          const ok = await raw(door, user, JSON.stringify({ [nameField]: sql }));
          assert.ok(ok.statusCode < 300, ok.body);
          const stored = await t.store.users.findById('test', user.id);
          assert.ok(stored?.first_name === sql || stored?.name === sql);
        });

        test('very long and NUL-bearing ids are a 4xx, never a 5xx', async () => {
          const long = { ...(await newUser()), id: `usr_${'a'.repeat(600)}`, external_id: 'k'.repeat(600) };
          const res = await raw(door, long, '{}');
          assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode}`);
          const nul = { ...(await newUser()), id: 'usr_\u0000x', external_id: 'a\u0000b' };
          const { method, url } = door.update(nul);
          const res2 = await t.app.inject({ method, url: url.replace('\u0000', '%00'), payload: '{}', headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' } });
          assert.ok(res2.statusCode >= 400 && res2.statusCode < 500, `${res2.statusCode} ${res2.body}`);
          assert.ok(door.isError(res2.json()), res2.body);
        });
      });
    }

    test('metadata keys "__proto__", "constructor" and "prototype" are plain data; nothing is polluted', async () => {
      const user = await newUser();
      const body = '{"metadata":{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}},"prototype":1}}';
      const res = await raw(DOORS[0]!, user, body);
      assert.equal(res.statusCode, 200, res.body);
      const stored = await t.store.users.findById('test', user.id);
      assert.deepEqual(Object.keys(stored!.metadata).sort(), ['__proto__', 'constructor', 'prototype']);
      assert.equal(Object.getPrototypeOf(stored!.metadata), Object.prototype);
      assert.equal(({} as Record<string, unknown>).admin, undefined);
      // Deleting by merge patch works on them too.
      const del = await raw(DOORS[0]!, user, '{"metadata":{"__proto__":null}}');
      assert.deepEqual(Object.keys(del.json().metadata).sort(), ['constructor', 'prototype']);
    });

    test('huge and non-finite numbers, deep nesting and lone surrogates in metadata are refused', async () => {
      const user = await newUser();
      for (const body of ['{"metadata":{"n":1e400}}', '{"metadata":{"n":-1e400}}', '{"metadata":{"n":12345678901234567890}}', '{"metadata":{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}}', '{"metadata":{"s":"\\ud800"}}', '{"first_name":"\\udc00x"}']) {
        const res = await raw(DOORS[0]!, user, body);
        assert.equal(res.statusCode, 400, `${body}: ${res.body}`);
      }
      assert.equal(await versionOf(user), 1);
    });

    test('usernames: NFKC-normalised, bidi controls and mixed-script confusables refused', async () => {
      const user = await newUser();
      const set = (username: string) => raw(DOORS[0]!, user, JSON.stringify({ username }));
      assert.equal((await set('\u202Eadmin')).statusCode, 400);
      assert.equal((await set('pаypal')).statusCode, 400); // Cyrillic а
      assert.equal((await set('ΑΒΓdelta')).statusCode, 400); // Greek and Latin
      const fullwidth = await set('ｊｏｈｎ');
      assert.equal(fullwidth.statusCode, 200);
      assert.equal(fullwidth.json().username, 'john');
      assert.equal((await set('日本語ユーザー')).statusCode, 200);
    });
  });
}
