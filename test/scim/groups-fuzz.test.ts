/**
 * Issue 17, items 5 and 8: SCIM group writes under generated PatchOps and bodies, aimed at Group's
 * attributes with hostile values: never a 5xx, every error in SCIM's shape, and a refused request
 * leaves the group as it was (same version, same members).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { DATABASES } from '../helpers/databases.ts';
import { useTestApp } from '../helpers/app.ts';
import { ERROR_SCHEMA, scimClient, USER_SCHEMA } from './client.ts';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
// Fewer than the door fuzz suite's 10,000: each run is a write and two reads.
const RUNS = Math.min(Number(process.env.USERPLANE_FUZZ_RUNS ?? 400), 2_000);

for (const kind of DATABASES) {
  describe(`SCIM group PATCH fuzz on ${kind.name}`, () => {
    const t = useTestApp(kind);
    const scim = scimClient(t);

    test(`${RUNS} generated PatchOps: no 5xx, SCIM errors, refusals change nothing`, async () => {
      const users: string[] = [];
      for (let i = 0; i < 3; i++) users.push((await scim.post('/Users', { schemas: [USER_SCHEMA], userName: `fuzz${i}@example.com` })).json().id);
      const group = (await scim.post('/Groups', { schemas: [GROUP], displayName: 'Fuzzed', members: [{ value: users[0] }] })).json();
      const hostile = fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constantFrom('', ' ', '\u0000', 'True', 'False', 'grp_00000000000000000000000000', 'usr_00000000000000000000000000', ...users, 'x'.repeat(300)),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.jsonValue({ maxDepth: 2 }),
      );
      const memberValue = fc.oneof(fc.array(fc.record({ value: fc.oneof(fc.constantFrom(...users), hostile) }, { requiredKeys: [] }), { maxLength: 3 }), hostile);
      const path = fc.oneof(
        fc.constantFrom(undefined, 'members', 'MEMBERS', 'displayName', 'externalId', 'id', 'meta.version', 'members.value', 'members[value eq "x"]', `members[value eq "${users[0]}"]`, 'members[', 'owner', `${GROUP}:displayName`),
        fc.string({ maxLength: 20 }),
      );
      const operation = fc.record({ op: fc.constantFrom('add', 'Add', 'replace', 'Replace', 'remove', 'Remove', 'delete', 7), path, value: fc.oneof(memberValue, fc.dictionary(fc.constantFrom('displayName', 'externalId', 'members', 'id', 'nope'), hostile, { maxKeys: 3 })) }, { requiredKeys: ['op'] });
      const body = fc.oneof({ weight: 5, arbitrary: fc.array(operation, { maxLength: 3 }).map((ops) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: ops })) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });

      let refused = 0;
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(body, async (patch) => {
          const before = (await scim.get(`/Groups/${group.id}`)).json();
          const res = await scim.patch(`/Groups/${group.id}`, patch);
          assert.ok(res.statusCode < 500, `${res.statusCode} for ${JSON.stringify(patch)}: ${res.body}`);
          if (res.statusCode >= 400) {
            refused += 1;
            assert.deepEqual(res.json().schemas, [ERROR_SCHEMA]);
            assert.equal(res.json().status, String(res.statusCode));
            assert.ok(typeof res.json().detail === 'string' && res.json().detail.length > 0);
            const after = (await scim.get(`/Groups/${group.id}`)).json();
            assert.deepEqual(after, before, `a refused PATCH changed the group: ${JSON.stringify(patch)}`);
          } else {
            assert.equal(res.statusCode, 204);
            accepted += 1;
          }
        }),
        { numRuns: RUNS },
      );
      assert.ok(refused > 0 && accepted > 0, `generated PatchOps both refused (${refused}) and applied (${accepted})`);
    });
  });
}
