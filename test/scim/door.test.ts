/**
 * Issue 17, items 1, 6 and 7: the SCIM door itself. Authentication (Bearer, the bare key, scopes),
 * content types, discovery, SCIM's error shape on every failure, uniqueness, and POST /Bulk with
 * bulkId references, failOnErrors and its advertised limits.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { TEST_ADMIN_KEY, useTestApp } from '../helpers/app.ts';
import { ENTERPRISE, ERROR_SCHEMA, scimClient, USER_SCHEMA } from './client.ts';

const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

for (const kind of DATABASES) {
  describe(`SCIM door on ${kind.name}`, () => {
    const t = useTestApp(kind);
    const scim = scimClient(t);

    test('the key without "Bearer" is accepted; another scheme or no key is 401 in SCIM\'s shape', async () => {
      const bare = await t.request({ method: 'GET', url: '/scim/v2/Users', key: null, headers: { authorization: TEST_ADMIN_KEY } });
      assert.equal(bare.statusCode, 200);
      for (const authorization of [undefined, `Basic ${Buffer.from(`x:${TEST_ADMIN_KEY}`).toString('base64')}`, 'Bearer sk_test_wrong']) {
        const res = await t.request({ method: 'GET', url: '/scim/v2/Users', key: null, headers: authorization ? { authorization } : {} });
        assert.equal(res.statusCode, 401, String(authorization));
        assert.deepEqual(res.json().schemas, [ERROR_SCHEMA]);
        assert.equal(res.json().status, '401');
        assert.match(String(res.headers['www-authenticate']), /^Bearer/);
      }
    });

    test('a read key reads and cannot write (403); a write key writes', async () => {
      const read = await t.key(['read']);
      assert.equal((await scim.get('/Users', { key: read })).statusCode, 200);
      const refused = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'readonly.try' }, { key: read });
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().status, '403');
      const write = await t.key(['write']);
      assert.equal((await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'write.key' }, { key: write })).statusCode, 201);
    });

    test('application/json is accepted as well as application/scim+json; responses are application/scim+json', async () => {
      const res = await t.request({ method: 'POST', url: '/scim/v2/Users', payload: { schemas: [USER_SCHEMA], userName: 'plain.json' } });
      assert.equal(res.statusCode, 201, res.body);
      assert.match(String(res.headers['content-type']), /^application\/scim\+json; charset=utf-8/);
      const text = await t.request({ method: 'POST', url: '/scim/v2/Users', payload: 'userName=x', headers: { 'content-type': 'text/plain' } });
      assert.equal(text.statusCode, 415);
      assert.equal(text.json().status, '415');
      const broken = await t.request({ method: 'POST', url: '/scim/v2/Users', payload: '{"userName":', headers: { 'content-type': 'application/scim+json' } });
      assert.equal(broken.statusCode, 400);
      assert.equal(broken.json().scimType, 'invalidSyntax');
    });

    test('discovery: ServiceProviderConfig with its limits, ResourceTypes, Schemas with the enterprise extension and Group', async () => {
      const config = (await scim.get('/ServiceProviderConfig')).json();
      assert.equal(config.patch.supported, true);
      assert.deepEqual(config.filter, { supported: true, maxResults: 200 });
      assert.deepEqual(config.bulk, { supported: true, maxOperations: 1000, maxPayloadSize: 4 * 1024 * 1024 });
      assert.equal(config.etag.supported, true);
      assert.equal(config.sort.supported, false);
      assert.equal(config.authenticationSchemes[0].type, 'oauthbearertoken');

      const types = (await scim.get('/ResourceTypes')).json();
      assert.deepEqual(types.Resources.map((r: { id: string }) => r.id), ['User', 'Group']);
      assert.deepEqual(types.Resources[0].schemaExtensions, [{ schema: ENTERPRISE, required: false }]);
      assert.equal((await scim.get('/ResourceTypes/Group')).json().endpoint, '/Groups');

      const schemas = (await scim.get('/Schemas')).json();
      assert.deepEqual(schemas.Resources.map((s: { id: string }) => s.id), [USER_SCHEMA, ENTERPRISE, 'urn:ietf:params:scim:schemas:core:2.0:Group']);
      const user = (await scim.get(`/Schemas/${USER_SCHEMA}`)).json();
      const userName = user.attributes.find((a: { name: string }) => a.name === 'userName');
      assert.deepEqual([userName.required, userName.uniqueness, userName.caseExact], [true, 'server', false]);
      assert.equal((await scim.get('/Schemas/urn:nothing')).statusCode, 404);
    });

    test('uniqueness: a taken userName, email or externalId is 409 uniqueness naming the attribute', async () => {
      const first = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'unique.one', externalId: 'ext-unique-1', emails: [{ value: 'unique.one@example.com', primary: true }] });
      assert.equal(first.statusCode, 201, first.body);
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ userName: 'UNIQUE.ONE' }, /userName/],
        [{ userName: 'unique.two', emails: [{ value: 'Unique.One@example.com' }] }, /emails/],
        [{ userName: 'unique.three', externalId: 'ext-unique-1' }, /externalId/],
        [{ userName: 'unique.one@example.com' }, /emails/],
      ];
      for (const [body, attribute] of cases) {
        const res = await scim.post('/Users', { schemas: [USER_SCHEMA], ...body });
        assert.equal(res.statusCode, 409, JSON.stringify(body));
        assert.equal(res.json().scimType, 'uniqueness');
        assert.match(res.json().detail, attribute);
      }
    });

    test('an invalid value is 400 invalidValue naming the SCIM attribute; a missing userName too', async () => {
      const bad = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'has spaces in it' });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().scimType, 'invalidValue');
      assert.match(bad.json().detail, /^userName: /);
      const missing = await scim.post('/Users', { schemas: [USER_SCHEMA], name: { givenName: 'x' } });
      assert.equal(missing.json().scimType, 'invalidValue');
      assert.match(missing.json().detail, /userName is required/);
      const notObject = await scim.post('/Users', [1, 2]);
      assert.equal(notObject.json().scimType, 'invalidSyntax');
    });

    test('a user made through /v1 reads back through SCIM and a PATCH that changes nothing writes nothing', async () => {
      const made = await t.request({ method: 'POST', url: '/v1/users', payload: { email: 'v1.made@example.com', first_name: 'Vee', last_name: 'One', name: 'Vee One', phone: '+14155550199', organization: 'Acme', external_id: 'v1-made' } });
      assert.equal(made.statusCode, 201, made.body);
      const id = made.json().id;
      const read = (await scim.get(`/Users/${id}`)).json();
      assert.equal(read.userName, 'v1.made@example.com');
      assert.deepEqual(read.name, { formatted: 'Vee One', givenName: 'Vee', familyName: 'One' });
      assert.deepEqual(read.phoneNumbers, [{ value: '+14155550199', type: 'work', primary: true }]);
      assert.equal(read[ENTERPRISE].organization, 'Acme');
      const same = await scim.patch(`/Users/${id}`, scim.ops({ op: 'replace', path: 'active', value: true }));
      assert.equal(same.statusCode, 200, same.body);
      assert.equal(same.json().meta.version, read.meta.version, 'no new version');
      const put = await scim.put(`/Users/${id}`, read);
      assert.equal(put.json().meta.version, read.meta.version, 'a PUT of the user as read writes nothing');
    });

    test('unknown paths under /scim/v2 are 404 in SCIM\'s shape', async () => {
      const res = await scim.get('/Nothing');
      assert.equal(res.statusCode, 404);
      assert.deepEqual(res.json().schemas, [ERROR_SCHEMA]);
    });

    test('a non-E.164 phone number and unknown attributes are kept in the SCIM extension, never dropped', async () => {
      const res = await scim.post('/Users', {
        schemas: [USER_SCHEMA, 'urn:example:custom:2.0:User'],
        userName: 'kept.attributes',
        phoneNumbers: [{ value: '555-555-5555', type: 'work' }],
        timezone: 'Europe/Berlin',
        'urn:example:custom:2.0:User': { costCentre: '42' },
      });
      assert.equal(res.statusCode, 201, res.body);
      const read = (await scim.get(`/Users/${res.json().id}`)).json();
      assert.deepEqual(read.phoneNumbers, [{ value: '555-555-5555', type: 'work' }]);
      assert.equal(read.timezone, 'Europe/Berlin');
      assert.deepEqual(read['urn:example:custom:2.0:User'], { costCentre: '42' });
      assert.ok(read.schemas.includes('urn:example:custom:2.0:User'));
      const v1 = (await t.request({ method: 'GET', url: `/v1/users/${read.id}` })).json();
      assert.equal(v1.phone, null);
      assert.equal(v1.extensions, undefined, 'the SCIM extension stays private to the door');
    });
  });

  describe(`SCIM attribute mapping on ${kind.name}`, () => {
    const t = useTestApp(kind);
    const scim = scimClient(t);
    const v1 = async (id: string) => (await t.request({ method: 'GET', url: `/v1/users/${id}` })).json();

    test('every mapped attribute lands in its canonical field; the rest is kept; the user reads back as sent', async () => {
      const body = {
        schemas: [USER_SCHEMA, ENTERPRISE],
        userName: 'mapped.user',
        externalId: 'idp-mapped-1',
        name: { givenName: 'Ada', familyName: 'Lovelace', formatted: 'Countess Ada Lovelace', honorificPrefix: 'Countess' },
        displayName: 'Ada Lovelace',
        emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
        phoneNumbers: [{ value: '+14155550142', type: 'work', primary: true }],
        active: true,
        locale: 'en-GB',
        title: 'Analyst',
        preferredLanguage: 'en',
        [ENTERPRISE]: { employeeNumber: '1815', department: 'Engines', organization: 'Analytical', costCenter: 'CC-1', manager: { value: 'mgr-1' } },
      };
      const created = await scim.post('/Users', body);
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id;
      const user = await v1(id);
      assert.deepEqual(
        [user.username, user.email, user.external_id, user.first_name, user.last_name, user.name, user.phone, user.active, user.locale, user.title, user.organization],
        ['mapped.user', 'ada@example.com', 'idp-mapped-1', 'Ada', 'Lovelace', 'Ada Lovelace', '+14155550142', true, 'en-GB', 'Analyst', 'Analytical'],
      );
      const read = (await scim.get(`/Users/${id}`)).json();
      const { id: _id, meta, ...rest } = read;
      assert.deepEqual(rest, body, 'nothing dropped, nothing added');
      assert.equal(meta.version, String(created.headers.etag));
    });

    test('an email-shaped userName is the email; an emails list that differs is kept and shown while the email agrees', async () => {
      const created = await scim.post('/Users', {
        schemas: [USER_SCHEMA],
        userName: 'Okta.Person@Example.com',
        emails: [{ value: 'okta.person@example.com', type: 'work', primary: true }, { value: 'private@example.org', type: 'home' }],
      });
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id;
      const user = await v1(id);
      assert.deepEqual([user.username, user.email.toLowerCase()], [null, 'okta.person@example.com']);
      const read = (await scim.get(`/Users/${id}`)).json();
      assert.equal(read.userName, 'Okta.Person@Example.com');
      assert.deepEqual(read.emails.map((e: { value: string }) => e.value), ['okta.person@example.com', 'private@example.org']);
      // Changed through another door: the canonical email wins, the stale list is no longer shown.
      const changed = await t.request({ method: 'PATCH', url: `/v1/users/${id}`, payload: { email: 'renamed@example.com' } });
      assert.equal(changed.statusCode, 200, changed.body);
      const after = (await scim.get(`/Users/${id}`)).json();
      assert.equal(after.userName, 'renamed@example.com');
      assert.deepEqual(after.emails, [{ value: 'renamed@example.com', type: 'work', primary: true }]);
    });

    test('count is cut to the maximum ServiceProviderConfig advertises (200)', async () => {
      const operations = Array.from({ length: 205 }, (_, i) => ({ op: 'create', data: { username: `paged_${i}` } }));
      const batch = await t.request({ method: 'POST', url: '/v1/users/batch', payload: { operations } });
      assert.equal(batch.statusCode, 200, batch.body.slice(0, 300));
      const max = (await scim.get('/ServiceProviderConfig')).json().filter.maxResults;
      assert.equal(max, 200);
      const page = (await scim.get(`/Users?count=100000&filter=${encodeURIComponent('userName sw "paged_"')}`)).json();
      assert.deepEqual([page.totalResults, page.itemsPerPage, page.Resources.length], [205, max, max]);
      const rest = (await scim.get(`/Users?startIndex=201&count=200&filter=${encodeURIComponent('userName sw "paged_"')}`)).json();
      assert.deepEqual([rest.itemsPerPage, rest.startIndex], [5, 201]);
      assert.equal((await scim.get('/Users?filter=userName%20sw%20%22paged_%22')).json().itemsPerPage, 100, 'the default count is 100');
    });
  });

  describe(`SCIM Bulk on ${kind.name}`, () => {
    const t = useTestApp(kind);
    const scim = scimClient(t);

    test('bulkId references: create, then patch and put the created user by its bulkId; each result in order', async () => {
      const res = await scim.post('/Bulk', {
        schemas: [BULK],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'qwerty', data: { schemas: [USER_SCHEMA], userName: 'bulk.one', externalId: 'bulk-ext-1' } },
          { method: 'POST', path: '/Users', bulkId: 'ytrewq', data: { schemas: [USER_SCHEMA, ENTERPRISE], userName: 'bulk.two', [ENTERPRISE]: { manager: { value: 'bulkId:qwerty' } } } },
          { method: 'PATCH', path: '/Users/bulkId:qwerty', data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] } },
          { method: 'DELETE', path: '/Users/bulkId:nope' },
        ],
      });
      assert.equal(res.statusCode, 200, res.body);
      const ops = res.json().Operations;
      assert.deepEqual(ops.map((o: { status: string }) => o.status), ['201', '201', '200', '409']);
      assert.equal(ops[0].bulkId, 'qwerty');
      const firstId = String(ops[0].location).split('/').pop();
      const second = (await scim.get(`/Users/${String(ops[1].location).split('/').pop()}`)).json();
      assert.equal(second[ENTERPRISE].manager.value, firstId, 'the bulkId became the created id');
      assert.equal((await scim.get(`/Users/${firstId}`)).json().active, false);
      assert.equal(ops[3].response.scimType, 'invalidValue');
      assert.match(ops[3].response.detail, /bulkId:nope/);
    });

    test('failOnErrors stops after that many errors; a duplicate within the request is a 409', async () => {
      const res = await scim.post('/Bulk', {
        schemas: [BULK],
        failOnErrors: 1,
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'a', data: { userName: 'fail.one' } },
          { method: 'POST', path: '/Users', bulkId: 'b', data: { userName: 'fail.one' } },
          { method: 'POST', path: '/Users', bulkId: 'c', data: { userName: 'fail.three' } },
        ],
      });
      const ops = res.json().Operations;
      assert.deepEqual(ops.map((o: { status: string }) => o.status), ['201', '409']);
      assert.equal(ops[1].response.scimType, 'uniqueness');
      assert.equal((await scim.get(`/Users?filter=${encodeURIComponent('userName eq "fail.three"')}`)).json().totalResults, 0);
    });

    test('above the advertised limits: 413 and nothing written', async () => {
      const many = Array.from({ length: 1001 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `b${i}`, data: { userName: `too.many.${i}` } }));
      const res = await scim.post('/Bulk', { schemas: [BULK], Operations: many });
      assert.equal(res.statusCode, 413);
      assert.equal(res.json().status, '413');
      const big = await scim.post('/Bulk', { schemas: [BULK], Operations: [{ method: 'POST', path: '/Users', bulkId: 'x', data: { userName: 'too.big', title: 'x'.repeat(4 * 1024 * 1024) } }] });
      assert.equal(big.statusCode, 413);
      assert.equal((await scim.get(`/Users?filter=${encodeURIComponent('userName sw "too."')}`)).json().totalResults, 0);
    });

    test('malformed operations fail alone, in SCIM\'s shape', async () => {
      const res = await scim.post('/Bulk', {
        schemas: [BULK],
        Operations: [{ method: 'GET', path: '/Users' }, { method: 'POST', path: '/Widgets', bulkId: 'w', data: {} }, { method: 'PUT', path: '/Users', data: {} }, 'x'],
      });
      assert.deepEqual(res.json().Operations.map((o: { status: string }) => o.status), ['400', '400', '400', '400']);
      assert.deepEqual(res.json().Operations.map((o: { response: { scimType: string } }) => o.response.scimType), ['invalidSyntax', 'invalidPath', 'invalidPath', 'invalidSyntax']);
    });
  });
}
