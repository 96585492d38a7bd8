/**
 * Issue 17, items 3, 4 and 8: the filter examples of RFC 7644 §3.4.2.2 and the PATCH examples of
 * §3.5.2, run through /scim/v2 against stored users on each database, plus the errors SCIM names
 * for what goes wrong (invalidFilter, invalidPath, noTarget, mutability, 412).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { useTestApp } from '../helpers/app.ts';
import { ENTERPRISE, scimClient, USER_SCHEMA } from './client.ts';

for (const kind of DATABASES) {
  describe(`SCIM: RFC 7644 filter examples on ${kind.name}`, () => {
    const t = useTestApp(kind);
    const scim = scimClient(t);
    const ids: Record<string, string> = {};

    before(async () => {
      const users = {
        bjensen: { userName: 'bjensen', name: { familyName: 'Jensen', givenName: 'Barbara' }, title: 'Tour Guide', userType: 'Employee', emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }] },
        omalley: { userName: 'Jomalley', name: { familyName: "O'Malley" }, userType: 'Intern', emails: [{ value: 'jo@example.org', type: 'work', primary: true }] },
        jdoe: { userName: 'jdoe@example.net', title: 'Engineer', userType: 'Contractor', [ENTERPRISE]: { employeeNumber: '7' } },
      };
      for (const [key, user] of Object.entries(users)) {
        const res = await scim.post('/Users', { schemas: [USER_SCHEMA], ...user });
        assert.equal(res.statusCode, 201, res.body);
        ids[key] = res.json().id;
      }
    });

    const found = async (filter: string): Promise<string[]> => {
      const res = await scim.get(`/Users?filter=${encodeURIComponent(filter)}`);
      assert.equal(res.statusCode, 200, `${filter}: ${res.body}`);
      const byId = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
      return res.json().Resources.map((u: { id: string }) => byId[u.id]).sort();
    };

    const cases: Array<[string, string[]]> = [
      ['userName eq "bjensen"', ['bjensen']],
      [`name.familyName co "O'Malley"`, ['omalley']],
      ['userName sw "J"', ['jdoe', 'omalley']],
      [`${USER_SCHEMA}:userName sw "J"`, ['jdoe', 'omalley']],
      ['title pr', ['bjensen', 'jdoe']],
      ['meta.lastModified gt "2011-05-13T04:42:34Z"', ['bjensen', 'jdoe', 'omalley']],
      ['meta.lastModified ge "2011-05-13T04:42:34Z"', ['bjensen', 'jdoe', 'omalley']],
      ['meta.lastModified lt "2011-05-13T04:42:34Z"', []],
      ['meta.lastModified le "2011-05-13T04:42:34Z"', []],
      ['title pr and userType eq "Employee"', ['bjensen']],
      ['title pr or userType eq "Intern"', ['bjensen', 'jdoe', 'omalley']],
      [`schemas eq "${ENTERPRISE}"`, ['jdoe']],
      ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', ['bjensen']],
      ['userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")', ['jdoe']],
      ['userType eq "Employee" and (emails.type eq "work")', ['bjensen']],
      ['userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', ['bjensen']],
      // Attribute names and operators in any case; userName and emails compare ignoring case.
      ['USERNAME EQ "BJENSEN"', ['bjensen']],
      ['Emails.Value Ew "@EXAMPLE.ORG"', ['omalley']],
      ['not (title pr)', ['omalley']],
      [`${ENTERPRISE}:employeeNumber eq "7"`, ['jdoe']],
      ['userName eq "nobody"', []],
    ];
    for (const [filter, expected] of cases) {
      test(`filter=${filter}`, async () => assert.deepEqual(await found(filter), expected));
    }

    test('what does not parse, or names what cannot be filtered, is 400 invalidFilter with a reason', async () => {
      for (const filter of [
        'userName eq',
        'userName xx "a"',
        '(userName eq "a"',
        'foo eq "x"',
        'userName eq "a" and',
        'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
        'active eq "yes"',
      ]) {
        const res = await scim.get(`/Users?filter=${encodeURIComponent(filter)}`);
        assert.equal(res.statusCode, 400, filter);
        assert.equal(res.json().scimType, 'invalidFilter', filter);
        assert.equal(res.json().status, '400');
        assert.ok(res.json().detail.length > 10, filter);
      }
    });

    test('startIndex and count page through totalResults; count=0 counts only; a huge count is no error (door.test.ts shows the cut to 200)', async () => {
      const page = await scim.get('/Users?startIndex=2&count=1');
      assert.deepEqual([page.json().totalResults, page.json().itemsPerPage, page.json().startIndex], [3, 1, 2]);
      assert.equal(page.json().Resources[0].id, ids.omalley);
      const none = await scim.get('/Users?count=0');
      assert.deepEqual([none.json().totalResults, none.json().Resources.length], [3, 0]);
      const past = await scim.get('/Users?startIndex=10');
      assert.deepEqual([past.json().totalResults, past.json().Resources.length], [3, 0]);
      const big = await scim.get('/Users?count=100000');
      assert.equal(big.statusCode, 200);
      assert.equal((await scim.get('/Users?count=abc')).json().scimType, 'invalidValue');
    });

    test('attributes and excludedAttributes', async () => {
      const only = (await scim.get(`/Users/${ids.bjensen}?attributes=userName,name.givenName`)).json();
      assert.deepEqual(only, { schemas: [USER_SCHEMA, ENTERPRISE], id: ids.bjensen, userName: 'bjensen', name: { givenName: 'Barbara' } });
      const without = (await scim.get(`/Users?filter=${encodeURIComponent('userName eq "bjensen"')}&excludedAttributes=emails,meta,name.familyName`)).json().Resources[0];
      assert.equal(without.emails, undefined);
      assert.equal(without.meta, undefined);
      assert.deepEqual(without.name, { givenName: 'Barbara' });
      assert.equal(without.userName, 'bjensen');
    });
  });

  describe(`SCIM: RFC 7644 PATCH examples on ${kind.name}`, () => {
    const t = useTestApp(kind);
    const scim = scimClient(t);
    let id: string;

    before(async () => {
      const res = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'bjensen', name: { givenName: 'Barbara', familyName: 'Jensen' }, emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }] });
      id = res.json().id;
    });

    test('add without a path: several attributes at once, a multi-valued one appended', async () => {
      const res = await scim.patch(`/Users/${id}`, scim.ops({ op: 'add', value: { emails: [{ value: 'babs@jensen.org', type: 'home' }], nickName: 'Babs' } }));
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().emails, [{ value: 'bjensen@example.com', type: 'work', primary: true }, { value: 'babs@jensen.org', type: 'home' }]);
      assert.equal(res.json().nickName, 'Babs');
      const user = await t.services.users.get({ environment: 'test', actor: 't', door: 'v1', requestId: null }, id);
      assert.equal(user.email, 'bjensen@example.com', 'the primary address stays the email');
    });

    test('remove with a value filter, and a sub-attribute', async () => {
      const res = await scim.patch(`/Users/${id}`, scim.ops({ op: 'remove', path: 'emails[type eq "home"]' }, { op: 'remove', path: 'name.givenName' }));
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().emails, [{ value: 'bjensen@example.com', type: 'work', primary: true }]);
      assert.equal(res.json().name.givenName, undefined);
    });

    test('replace a sub-attribute, a filtered value, a complex attribute (others kept)', async () => {
      const res = await scim.patch(
        `/Users/${id}`,
        scim.ops(
          { op: 'replace', path: 'name.familyName', value: 'Jensen-Smith' },
          { op: 'replace', path: 'emails[type eq "work"]', value: { type: 'work', value: 'barbara@example.com', primary: true } },
          { op: 'replace', path: 'name', value: { givenName: 'Babs' } },
        ),
      );
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().name, { givenName: 'Babs', familyName: 'Jensen-Smith' });
      assert.deepEqual(res.json().emails, [{ type: 'work', value: 'barbara@example.com', primary: true }]);
    });

    test('paths qualified by the core schema URN, as a path and as a path-less key', async () => {
      const res = await scim.patch(
        `/Users/${id}`,
        scim.ops({ op: 'replace', path: `${USER_SCHEMA}:title`, value: 'Tour Guide' }, { op: 'replace', value: { [`${USER_SCHEMA}:displayName`]: 'Babs Jensen', [`${USER_SCHEMA}:name.givenName`]: 'Barbara' } }),
      );
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual([res.json().title, res.json().displayName, res.json().name.givenName], ['Tour Guide', 'Babs Jensen', 'Barbara']);
    });

    test('replace a multi-valued attribute as a whole; remove a whole attribute', async () => {
      const res = await scim.patch(`/Users/${id}`, scim.ops({ op: 'replace', path: 'phoneNumbers', value: [{ value: '+14155550100', type: 'work', primary: true }] }, { op: 'remove', path: 'nickName' }));
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().phoneNumbers, [{ value: '+14155550100', type: 'work', primary: true }]);
      assert.equal(res.json().nickName, undefined);
      const user = await t.services.users.get({ environment: 'test', actor: 't', door: 'v1', requestId: null }, id);
      assert.equal(user.phone, '+14155550100');
    });

    test('errors: mutability, invalidPath, noTarget, invalidSyntax, invalidValue; none writes', async () => {
      const before = (await scim.get(`/Users/${id}`)).json().meta.version;
      const cases: Array<[unknown, string]> = [
        [scim.ops({ op: 'replace', path: 'id', value: 'usr_other' }), 'mutability'],
        [scim.ops({ op: 'replace', value: { id: 'usr_other' } }), 'mutability'],
        [scim.ops({ op: 'add', path: 'groups', value: [{ value: 'g1' }] }), 'mutability'],
        [scim.ops({ op: 'replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' }), 'mutability'],
        [scim.ops({ op: 'replace', path: 'favouriteColour', value: 'blue' }), 'invalidPath'],
        [scim.ops({ op: 'replace', path: 'name.nickname', value: 'x' }), 'invalidPath'],
        [scim.ops({ op: 'replace', path: 'urn:example:unknown:2.0:User:foo', value: 'x' }), 'invalidPath'],
        [scim.ops({ op: 'replace', path: 'emails[type eq "work"', value: 'x' }), 'invalidPath'],
        [scim.ops({ op: 'remove' }), 'noTarget'],
        [scim.ops({ op: 'replace', path: 'emails[type eq "a" or type eq "b"].value', value: 'x@example.com' }), 'noTarget'],
        [scim.ops({ op: 'move', path: 'title', value: 'x' }), 'invalidSyntax'],
        [{ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'] }, 'invalidSyntax'],
        [scim.ops({ op: 'replace', path: 'active', value: 'maybe' }), 'invalidValue'],
        [scim.ops({ op: 'remove', path: 'userName' }), 'invalidValue'],
      ];
      for (const [body, scimType] of cases) {
        const res = await scim.patch(`/Users/${id}`, body);
        assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
        assert.equal(res.json().scimType, scimType, JSON.stringify(body));
      }
      assert.equal((await scim.get(`/Users/${id}`)).json().meta.version, before);
    });

    test('If-Match: the current ETag (weak or strong) passes, a stale one is 412', async () => {
      const current = await scim.get(`/Users/${id}`);
      const etag = String(current.headers.etag);
      assert.match(etag, /^W\/"\d+"$/);
      const stale = await scim.patch(`/Users/${id}`, scim.ops({ op: 'replace', path: 'title', value: 'Stale' }), { headers: { 'if-match': 'W/"1"' } });
      assert.equal(stale.statusCode, 412);
      assert.equal(stale.json().status, '412');
      const ok = await scim.patch(`/Users/${id}`, scim.ops({ op: 'replace', path: 'title', value: 'Fresh' }), { headers: { 'if-match': etag } });
      assert.equal(ok.statusCode, 200);
      const strong = String(ok.headers.etag).replace('W/', '');
      const put = await scim.put(`/Users/${id}`, { ...(ok.json() as Record<string, unknown>), title: 'Put' }, { headers: { 'if-match': strong } });
      assert.equal(put.statusCode, 200, put.body);
      assert.equal((await scim.delete(`/Users/${id}`, { headers: { 'if-match': etag } })).statusCode, 412);
    });
  });
}
