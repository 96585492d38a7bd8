/**
 * Issue 17, item 8: Microsoft Entra ID's documented SCIM request sequences (test/scim/fixtures/
 * README.md names the sources), without its aadOptscim062020 flag (capitalised ops, "False" as a
 * string, filtered paths that must create the value) and with it (lower-case ops, path-less values
 * whose keys are dotted, URN-qualified or filtered paths).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { useTestApp } from '../helpers/app.ts';
import { ENTERPRISE, scimClient, USER_SCHEMA } from './client.ts';

const filter = (text: string) => `/Users?filter=${encodeURIComponent(text)}`;

/** Entra's create body (its "Create User" request example), with our own values. */
function entraUser(n: string) {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    externalId: `0a21f0f2-8d2a-4f8e-bf98-7363c4aed4e${n}`,
    userName: `Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd${n}`,
    active: true,
    emails: [{ primary: true, type: 'work', value: `Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2${n}@testuser.com` }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
  };
}

for (const kind of DATABASES) {
  describe(`SCIM: Entra ID without aadOptscim062020 on ${kind.name}`, () => {
    const t = useTestApp(kind);
    const scim = scimClient(t);

    test('probe with a random userName: 200 and an empty list', async () => {
      const res = await scim.get(filter('userName eq "7a0d4ab6-2d07-4b8c-9e61-3b35d2bd5f0a"'));
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().totalResults, 0);
      assert.deepEqual(res.json().Resources, []);
    });

    let id: string;
    test('create, get, filter by userName and by emails[type eq "work"].value', async () => {
      const body = entraUser('1');
      const created = await scim.post('/Users', body);
      assert.equal(created.statusCode, 201, created.body);
      id = created.json().id;
      assert.equal(created.json().userName, body.userName);
      assert.deepEqual(created.json().emails, body.emails);
      assert.equal(created.json().externalId, body.externalId);
      assert.deepEqual(created.json().roles, [], 'an attribute without a canonical home comes back as sent');

      assert.equal((await scim.get(`/Users/${id}`)).json().name.formatted, 'givenName familyName');
      assert.equal((await scim.get(filter(`userName eq "${body.userName}"`))).json().totalResults, 1);
      const byMail = await scim.get(filter(`emails[type eq "work"].value eq "${body.emails[0]!.value.toUpperCase()}"`));
      assert.deepEqual(byMail.json().Resources.map((u: { id: string }) => u.id), [id]);
      assert.equal((await scim.get(filter('userName eq "non-existent user"'))).json().totalResults, 0);
    });

    test('a series of capitalised Replace ops, "False" as a string, Add of nickName: one version, one event', async () => {
      const before = await t.services.users.get({ environment: 'test', actor: 't', door: 'v1', requestId: null }, id);
      const res = await scim.patch(
        `/Users/${id}`,
        scim.ops(
          { op: 'Replace', path: 'displayName', value: 'Barbara Jensen' },
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
          { op: 'Replace', path: 'name.givenName', value: 'Barbara' },
          { op: 'Replace', path: 'name.familyName', value: 'Jensen' },
          { op: 'Replace', path: 'externalId', value: 'ext-updated-1' },
          { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: '701984' },
          { op: 'Add', path: 'nickName', value: 'Babs' },
          { op: 'Replace', path: 'active', value: 'False' },
        ),
      );
      assert.equal(res.statusCode, 200, res.body);
      const user = res.json();
      assert.equal(user.displayName, 'Barbara Jensen');
      assert.equal(user.emails[0].value, 'updatedEmail@microsoft.com');
      assert.deepEqual(user.name, { formatted: 'givenName familyName', givenName: 'Barbara', familyName: 'Jensen' });
      assert.equal(user.externalId, 'ext-updated-1');
      assert.equal(user[ENTERPRISE].employeeNumber, '701984');
      assert.equal(user.nickName, 'Babs');
      assert.equal(user.active, false);
      const after = await t.services.users.get({ environment: 'test', actor: 't', door: 'v1', requestId: null }, id);
      assert.equal(after.version, before.version + 1, 'one PatchOp is one version');
      assert.equal(after.email, 'updatedEmail@microsoft.com');
      assert.equal(after.active, false);
      const events = await t.services.users.events({ environment: 'test', actor: 't', door: 'v1', requestId: null }, id, { limit: 10 });
      assert.deepEqual(events.items.map((e) => [e.type, e.door]), [['user.updated', 'scim'], ['user.created', 'scim']]);
      assert.equal((await scim.get(filter('nickName eq "babs"'))).json().totalResults, 1, 'filterable in the SCIM extension');
      assert.equal((await scim.get(filter(`${ENTERPRISE}:employeeNumber eq "701984"`))).json().totalResults, 1);
    });

    test('a filtered path for a value that does not exist yet creates it', async () => {
      const res = await scim.patch(`/Users/${id}`, scim.ops({ op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+14155550123' }, { op: 'Replace', path: 'addresses[type eq "work"].locality', value: 'Redmond' }));
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().phoneNumbers, [{ type: 'mobile', value: '+14155550123' }]);
      assert.deepEqual(res.json().addresses, [{ type: 'work', locality: 'Redmond' }]);
    });

    test('manager as a plain string value, then removed', async () => {
      const res = await scim.patch(`/Users/${id}`, scim.ops({ op: 'Add', path: `${ENTERPRISE}:manager`, value: 'mgr-2819c223' }));
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json()[ENTERPRISE].manager, { value: 'mgr-2819c223' });
      const removed = await scim.patch(`/Users/${id}`, scim.ops({ op: 'Remove', path: `${ENTERPRISE}:manager` }));
      assert.equal(removed.json()[ENTERPRISE].manager, undefined);
      // The other shape Entra sends: a list of one entry with "$ref": null.
      const listed = await scim.patch(`/Users/${id}`, scim.ops({ op: 'Add', path: `${ENTERPRISE}:manager`, value: [{ $ref: null, value: 'mgr-3' }] }));
      assert.equal(listed.statusCode, 200, listed.body);
      assert.equal(listed.json()[ENTERPRISE].manager.value, 'mgr-3');
    });

    test('userName replaced with an email address: the email becomes it', async () => {
      const res = await scim.patch(`/Users/${id}`, scim.ops({ op: 'Replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' }));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().userName, '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
      const user = await t.services.users.get({ environment: 'test', actor: 't', door: 'v1', requestId: null }, id);
      assert.equal(user.email, '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
      assert.equal(user.username, null);
    });

    test('delete: 204, then 404', async () => {
      assert.equal((await scim.delete(`/Users/${id}`)).statusCode, 204);
      assert.equal((await scim.get(`/Users/${id}`)).statusCode, 404);
    });
  });

  describe(`SCIM: Entra ID with aadOptscim062020 on ${kind.name}`, () => {
    const t = useTestApp(kind);
    const scim = scimClient(t);

    test('path-less replace with dotted, URN-qualified and filtered keys; real booleans; lower-case ops', async () => {
      const created = await scim.post('/Users', entraUser('2'));
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id;
      const res = await scim.patch(
        `/Users/${id}`,
        scim.ops({
          op: 'replace',
          value: {
            displayName: 'Kim Akers',
            'name.givenName': 'Kim',
            'name.familyName': 'Akers',
            [`${ENTERPRISE}:employeeNumber`]: 'E-42',
            [`${ENTERPRISE}:department`]: 'Sales',
            'emails[type eq "work"].value': 'kim.akers@example.com',
            active: false,
          },
        }),
      );
      assert.equal(res.statusCode, 200, res.body);
      const user = res.json();
      assert.equal(user.displayName, 'Kim Akers');
      assert.equal(user.name.givenName, 'Kim');
      assert.equal(user.name.familyName, 'Akers');
      assert.deepEqual(user[ENTERPRISE], { employeeNumber: 'E-42', department: 'Sales' });
      assert.equal(user.emails[0].value, 'kim.akers@example.com');
      assert.equal(user.active, false);

      const on = await scim.patch(`/Users/${id}`, scim.ops({ op: 'replace', value: { active: true } }));
      assert.equal(on.json().active, true);
      const removed = await scim.patch(`/Users/${id}`, scim.ops({ op: 'remove', path: `${ENTERPRISE}:department` }));
      assert.deepEqual(removed.json()[ENTERPRISE], { employeeNumber: 'E-42' });
    });

    test('an empty Operations list is a no-op 200 (no new version)', async () => {
      const created = await scim.post('/Users', entraUser('3'));
      const res = await scim.patch(`/Users/${created.json().id}`, scim.ops());
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().meta.version, created.json().meta.version);
    });
  });
}
