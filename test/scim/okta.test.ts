/**
 * Issue 17, item 8: Okta's SCIM 2.0 spec test and CRUD sequences, as Okta's public documentation
 * describes them (test/scim/fixtures/README.md), against /scim/v2 on each database.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { useTestApp } from '../helpers/app.ts';
import { scimClient, USER_SCHEMA, ERROR_SCHEMA, LIST_SCHEMA } from './client.ts';

for (const kind of DATABASES) {
  describe(`SCIM: Okta's spec test sequence on ${kind.name}`, () => {
    const t = useTestApp(kind);
    const scim = scimClient(t);

    test('list with count=1&startIndex=1: numeric totalResults, itemsPerPage, startIndex; scim+json', async () => {
      await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'seed.user@example.com', name: { givenName: 'Seed', familyName: 'User' }, emails: [{ value: 'seed.user@example.com', type: 'work', primary: true }], active: true });
      const res = await scim.get('/Users?count=1&startIndex=1');
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^application\/scim\+json/);
      const body = res.json();
      assert.deepEqual(body.schemas, [LIST_SCHEMA]);
      assert.equal(typeof body.totalResults, 'number');
      assert.ok(body.totalResults >= 1);
      assert.equal(body.itemsPerPage, 1);
      assert.equal(body.startIndex, 1);
      assert.equal(body.Resources.length, 1);
      // Okta's next step reads the listed user by id: the same user, with the attributes it checks.
      const listed = body.Resources[0];
      const one = await scim.get(`/Users/${listed.id}`);
      assert.equal(one.statusCode, 200);
      assert.deepEqual(one.json(), listed);
      for (const attribute of ['id', 'userName', 'name', 'emails', 'active']) assert.ok(one.json()[attribute] !== undefined, attribute);
    });

    test('the optional Groups check: list with count=1&startIndex=1', async () => {
      const res = await scim.get('/Groups?count=1&startIndex=1');
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json().schemas, [LIST_SCHEMA]);
      assert.equal(typeof res.json().totalResults, 'number');
      assert.equal(res.json().startIndex, 1);
    });

    test('Okta probes with startIndex=1&count=2', async () => {
      const res = await scim.get('/Users?startIndex=1&count=2');
      assert.equal(res.statusCode, 200);
      assert.ok(res.json().Resources.length <= 2);
    });

    test('filter on an unknown userName: 200 with 0 results, not 404', async () => {
      const res = await scim.get(`/Users?filter=${encodeURIComponent('userName eq "nobody-9f2c@example.com"')}`);
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().totalResults, 0);
      assert.deepEqual(res.json().Resources, []);
    });

    let created: Record<string, any>;
    test('create: 201, Location, ETag equal to meta.version; a duplicate is 409 uniqueness', async () => {
      const body = {
        schemas: [USER_SCHEMA],
        userName: 'Okta.Spec@Example.com',
        name: { givenName: 'Okta', familyName: 'Spec' },
        emails: [{ primary: true, value: 'Okta.Spec@Example.com', type: 'work' }],
        displayName: 'Okta Spec',
        active: true,
        password: 'placeholder-Passw0rd!',
      };
      const res = await scim.post('/Users', body);
      assert.equal(res.statusCode, 201, res.body);
      created = res.json();
      assert.equal(res.headers.location, created.meta.location);
      assert.match(String(res.headers.location), new RegExp(`/scim/v2/Users/${created.id}$`));
      assert.equal(res.headers.etag, created.meta.version);
      assert.equal(created.userName, 'Okta.Spec@Example.com', 'the userName reads back as sent');
      assert.equal(created.active, true);
      assert.equal(created.password, undefined, 'a password is never returned');
      const user = await t.services.users.get({ environment: 'test', actor: 't', door: 'v1', requestId: null }, created.id);
      assert.equal(user.email?.toLowerCase(), 'okta.spec@example.com');
      assert.equal(user.username, null);
      assert.equal(user.password_set, true);

      const duplicate = await scim.post('/Users', body);
      assert.equal(duplicate.statusCode, 409);
      assert.deepEqual(duplicate.json().schemas, [ERROR_SCHEMA]);
      assert.equal(duplicate.json().status, '409');
      assert.equal(duplicate.json().scimType, 'uniqueness');
    });

    test('the same user is found with userName in another case', async () => {
      const res = await scim.get(`/Users?filter=${encodeURIComponent('userName eq "okta.spec@EXAMPLE.COM"')}`);
      assert.equal(res.json().totalResults, 1);
      assert.equal(res.json().Resources[0].id, created.id);
    });

    test('a bad token is 401 with status "401" in SCIM\'s shape', async () => {
      const res = await scim.get('/Users', { key: 'sk_test_not_a_real_key_000000000000' });
      assert.equal(res.statusCode, 401);
      assert.deepEqual(res.json().schemas, [ERROR_SCHEMA]);
      assert.equal(res.json().status, '401');
      assert.equal(typeof res.json().detail, 'string');
      assert.match(String(res.headers['content-type']), /^application\/scim\+json/);
    });

    test('an unknown id is 404 with a detail', async () => {
      const res = await scim.get('/Users/usr_does_not_exist');
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().status, '404');
      assert.match(res.json().detail, /usr_does_not_exist/);
    });
  });

  describe(`SCIM: Okta's CRUD sequence on ${kind.name}`, () => {
    const t = useTestApp(kind);
    const scim = scimClient(t);

    test('create with a password, filter, PUT read-modify-write, deactivate by path-less replace, reactivate', async () => {
      const created = await scim.post('/Users', {
        schemas: [USER_SCHEMA],
        userName: 'crud.user@example.com',
        name: { givenName: 'Crud', familyName: 'User' },
        emails: [{ primary: true, value: 'crud.user@example.com', type: 'work' }],
        active: true,
        password: 'Okta-placeholder-1',
      });
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id;

      const found = await scim.get(`/Users?filter=${encodeURIComponent('userName eq "crud.user@example.com"')}&startIndex=1&count=100`);
      assert.equal(found.json().totalResults, 1);

      // Okta's older template: GET, change, PUT the whole user back.
      const read = (await scim.get(`/Users/${id}`)).json();
      read.name.givenName = 'Changed';
      delete read.active; // a PUT without active must not deactivate
      const put = await scim.put(`/Users/${id}`, read);
      assert.equal(put.statusCode, 200, put.body);
      assert.equal(put.json().name.givenName, 'Changed');
      assert.equal(put.json().active, true);

      const off = await scim.patch(`/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] });
      assert.equal(off.statusCode, 200, off.body);
      assert.equal(off.json().active, false);
      // Deactivated, not deleted: still readable and filterable.
      assert.equal((await scim.get(`/Users/${id}`)).statusCode, 200);
      const inactive = await scim.get(`/Users?filter=${encodeURIComponent('active eq false')}`);
      assert.deepEqual(inactive.json().Resources.map((u: { id: string }) => u.id), [id]);
      assert.equal((await t.request({ method: 'GET', url: `/v1/users/${id}` })).json().active, false, 'active false in every door');

      const on = await scim.patch(`/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: true } }] });
      assert.equal(on.json().active, true);

      // Okta may wrap a single value in a list, and sends "" for attributes it has no value for.
      const wrapped = await scim.patch(`/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: [false] }] });
      assert.equal(wrapped.json().active, false);
      const blanks = await scim.put(`/Users/${id}`, { schemas: [USER_SCHEMA], userName: 'crud.user@example.com', displayName: '', title: '', nickName: '', name: { givenName: 'Crud', familyName: '' } });
      assert.equal(blanks.statusCode, 200, blanks.body);
      assert.equal(blanks.json().title, undefined);
      assert.equal(blanks.json().nickName, undefined);
      assert.deepEqual(blanks.json().name, { givenName: 'Crud' });

      const gone = await scim.delete(`/Users/${id}`);
      assert.equal(gone.statusCode, 204);
      assert.equal((await scim.get(`/Users/${id}`)).statusCode, 404);
    });
  });
}
