/**
 * Issue 17, item 4: `GET /v1/users?filter=` (the SCIM grammar over canonical names and
 * metadata.<key>), and the plans of the SQL the filters become: `eq` on userName, email,
 * externalId and id probes an index on both databases, never a scan of the users table.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CompiledQuery, type Kysely } from 'kysely';
import { newId } from '../../src/domain/ids.ts';
import type { Capabilities } from '../../src/store/capabilities.ts';
import { openConnection } from '../../src/store/connection.ts';
import type { StoredUser } from '../../src/store/contract.ts';
import type { Database } from '../../src/store/schema.ts';
import { listStatement, queryStatements } from '../../src/store/user-queries.ts';
import { walkOf } from '../../src/store/paging.ts';
import { toUserRow } from '../../src/store/user-rows.ts';
import { userCondition } from '../../src/http/scim/user-filter.ts';
import { v1Condition } from '../../src/http/v1/user-filter.ts';
import { parseFilter } from '../../src/domain/filter.ts';
import { DATABASES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const TOTAL = 3000;

function user(n: number): StoredUser {
  const now = new Date().toISOString();
  return {
    id: newId('usr'), environment: 'test', email: `person${n}@filter.example`, email_verified: false, pending_email: null, username: n % 2 ? `person_${n}` : null,
    first_name: `First${n}`, last_name: `Last${n}`, name: null, role: null, external_id: `ext-${n}`, locale: null, phone: null,
    avatar_url: null, bio: null, birthday: null, country: null, location: null, organization: null, title: null,
    twitter: null, regions: null, active: true, last_seen_at: null, last_typed_at: null, metadata: { n }, extensions: {},
    password_set: false, password_migration_pending: false, password_hash: null, password_hash_type: null, source: 'v1', version: 1, created_at: now, updated_at: now,
  };
}

for (const kind of DATABASES) {
  describe(`GET /v1/users?filter= on ${kind.name}`, () => {
    let t: TestApp;
    let db: Kysely<Database>;
    let caps: Capabilities;
    const ids: Record<string, string> = {};
    before(async () => {
      t = await startTestApp(kind);
      ({ db, capabilities: caps } = openConnection(t.databaseUrl));
      const rows = Array.from({ length: TOTAL }, (_, n) => toUserRow(user(n)));
      for (let k = 0; k < rows.length; k += 400) await db.insertInto('users').values(rows.slice(k, k + 400)).execute();
      if (kind.name === 'postgres') await db.executeQuery(CompiledQuery.raw('ANALYZE users'));
      const people = [
        ['ada', { email: 'ada@acme.com', first_name: 'Ada', metadata: { plan: 'pro', seats: 5 } }],
        ['bob', { email: 'bob@ACME.com', username: 'bob_b', metadata: { plan: 'free', seats: 1 } }],
        ['cyd', { email: 'cyd@other.org', metadata: { plan: 'pro', beta: true } }],
        ['dee', { external_id: 'dee-1', active: false }],
      ] as const;
      for (const [key, body] of people) {
        const res = await t.request({ method: 'POST', url: '/v1/users', payload: body });
        assert.equal(res.statusCode, 201, res.body);
        ids[key] = res.json().id;
      }
    });
    after(async () => {
      await db.destroy();
      await t.close();
    });

    const named = async (filter: string, extra = ''): Promise<string[]> => {
      const res = await t.request({ method: 'GET', url: `/v1/users?limit=100&filter=${encodeURIComponent(filter)}${extra}` });
      assert.equal(res.statusCode, 200, `${filter}: ${res.body}`);
      const byId = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
      return res.json().data.map((u: { id: string }) => byId[u.id] ?? 'other').sort();
    };

    const cases: Array<[string, string[]]> = [
      ['email ew "@acme.com" and metadata.plan eq "pro"', ['ada']],
      ['email ew "@acme.com"', ['ada', 'bob']],
      ['EMAIL eq "BOB@acme.com"', ['bob']],
      ['username eq "BOB_B"', ['bob']],
      ['metadata.plan eq "pro"', ['ada', 'cyd']],
      ['metadata.seats gt 2', ['ada']],
      ['metadata.beta eq true', ['cyd']],
      ['metadata.plan pr and not (metadata.plan eq "free")', ['ada', 'cyd']],
      ['active eq false', ['dee']],
      ['external_id eq "dee-1" or first_name sw "ad"', ['ada', 'dee']],
      ['email co "other" or (email sw "ada" and first_name eq "ada")', ['ada', 'cyd']],
      ['metadata.plan eq "nobody"', []],
    ];
    for (const [filter, expected] of cases) {
      test(`filter=${filter}`, async () => assert.deepEqual(await named(filter), expected));
    }

    test('combines with the other filters and pages with cursors', async () => {
      assert.deepEqual(await named('metadata.plan eq "pro"', '&email=cyd@other.org'), ['cyd']);
      const first = await t.request({ method: 'GET', url: `/v1/users?limit=1&filter=${encodeURIComponent('metadata.plan eq "pro"')}` });
      assert.equal(first.json().has_more, true);
      const next = await t.request({ method: 'GET', url: `/v1/users?limit=1&after=${first.json().next_cursor}&filter=${encodeURIComponent('metadata.plan eq "pro"')}` });
      assert.deepEqual([first.json().data[0].id, next.json().data[0].id], [ids.ada, ids.cyd]);
    });

    test('a bad filter is a 400 naming the problem and the filter grammar', async () => {
      for (const filter of ['email eq', 'nosuchfield eq "x"', 'metadata eq "x"', 'active eq "yes"', 'emails[type eq "work"]']) {
        const res = await t.request({ method: 'GET', url: `/v1/users?filter=${encodeURIComponent(filter)}` });
        assert.equal(res.statusCode, 400, filter);
        assert.match(res.json().details.filter[0], /Filters read like/, filter);
      }
    });

    async function planOf(query: { compile(): { sql: string; parameters: readonly unknown[] } }): Promise<string> {
      const compiled = query.compile();
      const explain = kind.name === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
      const result = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(explain + compiled.sql, [...compiled.parameters]));
      return result.rows.map((r) => String(r.detail ?? r['QUERY PLAN'])).join('\n');
    }

    /**
     * A probe reads the rows its values name: no scan of the table, and no index searched on the
     * environment alone (SQLite's `SEARCH users USING INDEX users_environment_id_idx (environment=?)`
     * reads every user of the environment, in id order, as an ORDER BY id with a LIMIT tempts it to).
     */
    function assertProbe(text: string, what: string): void {
      if (kind.name === 'sqlite') {
        assert.doesNotMatch(text, /^SCAN users/m, `${what}:\n${text}`);
        assert.doesNotMatch(text, /\(environment=\?\)$/m, `${what}:\n${text}`);
        assert.match(text, /^SEARCH users USING (COVERING )?INDEX /m, `${what}:\n${text}`);
      } else {
        assert.doesNotMatch(text, /Seq Scan/, `${what}:\n${text}`);
        assert.doesNotMatch(text, /Index Cond: \(environment = '[^']*'::text\)$/m, `${what}:\n${text}`);
        assert.match(text, /Index Cond: /, `${what}:\n${text}`);
      }
    }

    test('eq on SCIM userName, emails, externalId and id probes an index in the statements /Users runs (count and page), never a scan', async () => {
      const page = { offset: 0, limit: 100 };
      for (const filter of [
        'userName eq "person_7"',
        'userName eq "person8@filter.example"',
        'USERNAME eq "Person_7" and active eq true',
        'emails eq "person9@filter.example"',
        'emails.value eq "person9@filter.example"',
        'emails[type eq "work"].value eq "person9@filter.example"',
        'emails[value eq "person9@filter.example"]',
        'externalId eq "ext-9"',
        'id eq "usr_x"',
      ]) {
        const { count, page: rows } = queryStatements(db, caps, 'test', userCondition(parseFilter(filter)), page);
        assertProbe(await planOf(count), `${filter} (count)`);
        assertProbe(await planOf(rows), `${filter} (page)`);
      }
    });

    test('the probes find what they should: userName is the username, else the email of a user without one', async () => {
      const found = async (filter: string) => {
        const res = await t.request({ method: 'GET', url: `/scim/v2/Users?filter=${encodeURIComponent(filter)}` });
        assert.equal(res.statusCode, 200, res.body);
        return res.json().Resources.map((u: { userName: string }) => u.userName);
      };
      assert.deepEqual(await found('userName eq "PERSON_7"'), ['person_7']);
      assert.deepEqual(await found('userName eq "person8@filter.example"'), ['person8@filter.example']);
      assert.deepEqual(await found('userName eq "person7@filter.example"'), [], 'a user with a username is not found by their email as userName');
      assert.deepEqual(await found('userName eq "bob@acme.com"'), []);
      assert.deepEqual(await found('userName eq "bob_b" and active eq true'), ['bob_b']);
    });

    test('eq on email, username, external_id and id, and a selective sw on email and username, in /v1 filter= probe an index in the statement the list runs', async () => {
      const walk = walkOf({}, 'asc');
      for (const filter of ['email eq "person9@filter.example"', 'username eq "person_7"', 'external_id eq "ext-9"', 'id eq "usr_x"', 'email eq "person9@filter.example" and metadata.n eq 9', 'email sw "person1234"', 'username sw "person_1234"']) {
        const where = v1Condition(filter);
        assertProbe(await planOf(listStatement(db, caps, 'test', { where }, { limit: 50, walk })), filter);
      }
    });
  });
}
