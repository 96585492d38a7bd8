/**
 * Issue 5: a property-based suite. For each door, at least 10,000 generated update bodies —
 * structured ones aimed at the door's fields with hostile values, and raw text — and for every one:
 * never a 5xx, every error in the door's own format, and a refused request leaves the user exactly
 * as it was (same version).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { User } from '../../src/domain/user.ts';
import { DATABASES } from '../helpers/databases.ts';
import { DOORS, type DoorUnderTest } from '../helpers/doors.ts';
import { TEST_ADMIN_KEY, useTestApp } from '../helpers/app.ts';

const RUNS = Number(process.env.USERPLANE_FUZZ_RUNS ?? 10_000);

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\u202Eevil', 'аdmin', "'; DROP TABLE users; --", '"quoted"', '\\', '\ud800', 'x'.repeat(300), 'user@example.com', 'USER@EXAMPLE.COM', '+14155550123', 'DE', 'en-US', '1990-01-01', '2999-01-01', 'https://example.com/a.png', 'javascript:alert(1)', '2024-05-01T12:00:00Z'),
);
const hostileValue = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.oneof(fc.string({ maxLength: 45 }), fc.constantFrom('__proto__', 'constructor', 'prototype')), fc.oneof(hostileString, fc.integer(), fc.constant(null)), { maxKeys: 5 }),
);

function bodies(door: DoorUnderTest): fc.Arbitrary<string> {
  const key = fc.oneof(fc.constantFrom(...door.fields, '__proto__', 'constructor', 'unknown_field'), fc.string({ maxLength: 12 }));
  const structured = fc.dictionary(key, hostileValue, { maxKeys: 4 }).map((body) => JSON.stringify(body));
  const raw = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.constantFrom('{"metadata":{"n":1e400}}', '{"first_name":"a","first_name":"b"}', '[]', 'null', '"x"', '{', '{"a":1}}', '{"metadata":null}'),
  );
  return fc.oneof({ weight: 4, arbitrary: structured }, { weight: 1, arbitrary: raw });
}

describe('generated update bodies at every door', () => {
  const t = useTestApp(DATABASES[0]!);

  for (const door of DOORS) {
    test(`${door.name}: ${RUNS} bodies, no 5xx, errors in its format, refusals write nothing`, async () => {
      const created = await t.request({ method: 'POST', url: '/v1/users', payload: { email: `fuzz-${door.name}@example.com`, external_id: `fuzz-${door.name}`, first_name: 'Fuzz' } });
      let user: User = created.json();
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(bodies(door), async (body) => {
          const { method, url } = door.update(user);
          const res = await t.app.inject({ method, url, payload: body, headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' } });
          assert.ok(res.statusCode < 500, `${res.statusCode} for ${body}: ${res.body}`);
          const stored = await t.store.users.findById('test', user.id);
          assert.ok(stored, 'the user still exists');
          if (res.statusCode >= 400) {
            assert.ok(door.isError(JSON.parse(res.body)), `not a ${door.name} error: ${res.body}`);
            assert.equal(stored.version, user.version, `a refused request changed the user: ${body}`);
          } else {
            accepted += 1;
            assert.ok(stored.version >= user.version);
            user = stored;
          }
        }),
        { numRuns: RUNS },
      );
      // The generators must reach both sides; a suite that only ever refuses proves little.
      assert.ok(accepted > 0, 'some bodies were accepted');
    });
  }
});
