/**
 * Issue 17, item 5: /scim/v2/Groups. Microsoft Entra ID's documented group request sequence
 * (learn.microsoft.com, "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft
 * Entra ID", group operations; and its aadOptscim062020 flag page), without the flag (capitalised
 * "Add"/"Remove" with value lists, "Replace" of displayName) and with it (lower-case ops,
 * `remove` with `members[value eq "…"]`, a path-less replace), and Okta's group push (create with
 * members, PUT of the whole group, a rename by path-less replace); both databases.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { useTestApp } from '../helpers/app.ts';
import { ERROR_SCHEMA, LIST_SCHEMA, scimClient, USER_SCHEMA } from './client.ts';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const groupsWhere = (text: string, extra = '') => `/Groups?filter=${encodeURIComponent(text)}${extra}`;

for (const kind of DATABASES) {
  describe(`SCIM Groups on ${kind.name}`, () => {
    const t = useTestApp(kind);
    const scim = scimClient(t);
    let n = 0;
    async function newUser(): Promise<string> {
      const res = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: `member${++n}@example.com`, active: true });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().id;
    }
    const members = async (id: string) => ((await scim.get(`/Groups/${id}`)).json().members ?? []).map((m: { value: string }) => m.value).sort();

    describe('Entra ID without aadOptscim062020', () => {
      let id: string;
      let alice: string;
      let bob: string;

      test('probe: a displayName filter that matches nothing is a 200 with an empty list', async () => {
        const res = await scim.get(groupsWhere('displayName eq "b3b3c6a2-cd4c-4a0e-9a39-7f8e0d7c3f01"', '&excludedAttributes=members'));
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.headers['content-type'], 'application/scim+json; charset=utf-8');
        assert.deepEqual(res.json(), { schemas: [LIST_SCHEMA], totalResults: 0, itemsPerPage: 0, startIndex: 1, Resources: [] });
      });

      test('create with empty members (Entra\'s body, meta included): 201, Location, ETag', async () => {
        const res = await scim.post('/Groups', { schemas: [GROUP], externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName: 'displayName', meta: { resourceType: 'Group' }, members: [] });
        assert.equal(res.statusCode, 201, res.body);
        const body = res.json();
        id = body.id;
        assert.match(id, /^grp_/);
        assert.match(String(res.headers.location), new RegExp(`^https?://[^/]+/scim/v2/Groups/${id}$`));
        assert.equal(body.meta.location, res.headers.location);
        assert.equal(res.headers.etag, 'W/"1"');
        assert.deepEqual(body.schemas, [GROUP]);
        assert.equal(body.displayName, 'displayName');
        assert.equal(body.externalId, '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159');
        assert.deepEqual(body.members, []);
        assert.equal(body.meta.resourceType, 'Group');
        assert.equal(body.meta.version, 'W/"1"');
      });

      test('get with excludedAttributes=members, and by displayName (any case) with excludedAttributes=members', async () => {
        const one = await scim.get(`/Groups/${id}?excludedAttributes=members`);
        assert.equal(one.statusCode, 200, one.body);
        assert.equal(one.json().members, undefined);
        assert.equal(one.json().displayName, 'displayName');
        const found = await scim.get(groupsWhere('displayName eq "DISPLAYNAME"', '&excludedAttributes=members'));
        assert.equal(found.json().totalResults, 1);
        assert.equal(found.json().Resources[0].id, id);
        assert.equal(found.json().Resources[0].members, undefined);
        assert.equal((await scim.get(groupsWhere('externalId eq "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"'))).json().totalResults, 1);
      });

      test('"Replace" of displayName: 204, the new name, a new version', async () => {
        const res = await scim.patch(`/Groups/${id}`, scim.ops({ op: 'Replace', path: 'displayName', value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName' }));
        assert.equal(res.statusCode, 204, res.body);
        assert.equal(res.body, '');
        assert.equal(res.headers.etag, 'W/"2"');
        assert.equal((await scim.get(`/Groups/${id}`)).json().displayName, '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName');
      });

      test('"Add" of members with a value list ($ref null): 204, then the members; adding again changes nothing', async () => {
        [alice, bob] = [await newUser(), await newUser()];
        const add = scim.ops({ op: 'Add', path: 'members', value: [{ $ref: null, value: alice }, { $ref: null, value: bob }] });
        const res = await scim.patch(`/Groups/${id}`, add);
        assert.equal(res.statusCode, 204, res.body);
        assert.deepEqual(await members(id), [alice, bob].sort());
        const shown = (await scim.get(`/Groups/${id}`)).json().members.find((m: { value: string }) => m.value === alice);
        assert.equal(shown.type, 'User');
        assert.match(shown.$ref, new RegExp(`/scim/v2/Users/${alice}$`));
        const again = await scim.patch(`/Groups/${id}`, add);
        assert.equal(again.statusCode, 204);
        assert.equal(again.headers.etag, 'W/"3"', 'no new version for a repeated add');
      });

      test('Entra checks a membership with id eq … and members eq …', async () => {
        const yes = await scim.get(groupsWhere(`id eq "${id}" and members eq "${alice}"`, '&excludedAttributes=members'));
        assert.equal(yes.json().totalResults, 1);
        const no = await scim.get(groupsWhere(`id eq "${id}" and members eq "usr_00000000000000000000000000"`, '&excludedAttributes=members'));
        assert.equal(no.json().totalResults, 0);
        assert.equal((await scim.get(groupsWhere(`members[value eq "${bob}"]`))).json().totalResults, 1);
      });

      test('"Remove" of members with a value list: 204; removing a non-member changes nothing', async () => {
        const res = await scim.patch(`/Groups/${id}`, scim.ops({ op: 'Remove', path: 'members', value: [{ $ref: null, value: alice }] }));
        assert.equal(res.statusCode, 204, res.body);
        assert.deepEqual(await members(id), [bob]);
        const again = await scim.patch(`/Groups/${id}`, scim.ops({ op: 'Remove', path: 'members', value: [{ value: alice }] }));
        assert.equal(again.statusCode, 204);
        assert.equal(again.headers.etag, 'W/"4"');
      });

      test('delete: 204; then 404 with detail; its members stay users', async () => {
        assert.equal((await scim.delete(`/Groups/${id}`)).statusCode, 204);
        const gone = await scim.get(`/Groups/${id}`);
        assert.equal(gone.statusCode, 404);
        assert.deepEqual(gone.json().schemas, [ERROR_SCHEMA]);
        assert.equal(gone.json().status, '404');
        assert.match(gone.json().detail, new RegExp(id));
        assert.equal((await scim.get(`/Users/${bob}`)).statusCode, 200);
      });
    });

    describe('Entra ID with aadOptscim062020', () => {
      let id: string;
      let carol: string;
      let dave: string;

      test('create, add members (lower-case add), remove one with members[value eq "…"]: each 204', async () => {
        [carol, dave] = [await newUser(), await newUser()];
        const created = await scim.post('/Groups', { schemas: [GROUP], externalId: 'ext-flagged', displayName: 'Flagged', meta: { resourceType: 'Group' } });
        assert.equal(created.statusCode, 201, created.body);
        id = created.json().id;
        assert.equal((await scim.patch(`/Groups/${id}`, scim.ops({ op: 'add', path: 'members', value: [{ value: carol }, { value: dave }] }))).statusCode, 204);
        const res = await scim.patch(`/Groups/${id}`, scim.ops({ op: 'remove', path: `members[value eq "${carol}"]` }));
        assert.equal(res.statusCode, 204, res.body);
        assert.deepEqual(await members(id), [dave]);
      });

      test('a path-less replace of id (unchanged) and displayName; several ops are one version and one event', async () => {
        const before = (await scim.get(`/Groups/${id}`)).json().meta.version;
        const res = await scim.patch(
          `/Groups/${id}`,
          scim.ops({ op: 'replace', value: { id, displayName: 'Flagged renamed' } }, { op: 'add', path: 'members', value: [{ value: carol }] }, { op: 'replace', path: 'externalId', value: 'ext-flagged-2' }),
        );
        assert.equal(res.statusCode, 204, res.body);
        const after = (await scim.get(`/Groups/${id}`)).json();
        assert.equal(after.displayName, 'Flagged renamed');
        assert.equal(after.externalId, 'ext-flagged-2');
        assert.deepEqual(after.members.map((m: { value: string }) => m.value).sort(), [carol, dave].sort());
        assert.equal(Number(/\d+/.exec(after.meta.version)![0]), Number(/\d+/.exec(before)![0]) + 1);
        const events = (await t.store.events.listForUser('test', id, { limit: 1 })).items;
        assert.equal(events[0]!.type, 'group.updated');
        assert.equal(events[0]!.door, 'scim');
        assert.deepEqual(Object.keys(events[0]!.changes).sort(), ['display_name', 'external_id', 'members_added']);
      });

      test('with attributes in the query a PATCH answers 200 and the group', async () => {
        const res = await scim.patch(`/Groups/${id}?excludedAttributes=members`, scim.ops({ op: 'replace', path: 'displayName', value: 'Flagged 3' }));
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().displayName, 'Flagged 3');
        assert.equal(res.json().members, undefined);
      });

      test('remove of members without a value empties the group', async () => {
        assert.equal((await scim.patch(`/Groups/${id}`, scim.ops({ op: 'remove', path: 'members' }))).statusCode, 204);
        assert.deepEqual(await members(id), []);
      });
    });

    describe('Okta group push', () => {
      let id: string;
      test('create with members, PUT the whole group (read-modify-write with If-Match), rename by a path-less replace', async () => {
        const [erin, frank, gina] = [await newUser(), await newUser(), await newUser()];
        const created = await scim.post('/Groups', { schemas: [GROUP], displayName: 'Okta Push', members: [{ value: erin, display: 'erin@example.com' }, { value: frank, display: 'frank@example.com' }] });
        assert.equal(created.statusCode, 201, created.body);
        id = created.json().id;
        assert.deepEqual(created.json().members.map((m: { value: string }) => m.value), [erin, frank].sort());
        const current = await scim.get(`/Groups/${id}`);
        const put = await scim.put(`/Groups/${id}`, { ...(current.json() as Record<string, unknown>), members: [{ value: frank }, { value: gina }] }, { headers: { 'if-match': String(current.headers.etag) } });
        assert.equal(put.statusCode, 200, put.body);
        assert.deepEqual(put.json().members.map((m: { value: string }) => m.value), [frank, gina].sort());
        const stale = await scim.put(`/Groups/${id}`, { schemas: [GROUP], displayName: 'x' }, { headers: { 'if-match': String(current.headers.etag) } });
        assert.equal(stale.statusCode, 412);
        const rename = await scim.patch(`/Groups/${id}`, scim.ops({ op: 'replace', value: { id, displayName: 'Okta Push renamed' } }));
        assert.equal(rename.statusCode, 204, rename.body);
        assert.equal((await scim.get(`/Groups/${id}`)).json().displayName, 'Okta Push renamed');
      });

      test('deleting a member user (SCIM DELETE /Users) takes them out of the group', async () => {
        const before = await members(id);
        assert.equal((await scim.delete(`/Users/${before[0]}`)).statusCode, 204);
        assert.deepEqual(await members(id), before.slice(1));
      });
    });

    describe('errors in SCIM shape', () => {
      test('unknown members, unknown attributes, a blank name, a nested group: 400 invalidValue naming them', async () => {
        const ghost = 'usr_00000000000000000000000000';
        const unknown = await scim.post('/Groups', { schemas: [GROUP], displayName: 'Bad', members: [{ value: ghost }] });
        assert.equal(unknown.statusCode, 400);
        assert.equal(unknown.json().scimType, 'invalidValue');
        assert.match(unknown.json().detail, new RegExp(`members: .*${ghost}`));
        const attr = await scim.post('/Groups', { schemas: [GROUP], displayName: 'Bad', owner: 'me' });
        assert.equal(attr.statusCode, 400);
        assert.match(attr.json().detail, /"owner"/);
        assert.equal((await scim.post('/Groups', { schemas: [GROUP], displayName: ' ' })).json().scimType, 'invalidValue');
        const nested = await scim.post('/Groups', { schemas: [GROUP], displayName: 'Nest', members: [{ value: 'grp_00000000000000000000000000', type: 'Group' }] });
        assert.equal(nested.statusCode, 400);
        assert.match(nested.json().detail, /members are users/);
        const g = (await scim.post('/Groups', { schemas: [GROUP], displayName: 'Target' })).json();
        const add = await scim.patch(`/Groups/${g.id}`, scim.ops({ op: 'add', path: 'members', value: [{ value: ghost }] }));
        assert.equal(add.statusCode, 400);
        assert.match(add.json().detail, new RegExp(ghost));
        const path = await scim.patch(`/Groups/${g.id}`, scim.ops({ op: 'replace', path: 'owner', value: 'x' }));
        assert.equal(path.statusCode, 400);
        assert.equal(path.json().scimType, 'invalidPath');
      });

      test('a duplicate externalId is 409 uniqueness; unsupported filters are 400 invalidFilter; unknown ids 404', async () => {
        assert.equal((await scim.post('/Groups', { schemas: [GROUP], displayName: 'One', externalId: 'taken' })).statusCode, 201);
        const dup = await scim.post('/Groups', { schemas: [GROUP], displayName: 'Two', externalId: 'taken' });
        assert.equal(dup.statusCode, 409);
        assert.equal(dup.json().scimType, 'uniqueness');
        assert.equal(dup.json().status, '409');
        assert.match(dup.json().detail, /group/);
        const bad = await scim.get(groupsWhere('displayName co "ne"'));
        assert.equal(bad.statusCode, 400);
        assert.equal(bad.json().scimType, 'invalidFilter');
        assert.equal((await scim.get(groupsWhere('displayName eq "One" and displayName eq "Two"'))).json().totalResults, 0);
        assert.equal((await scim.patch('/Groups/grp_00000000000000000000000000', scim.ops({ op: 'replace', path: 'displayName', value: 'x' }))).statusCode, 404);
        assert.equal((await scim.delete('/Groups/grp_00000000000000000000000000')).statusCode, 404);
        assert.equal((await scim.get('/Groups', { key: 'wrong' })).statusCode, 401);
      });

      test('lists page with startIndex and count; totalResults counts all', async () => {
        for (let i = 0; i < 3; i++) await scim.post('/Groups', { schemas: [GROUP], displayName: 'Paged' });
        const page = await scim.get(groupsWhere('displayName eq "paged"', '&startIndex=2&count=1'));
        assert.equal(page.json().totalResults, 3);
        assert.equal(page.json().itemsPerPage, 1);
        assert.equal(page.json().startIndex, 2);
        assert.deepEqual(page.json().Resources[0].members, []);
      });
    });

    test('Bulk carries group operations, with bulkId references to a user created in the same request', async () => {
      const res = await scim.post('/Bulk', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'u1', data: { schemas: [USER_SCHEMA], userName: 'bulk-member@example.com' } },
          { method: 'POST', path: '/Groups', bulkId: 'g1', data: { schemas: [GROUP], displayName: 'Bulk group', members: [{ value: 'bulkId:u1' }] } },
          { method: 'PATCH', path: '/Groups/bulkId:g1', data: scim.ops({ op: 'replace', path: 'displayName', value: 'Bulk group renamed' }) },
        ],
      });
      assert.equal(res.statusCode, 200, res.body);
      const ops = res.json().Operations;
      assert.deepEqual(ops.map((o: { status: string }) => o.status), ['201', '201', '200']);
      const groupId = String(ops[1].location).split('/').pop()!;
      const group = (await scim.get(`/Groups/${groupId}`)).json();
      assert.equal(group.displayName, 'Bulk group renamed');
      assert.equal(group.members.length, 1);
      assert.equal(ops[2].version, 'W/"2"');
    });
  });
}
