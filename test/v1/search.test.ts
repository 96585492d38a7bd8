/**
 * Issue 13, item 5: GET /v1/users?q= goes through indexes on both databases, never a table scan,
 * and keeps its meaning (case-insensitive prefix of identifiers and names, in id order) whether a
 * prefix matches a few users or thousands.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CompiledQuery, type Kysely } from 'kysely';
import { newId } from '../../src/domain/ids.ts';
import type { Capabilities } from '../../src/store/capabilities.ts';
import { openConnection } from '../../src/store/connection.ts';
import type { StoredUser } from '../../src/store/contract.ts';
import type { Database } from '../../src/store/schema.ts';
import { toUserRow } from '../../src/store/user-rows.ts';
import { CANDIDATE_CAP, SEARCHED_EXPRESSIONS, prefixEnd, probeQuery } from '../../src/store/user-search.ts';
import { DATABASES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const TOTAL = 6000;
const DENSE = CANDIDATE_CAP + 300;

function user(n: number, fields: Partial<StoredUser>): StoredUser {
  const now = new Date().toISOString();
  return {
    id: newId('usr'), environment: 'test', email: `person${n}@search.example`, email_verified: false, pending_email: null, username: `person_${n}`,
    first_name: `First${n}`, last_name: `Last${n}`, name: null, role: null, external_id: `ext-${n}`, locale: null, phone: null,
    avatar_url: null, bio: null, birthday: null, country: null, location: null, organization: null, title: null,
    twitter: null, regions: null, active: true, last_seen_at: null, last_typed_at: null, metadata: {}, extensions: {},
    password_set: false, password_hash: null, password_hash_type: null, password_migration_pending: false, source: 'v1', version: 1, created_at: now, updated_at: now,
    ...fields,
  };
}

for (const kind of DATABASES) {
  describe(`user search on ${kind.name}`, () => {
    let t: TestApp;
    let db: Kysely<Database>;
    let caps: Capabilities;
    const dense: string[] = [];
    before(async () => {
      t = await startTestApp(kind);
      // A second connection to the same database, for bulk rows and the query plans.
      ({ db, capabilities: caps } = openConnection(t.databaseUrl));
      // Many users, a block of them sharing the first name "Dense" (more than one probe may collect).
      const rows = [];
      for (let n = 0; n < TOTAL; n++) {
        const u = user(n, n >= 2000 && n < 2000 + DENSE ? { first_name: 'Dense' } : {});
        if (u.first_name === 'Dense') dense.push(u.id);
        rows.push(toUserRow(u));
      }
      for (let k = 0; k < rows.length; k += 400) await db.insertInto('users').values(rows.slice(k, k + 400)).execute();
      if (kind.name === 'postgres') await db.executeQuery(CompiledQuery.raw('ANALYZE users'));
    });
    after(async () => {
      await db.destroy();
      await t.close();
    });

    async function plan(compiled: { sql: string; parameters: readonly unknown[] }): Promise<string> {
      const explain = kind.name === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
      const result = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(explain + compiled.sql, [...compiled.parameters]));
      return result.rows.map((r) => String(r.detail ?? r['QUERY PLAN'])).join('\n');
    }

    test('every searched expression is probed through its own index, for short and long search text', async () => {
      for (const q of ['d', 'pe', 'person12', 'first1 last1', 'ext-5']) {
        for (const expression of SEARCHED_EXPRESSIONS) {
          const text = await plan(probeQuery(db, caps, expression, { environment: 'test', q, limit: 20, walk: 'asc', cursor: dense[0] }).compile());
          assert.match(text, /users_search_\w+_idx/, `${expression} for "${q}":\n${text}`);
          assert.doesNotMatch(text, kind.name === 'sqlite' ? /SCAN users/ : /Seq Scan/, `${expression} for "${q}":\n${text}`);
        }
      }
    });

    const search = async (query: string) => {
      const res = await t.request({ method: 'GET', url: `/v1/users?${query}` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { data: Array<{ id: string }>; has_more: boolean; next_cursor: string | null };
    };

    test('a rare prefix: exactly its matches, in id order', async () => {
      const page = await search('q=PERSON123');
      // person123, person1230…1239 (by email and by username), all below TOTAL.
      assert.equal(page.data.length, 11);
      assert.deepEqual(page.data.map((u) => u.id), [...page.data.map((u) => u.id)].sort());
      assert.equal((await search('q=first4999%20last4999')).data.length, 1);
      assert.equal((await search('q=nobody-has-this')).data.length, 0);
      assert.equal((await search('q=' + encodeURIComponent('\u{10ffff}'))).data.length, 0);
    });

    test('a dense prefix (more matches than a probe collects): paged forwards and backwards, nothing lost', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await search(`q=dense&limit=100${cursor ? `&after=${cursor}` : ''}`);
        seen.push(...page.data.map((u) => u.id));
        cursor = page.next_cursor;
      } while (cursor);
      assert.deepEqual(seen, [...dense].sort());
      const back = await search(`q=dense&limit=3&before=${seen[10]}`);
      assert.deepEqual(back.data.map((u) => u.id), seen.slice(7, 10));
      assert.equal(back.has_more, true);
    });

    test('prefixEnd steps the last character up, skipping surrogates and dropping the highest code point', () => {
      assert.equal(prefixEnd('abc'), 'abd');
      assert.equal(prefixEnd('a\u{d7ff}'), 'a\u{e000}');
      assert.equal(prefixEnd('a\u{10ffff}'), 'b');
      assert.equal(prefixEnd('\u{10ffff}'), null);
    });
  });
}

