/**
 * Issue 17, items 3 and 8: a user PatchOp is applied inside the update's transaction to the user
 * as it is then (PostgreSQL locks the row; SQLite writes one at a time): concurrent PatchOps that
 * each add a value all land, one version and one event each. And generated PatchOps aimed at the
 * User's attributes, both dialects, hostile values: never a 5xx, every error in SCIM's shape, and a
 * refused PatchOp leaves the user exactly as it was (the door fuzz suite sends PUTs; this sends PATCHes).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { RequestContext } from '../../src/services/context.ts';
import { DATABASES } from '../helpers/databases.ts';
import { useTestApp } from '../helpers/app.ts';
import { ENTERPRISE, ERROR_SCHEMA, scimClient, USER_SCHEMA } from './client.ts';

const ctx: RequestContext = { environment: 'test', actor: 't', door: 'v1', requestId: null };
const CONCURRENT = 12;
// Fewer than the door fuzz suite's 10,000: each run is a write and two reads, on each database.
const RUNS = Math.min(Number(process.env.USERPLANE_FUZZ_RUNS ?? 400), 2_000);

for (const kind of DATABASES) {
  describe(`SCIM user PATCH on ${kind.name}`, () => {
    const t = useTestApp(kind);
    const scim = scimClient(t);

    test(`${CONCURRENT} concurrent PatchOps adding an email each: every one lands, one version and one event each`, async () => {
      const created = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'racing.user', emails: [{ value: 'racing@example.com', type: 'work', primary: true }] });
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id;
      const added = Array.from({ length: CONCURRENT }, (_, i) => `alias${i}@example.com`);
      const results = await Promise.all(
        added.map((value, i) => scim.patch(`/Users/${id}`, scim.ops({ op: i % 2 ? 'Add' : 'add', path: 'emails', value: [{ value, type: 'other' }] }, { op: 'replace', path: `${ENTERPRISE}:employeeNumber`, value: String(i) }))),
      );
      assert.deepEqual(results.map((r) => r.statusCode), added.map(() => 200), results.map((r) => r.body).join('\n').slice(0, 500));
      const user = (await scim.get(`/Users/${id}`)).json();
      assert.deepEqual(user.emails.map((e: { value: string }) => e.value).sort(), ['racing@example.com', ...added].sort(), 'no PatchOp lost another one\'s value');
      assert.equal(user.meta.version, `W/"${1 + CONCURRENT}"`);
      const events = await t.services.users.events(ctx, id, { limit: 100 });
      assert.equal(events.items.filter((e) => e.type === 'user.updated').length, CONCURRENT);
    });

    test(`${RUNS} generated PatchOps: no 5xx, SCIM errors, refusals change nothing`, async () => {
      const created = await scim.post('/Users', { schemas: [USER_SCHEMA, ENTERPRISE], userName: 'fuzzed.user', name: { givenName: 'Fuzz' }, emails: [{ value: 'fuzzed@example.com', type: 'work', primary: true }], externalId: 'fuzz-ext' });
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id;
      const hostile = fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constantFrom('', ' ', '\u0000', '\ud800', 'True', 'False', 'true', 'x'.repeat(300), 'user@example.com', 'FUZZED@example.com', '+14155550123', '555-555-5555', 'en-US', 'usr_00000000000000000000000000', id),
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.jsonValue({ maxDepth: 2 }),
        fc.array(fc.record({ value: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('a@example.com', '+14155550100')), type: fc.constantFrom('work', 'home', 'other'), primary: fc.oneof(fc.boolean(), fc.constantFrom('True', 'False')) }, { requiredKeys: [] }), { maxLength: 3 }),
      );
      const path = fc.oneof(
        fc.constantFrom(
          undefined, 'userName', 'USERNAME', 'displayName', 'name', 'name.givenName', 'name.familyName', 'name.formatted', 'name.nope', 'emails', 'emails.value', 'emails[type eq "work"].value',
          'emails[type eq "work"]', 'emails[type eq "home" and value co "@"].value', 'emails[value eq "fuzzed@example.com"]', 'phoneNumbers[type eq "mobile"].value', 'phoneNumbers', 'externalId', 'active',
          'locale', 'title', 'nickName', 'password', 'id', 'meta', 'meta.version', 'groups', 'addresses[type eq "work"].locality', `${ENTERPRISE}:employeeNumber`, `${ENTERPRISE}:manager`, `${ENTERPRISE}:organization`, ENTERPRISE,
          `${USER_SCHEMA}:displayName`, 'urn:example:nope:name', 'emails[', 'emails[type eq]', '__proto__', 'constructor.prototype',
        ),
        fc.string({ maxLength: 20 }),
      );
      const pathless = fc.dictionary(
        fc.oneof(fc.constantFrom('displayName', 'name.givenName', 'active', 'emails', 'emails[type eq "work"].value', `${ENTERPRISE}:department`, ENTERPRISE, 'userName', 'id', 'schemas', '__proto__', 'nope'), fc.string({ maxLength: 10 })),
        hostile,
        { maxKeys: 3 },
      );
      const operation = fc.record({ op: fc.constantFrom('add', 'Add', 'replace', 'Replace', 'remove', 'Remove', 'REPLACE', 'move', 7), path, value: fc.oneof(hostile, pathless) }, { requiredKeys: ['op'] });
      const body = fc.oneof(
        { weight: 6, arbitrary: fc.array(operation, { maxLength: 3 }).map((Operations) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations })) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
      );

      let refused = 0;
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(body, async (patch) => {
          const before = await t.store.users.findById('test', id);
          const res = await scim.patch(`/Users/${id}`, patch);
          assert.ok(res.statusCode < 500, `${res.statusCode} for ${JSON.stringify(patch)}: ${res.body}`);
          const after = await t.store.users.findById('test', id);
          assert.ok(after, 'the user still exists');
          if (res.statusCode >= 400) {
            refused += 1;
            assert.deepEqual(res.json().schemas, [ERROR_SCHEMA]);
            assert.equal(res.json().status, String(res.statusCode));
            assert.ok(typeof res.json().detail === 'string' && res.json().detail.length > 0);
            assert.deepEqual(after, before, `a refused PATCH changed the user: ${JSON.stringify(patch)}`);
          } else {
            assert.equal(res.statusCode, 200);
            accepted += 1;
            assert.equal(res.json().meta.version, `W/"${after.version}"`);
            assert.ok(after.version === before!.version || after.version === before!.version + 1, 'one PatchOp, at most one version');
            // What the answer shows is what a read shows.
            assert.deepEqual(res.json(), (await scim.get(`/Users/${id}`)).json());
          }
        }),
        { numRuns: RUNS },
      );
      assert.ok(refused > 0 && accepted > 0, `generated PatchOps both refused (${refused}) and applied (${accepted})`);
    });
  });
}
