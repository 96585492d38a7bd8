/**
 * The store contract (src/store/contract.ts), held on SQLite always and on PostgreSQL when
 * TEST_DATABASE_URL is set: the same migrations, the same behaviour.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConflictError } from '../src/domain/errors.ts';
import { newId } from '../src/domain/ids.ts';
import { blankProfile } from '../src/domain/user-fields.ts';
import type { Store, StoredUser } from '../src/store/contract.ts';
import { openStore } from '../src/store/kysely-store.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { DATABASES, type TestDatabase } from './helpers/databases.ts';

/** A stored user as create() would make it: the domain's blank profile, then `fields`. */
function makeUser(fields: Partial<StoredUser> = {}): StoredUser {
  const now = new Date().toISOString();
  return {
    id: newId('usr'), environment: 'test', ...blankProfile(),
    password_set: false, password_hash: null, password_hash_type: null, source: 'v1', version: 1, created_at: now, updated_at: now,
    ...fields,
  };
}

for (const kind of DATABASES) {
  describe(`store contract on ${kind.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    before(async () => {
      database = await kind.create();
      store = await openStore(database.url);
    });
    after(async () => {
      await store.close();
      await database.drop();
    });

    test('migrations are idempotent: a second run applies nothing', async () => {
      const second = await openStore(database.url);
      await second.close();
      assert.equal(store.capabilities.name, kind.name);
    });

    test('insert then findById round-trips every field; other environments see nothing', async () => {
      const user = makeUser({ email: 'Round@Trip.io', username: 'Round', metadata: { a: [1, { b: null }] }, extensions: { klaim: { credit_balance: 5 } }, active: false, email_verified: true });
      await store.users.insert(user);
      assert.deepEqual(await store.users.findById('test', user.id), user);
      assert.equal(await store.users.findById('live', user.id), null);
      assert.equal(await store.users.findById('test', 'usr_missing'), null);
    });

    test('unique email/username (case-insensitive) and external_id raise ConflictError naming the field', async () => {
      await store.users.insert(makeUser({ email: 'dup@example.com', username: 'dupname', external_id: 'dup-1' }));
      const cases: Array<[Partial<StoredUser>, string]> = [
        [{ email: 'DUP@example.com' }, 'email'],
        [{ username: 'DupName' }, 'username'],
        [{ external_id: 'dup-1' }, 'external_id'],
      ];
      for (const [fields, field] of cases) {
        await assert.rejects(store.users.insert(makeUser(fields)), (e: unknown) => e instanceof ConflictError && e.field === field);
      }
      // The same values are free in the other environment.
      await store.users.insert(makeUser({ environment: 'live', email: 'dup@example.com', username: 'dupname', external_id: 'dup-1' }));
    });

    test('update writes only at the expected version and maps unique violations', async () => {
      const user = makeUser({ email: 'upd@example.com' });
      await store.users.insert(user);
      assert.equal(await store.users.update('test', user.id, 2, { first_name: 'x', version: 3, updated_at: user.updated_at }), false);
      assert.equal(await store.users.update('test', user.id, 1, { first_name: 'x', email: 'UPD2@example.com', version: 2, updated_at: user.updated_at }), true);
      const found = await store.users.findById('test', user.id);
      assert.equal(found?.first_name, 'x');
      assert.equal(found?.version, 2);
      const other = makeUser({ email: 'other@example.com' });
      await store.users.insert(other);
      await assert.rejects(
        store.users.update('test', other.id, 1, { email: 'upd2@EXAMPLE.com', version: 2, updated_at: user.updated_at }),
        (e: unknown) => e instanceof ConflictError && e.field === 'email',
      );
      assert.equal(await store.users.update('test', 'usr_missing', 1, { first_name: 'x', version: 2, updated_at: user.updated_at }), false);
    });

    // Issue 19: on PostgreSQL one statement; the guarantees are update()'s and append()'s.
    test('updateAndAppend: the event only when the update matched, in the same transaction; unique violations mapped', async () => {
      const user = makeUser({ email: 'ua@example.com' });
      await store.users.insert(user);
      const event = (changes: { first_name?: string }) => ({
        id: newId('evt'), environment: 'test' as const, user_id: user.id, type: 'user.updated' as const, actor: 'k', request_id: null, door: 'v1' as const,
        changes: { first_name: { previous: null, current: changes.first_name ?? null } }, created_at: new Date().toISOString(), snapshot: null,
      });
      const events = async () => (await store.events.listForUser('test', user.id, { limit: 10 })).items.length;
      assert.equal(await store.users.updateAndAppend('test', user.id, 2, { first_name: 'stale', version: 3, updated_at: user.updated_at }, event({ first_name: 'stale' })), false);
      assert.equal(await events(), 0, 'a stale version appends nothing');
      assert.equal(await store.users.updateAndAppend('test', user.id, 1, { first_name: 'y', version: 2, updated_at: user.updated_at }, event({ first_name: 'y' })), true);
      assert.equal((await store.users.findById('test', user.id))?.first_name, 'y');
      assert.equal(await events(), 1);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.users.updateAndAppend('test', user.id, 2, { first_name: 'z', version: 3, updated_at: user.updated_at }, event({ first_name: 'z' }));
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      assert.deepEqual([(await store.users.findById('test', user.id))?.first_name, await events()], ['y', 1], 'rolled back together');
      const other = makeUser({ email: 'ua-other@example.com' });
      await store.users.insert(other);
      await assert.rejects(
        store.users.updateAndAppend('test', other.id, 1, { email: 'UA@example.com', version: 2, updated_at: user.updated_at }, { ...event({}), user_id: other.id }),
        (e: unknown) => e instanceof ConflictError && e.field === 'email',
      );
      assert.equal((await store.events.listForUser('test', other.id, { limit: 10 })).items.length, 0);
    });

    test('setPassword sets password_set; delete returns whether a row went', async () => {
      const user = makeUser({ username: 'pw-user' });
      await store.users.insert(user);
      assert.equal(await store.users.setPassword('test', user.id, { hash: '$argon2id$x', type: 'argon2' }), true);
      const found = await store.users.findById('test', user.id);
      assert.equal(found?.password_set, true);
      assert.equal(found?.password_hash_type, 'argon2');
      assert.equal(await store.users.delete('test', user.id), true);
      assert.equal(await store.users.delete('test', user.id), false);
    });

    test('list: id order, cursor, limit+hasMore, case-insensitive filters, environment partition', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const u = makeUser({ environment: 'live', username: `Lister${i}`, email: `L${i}@list.io` });
        await store.users.insert(u);
        ids.push(u.id);
      }
      const first = await store.users.list('live', {}, { limit: 3 });
      assert.equal(first.hasMore, true);
      const rest = await store.users.list('live', {}, { limit: 10, after: first.items.at(-1)!.id });
      assert.equal(rest.hasMore, false);
      const all = [...first.items, ...rest.items].map((u) => u.id);
      assert.deepEqual(all, [...all].sort());
      for (const id of ids) assert.ok(all.includes(id));
      assert.deepEqual((await store.users.list('live', { email: 'l2@LIST.io' }, { limit: 10 })).items.map((u) => u.id), [ids[2]]);
      assert.deepEqual((await store.users.list('live', { username: 'lister4' }, { limit: 10 })).items.map((u) => u.id), [ids[4]]);
      assert.equal((await store.users.list('test', { username: 'lister4' }, { limit: 10 })).items.length, 0);
    });

    test('list: descending order and paging backwards with before (WorkOS door, issue 4)', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const u = makeUser({ environment: 'live', username: `Pager${i}`, metadata: { pager: 'yes' } });
        await store.users.insert(u);
        ids.push(u.id);
      }
      const mine = (page: { items: StoredUser[] }) => page.items.map((u) => u.id).filter((id) => ids.includes(id));
      // Cursors inside this run's ids keep other tests' users out of the window.
      const [a, b, c, d, e] = ids as [string, string, string, string, string];
      const desc = await store.users.list('live', {}, { limit: 2, order: 'desc', after: e });
      assert.deepEqual(mine(desc), [d, c]);
      assert.equal(desc.hasMore, true);
      const descBefore = await store.users.list('live', {}, { limit: 2, order: 'desc', before: a });
      assert.deepEqual(mine(descBefore), [c, b]);
      assert.equal(descBefore.hasMore, true);
      const ascBefore = await store.users.list('live', {}, { limit: 2, order: 'asc', before: e });
      assert.deepEqual(mine(ascBefore), [c, d]);
      assert.equal(ascBefore.hasMore, true);
      const ascAfter = await store.users.list('live', {}, { limit: 10, order: 'asc', after: c });
      assert.deepEqual(mine(ascAfter), [d, e]);
      const newest = await store.users.list('live', {}, { limit: 1, order: 'desc' });
      assert.ok(newest.items[0]!.id >= e);
    });

    test('list q: case-insensitive prefix of identifiers and names, wildcards literal (console search, issue 7)', async () => {
      const ada = makeUser({ email: 'Ada.Q@Search.io', username: 'qada', external_id: 'EXT-q-1', first_name: 'Ada', last_name: 'Lovelace' });
      const grace = makeUser({ email: 'grace.q@search.io', username: 'q_grace', name: 'Amazing Grace', last_name: 'Hopper' });
      const percent = makeUser({ username: 'q%odd', first_name: 'Qwildcard' });
      const other = makeUser({ environment: 'live', email: 'ada.q@search.io' });
      for (const u of [ada, grace, percent, other]) await store.users.insert(u);
      const ids = async (q: string, filter: object = {}) => (await store.users.list('test', { ...filter, q }, { limit: 10 })).items.map((u) => u.id);
      assert.deepEqual(await ids('ADA.q@'), [ada.id]);
      assert.deepEqual(await ids('qad'), [ada.id]);
      assert.deepEqual(await ids('ext-Q'), [ada.id]);
      assert.deepEqual(await ids('lovel'), [ada.id]);
      assert.deepEqual(await ids('ada LOVE'), [ada.id]);
      assert.deepEqual(await ids('amazing'), [grace.id]);
      assert.deepEqual(await ids('hopper'), [grace.id]);
      assert.deepEqual(await ids('lace'), [], 'a prefix, not a substring');
      // `_` and `%` match only themselves: "q_" is not "q" followed by any one character.
      assert.deepEqual(await ids('q_'), [grace.id]);
      assert.deepEqual(await ids('q%'), [percent.id]);
      assert.deepEqual(await ids('%'), []);
      assert.deepEqual(await ids('q', { username: 'q_grace' }), [grace.id], 'combines with the exact filters');
      assert.deepEqual((await ids('q')).sort(), [ada.id, grace.id, percent.id].sort());
    });

    test('transactions commit together or not at all', async () => {
      const user = makeUser({ username: 'tx-user' });
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.users.insert(user);
          await tx.events.append({ id: newId('evt'), environment: 'test', user_id: user.id, type: 'user.created', actor: 'k', request_id: null, door: 'v1', changes: {}, created_at: user.created_at });
          throw new Error('abort');
        }),
        /abort/,
      );
      assert.equal(await store.users.findById('test', user.id), null);
      assert.equal((await store.events.listForUser('test', user.id, { limit: 10 })).items.length, 0);
    });

    test('insertMany and appendMany (issue 15, a batch\'s creates): every row round-trips, events in order; a taken value fails the transaction whole', async () => {
      const users = Array.from({ length: 130 }, (_, i) => makeUser({ email: `many-${i}@example.com`, username: `many-${i}`, external_id: `many-${i}`, metadata: { i } }));
      const events = users.map((user) => ({ id: newId('evt'), environment: 'test' as const, user_id: user.id, type: 'user.created' as const, actor: 'k', request_id: 'req_many', door: 'v1' as const, changes: { email: { previous: null, current: user.email } }, created_at: user.created_at }));
      await store.transaction(async (tx) => {
        await tx.users.insertMany(users);
        await tx.events.appendMany(events);
      });
      for (const i of [0, 99, 100, 129]) {
        assert.deepEqual(await store.users.findById('test', users[i]!.id), users[i]);
        const [event] = (await store.events.listForUser('test', users[i]!.id, { limit: 5 })).items;
        assert.equal(event?.id, events[i]!.id);
        assert.deepEqual(event?.changes, events[i]!.changes);
      }
      const found = await store.users.findMany('test', 'email', ['MANY-7@example.com', 'many-120@example.com', 'none@example.com']);
      assert.deepEqual(found.map((u) => u.id).sort(), [users[7]!.id, users[120]!.id].sort());
      assert.deepEqual((await store.users.findMany('test', 'username', ['Many-3'])).map((u) => u.id), [users[3]!.id]);
      assert.deepEqual((await store.users.findMany('test', 'external_id', ['MANY-3'])).map((u) => u.id), []);
      assert.deepEqual(await store.users.findMany('live', 'external_id', ['many-3']), []);

      // One value taken (by a stored user, here the last of the list): nothing of the transaction stays.
      const more = [makeUser({ email: 'many-fresh@example.com' }), makeUser({ email: 'MANY-5@example.com' })];
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.users.insertMany(more);
        }),
        (e: unknown) => e instanceof ConflictError && e.field === 'email',
      );
      assert.equal(await store.users.findById('test', more[0]!.id), null);
    });

    test('events: newest first, cursor by event id, per environment', async () => {
      const userId = newId('usr');
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const id = newId('evt');
        ids.push(id);
        await store.events.append({ id, environment: 'test', user_id: userId, type: 'user.updated', actor: 'key_x', request_id: `req_${i}`, door: 'v1', changes: { n: { previous: i, current: i + 1 } }, created_at: new Date().toISOString() });
      }
      const page = await store.events.listForUser('test', userId, { limit: 2 });
      assert.deepEqual(page.items.map((e) => e.id), [ids[3], ids[2]]);
      assert.equal(page.hasMore, true);
      assert.deepEqual(page.items[0]?.changes, { n: { previous: 3, current: 4 } });
      const next = await store.events.listForUser('test', userId, { limit: 2, before: ids[2] });
      assert.deepEqual(next.items.map((e) => e.id), [ids[1], ids[0]]);
      assert.equal(next.hasMore, false);
      assert.equal((await store.events.listForUser('live', userId, { limit: 2 })).items.length, 0);
    });

    test('api keys: insert, find by hash, list per environment, revoke once, count', async () => {
      const before = await store.apiKeys.count();
      const key = { id: newId('key'), environment: 'test' as const, name: 'k', type: 'secret' as const, scopes: ['read' as const, 'write' as const], secret_hash: `h${newId('key')}`, preview: 'sk_test_…abcd', created_by: null, created_at: new Date().toISOString(), revoked_at: null };
      await store.apiKeys.insert(key);
      assert.deepEqual(await store.apiKeys.findBySecretHash(key.secret_hash), key);
      assert.equal(await store.apiKeys.findBySecretHash('nope'), null);
      assert.ok((await store.apiKeys.list('test')).some((k) => k.id === key.id));
      assert.ok(!(await store.apiKeys.list('live')).some((k) => k.id === key.id));
      assert.equal(await store.apiKeys.revoke('live', key.id, key.created_at), false);
      assert.equal(await store.apiKeys.revoke('test', key.id, key.created_at), true);
      assert.equal(await store.apiKeys.revoke('test', key.id, key.created_at), false);
      assert.equal(await store.apiKeys.count(), before + 1);
    });

    test('password attempts: begin counts the window, drops older ones, forget removes one; users are apart (issue 12)', async () => {
      const user = makeUser();
      const other = makeUser();
      await store.users.insert(user);
      await store.users.insert(other);
      const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
      assert.deepEqual(await store.passwordAttempts.begin({ id: 'pa-1', user_id: user.id, attempted_at: at(0) }, at(-10)), { count: 1, oldest: at(0) });
      assert.deepEqual(await store.passwordAttempts.begin({ id: 'pa-2', user_id: user.id, attempted_at: at(5) }, at(-5)), { count: 2, oldest: at(0) });
      assert.deepEqual(await store.passwordAttempts.begin({ id: 'pa-3', user_id: other.id, attempted_at: at(5) }, at(-5)), { count: 1, oldest: at(5) });
      await store.passwordAttempts.forget('pa-2');
      // Window (0, 10]: the attempt at minute 0 has aged out.
      assert.deepEqual(await store.passwordAttempts.begin({ id: 'pa-4', user_id: user.id, attempted_at: at(10) }, at(0)), { count: 1, oldest: at(10) });
      // Deleting the user deletes its attempts.
      assert.equal(await store.users.delete('test', user.id), true);
    });

    test('ping answers; migrateToLatest on an up-to-date schema applies nothing', async () => {
      await store.ping();
      const { openConnection } = await import('../src/store/connection.ts');
      const { db, capabilities } = openConnection(database.url);
      assert.deepEqual(await migrateToLatest(db, capabilities), []);
      await db.destroy();
    });
  });
}
