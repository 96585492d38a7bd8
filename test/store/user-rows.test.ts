/**
 * Issue 19: on SQLite the reads of many users (list pages, SCIM's filtered pages, findMany, the
 * search) fetch each row as one json_array text (src/store/user-rows.ts, selectUserRows), while a
 * read by id fetches the columns. Both must give the same user, value for value, whatever the
 * strings hold: quotes, backslashes, control characters, line separators, emoji, text that looks
 * like JSON, and numbers and flags of every kind.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { openStore } from '../../src/store/kysely-store.ts';
import type { Store, StoredUser } from '../../src/store/contract.ts';
import { blankProfile } from '../../src/domain/user-fields.ts';
import type { JsonValue } from '../../src/domain/user.ts';
import { newId } from '../../src/domain/ids.ts';
import { CANDIDATE_CAP } from '../../src/store/user-search.ts';
import { DATABASES, type DatabaseKind } from '../helpers/databases.ts';

async function withStore(kind: DatabaseKind, work: (store: Store) => Promise<void>): Promise<void> {
  const database = await kind.create();
  const store = await openStore(database.url);
  try {
    await work(store);
  } finally {
    await store.close();
    await database.drop();
  }
}

// PostgreSQL refuses NUL in text, and the API refuses it before the store (a 400 on both databases).
const text = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', '/', '\n', '\t', '\u0001', '\u001f', '\u007f', '\u2028', '\u2029', '😀', 'é', '{', '}', '[', 'null'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 24 }).filter(
  (s) => !s.includes('\u0000'),
);
const maybe = (arbitrary: fc.Arbitrary<string>) => fc.option(arbitrary, { nil: null });
const jsonValue = fc.jsonValue({ maxDepth: 2 }).filter((v) => !JSON.stringify(v).includes('\\u0000')) as fc.Arbitrary<JsonValue>;

const userArbitrary = fc.record({
  first_name: maybe(text),
  last_name: maybe(text),
  name: maybe(text),
  title: maybe(text),
  bio: maybe(text),
  phone: maybe(text),
  external_id: maybe(text),
  email_verified: fc.boolean(),
  active: fc.boolean(),
  password_migration_pending: fc.boolean(),
  version: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  metadata: fc.dictionary(text, jsonValue, { maxKeys: 4, noNullPrototype: true }),
  extensions: fc.dictionary(fc.constantFrom('scim', 'workos', 'klaim'), fc.dictionary(text, jsonValue, { maxKeys: 3, noNullPrototype: true }), { maxKeys: 2, noNullPrototype: true }),
});

type Generated = typeof userArbitrary extends fc.Arbitrary<infer T> ? T : never;

function storedUser(n: number, fields: Generated): StoredUser {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, 0, n)).toISOString();
  return {
    ...blankProfile(),
    id: newId('usr'),
    environment: 'test',
    email: `rows${n}@example.com`,
    ...fields,
    // external ids are unique per environment: the generated one, made so.
    external_id: fields.external_id === null ? null : `${n}:${fields.external_id}`,
    password_set: n % 2 === 0,
    password_hash: n % 2 === 0 ? `$argon2id$v=19$m=19456,t=2,p=1$${n}` : null,
    password_hash_type: n % 2 === 0 ? 'argon2' : null,
    source: 'v1',
    created_at: at,
    updated_at: at,
  };
}

for (const kind of DATABASES) {
  describe(`users read many at a time (${kind.name})`, () => {
    test('a page, a filtered page, findMany and the search give each user exactly as a read by id does', async () => {
      await withStore(kind, async (store) => {
        const generated = fc.sample(userArbitrary, { numRuns: 60, seed: 19 });
        const users = generated.map((fields, n) => storedUser(n, fields));
        for (const user of users) await store.users.insert(user);
        const byId = new Map<string, StoredUser>();
        for (const user of users) byId.set(user.id, (await store.users.findById('test', user.id))!);
        for (const user of users) {
          // The read by id is the columns' path: it must give back what was stored (metadata as
          // JSON keeps it: -0 comes back 0).
          const { password_set: _set, ...stored } = user;
          const { password_set: _read, ...read } = byId.get(user.id)!;
          assert.deepEqual(read, JSON.parse(JSON.stringify(stored)), `read by id of ${user.id}`);
        }

        const listed: StoredUser[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.users.list('test', {}, { after, limit: 7 });
          listed.push(...page.items);
          if (!page.hasMore) break;
          after = page.items.at(-1)!.id;
        }
        assert.equal(listed.length, users.length);
        for (const user of listed) assert.deepEqual(user, byId.get(user.id), `listed ${user.id}`);

        const everyone = await store.users.query('test', { kind: 'const', value: true }, { offset: 0, limit: users.length });
        assert.equal(everyone.total, users.length);
        for (const user of everyone.items) assert.deepEqual(user, byId.get(user.id), `queried ${user.id}`);

        const found = await store.users.findMany('test', 'email', users.map((u) => u.email!));
        assert.equal(found.length, users.length);
        for (const user of found) assert.deepEqual(user, byId.get(user.id), `found ${user.id}`);

        // The search box: a few candidates are read by id (rows1, rows10…); more than
        // CANDIDATE_CAP are walked along the id index, the search as a filter (rows…).
        const crowd = Array.from({ length: CANDIDATE_CAP + 1 }, (_, n) => ({ ...storedUser(1_000 + n, generated[n % generated.length]!), email: `rowsmore${n}@example.com`, external_id: null }));
        await store.users.insertMany(crowd);
        for (const [q, expected] of [['rows1', 11], ['rows', 100]] as const) {
          const searched = await store.users.list('test', { q }, { limit: 100 });
          assert.equal(searched.items.length, expected, `the search for ${q}`);
          for (const user of searched.items) assert.deepEqual(user, byId.get(user.id) ?? (await store.users.findById('test', user.id)), `searched ${q}: ${user.id}`);
        }
      });
    });
  });
}
