import type { Kysely } from 'kysely';
import { normalizeIdentifier } from '../domain/user.ts';
import type { Capabilities } from './capabilities.ts';
import type { StoredUser, UserQueries } from './contract.ts';
import type { Database } from './schema.ts';
import { asConflict } from './unique-violation.ts';
import { runPrepared, runPreparedResult } from './prepared.ts';
import { fromUserRow, toUserRow, toUserRowChanges, orderedUserRow, pushUserRowValues, userRowValues } from './user-rows.ts';
import { matchesSearch, searchUsers } from './user-search.ts';
import { conditionSql } from './user-filter.ts';
import { pageOf, walkOf } from './paging.ts';

/** Values per statement of findMany: well under SQLite's and PostgreSQL's bound-parameter limits. */
const FIND_MANY_CHUNK = 500;

/** Rows per statement of insertMany: 100 × 36 columns stays under both databases' parameter limits. */
const INSERT_MANY_CHUNK = 100;

export function createUserQueries(db: Kysely<Database>, caps: Capabilities): UserQueries {
  return {
    async findById(environment, id, options) {
      const lock = Boolean(options?.lock) && caps.rowLocks;
      const [row] = await runPrepared(
        db,
        caps,
        lock ? 'users.findById.lock' : 'users.findById',
        () =>
          db
            .selectFrom('users')
            .selectAll()
            .where('id', '=', id)
            .where('environment', '=', environment)
            .$if(lock, (q) => q.forUpdate()),
        [id, environment],
      );
      return row ? fromUserRow(row) : null;
    },

    async insert(user) {
      const row = toUserRow(user);
      try {
        // Every column in USER_COLUMNS order, so the statement is compiled once (./prepared.ts).
        await runPrepared(db, caps, 'users.insert', () => db.insertInto('users').values(orderedUserRow(row)), userRowValues(row));
      } catch (error) {
        throw asConflict(error);
      }
    },

    async insertMany(users) {
      for (let from = 0; from < users.length; from += INSERT_MANY_CHUNK) {
        const chunk = users.slice(from, from + INSERT_MANY_CHUNK);
        const values: unknown[] = [];
        for (const user of chunk) pushUserRowValues(user, values);
        try {
          // Compiled once per row count (./prepared.ts): a batch's chunks are mostly full ones.
          await runPrepared(db, caps, `users.insertMany.${chunk.length}`, () => db.insertInto('users').values(chunk.map((user) => orderedUserRow(toUserRow(user)))), values);
        } catch (error) {
          throw asConflict(error);
        }
      }
    },

    async update(environment, id, expectedVersion, changes) {
      // Kysely leaves undefined values out of the SET; so does the compiled text's key.
      const row = Object.fromEntries(Object.entries(toUserRowChanges(changes)).filter(([, value]) => value !== undefined));
      // Compiled once per set of columns (a PATCH of one field is one of a handful of shapes).
      const columns = Object.keys(row);
      try {
        const result = await runPreparedResult(
          db,
          caps,
          `users.update:${columns.join(',')}`,
          () => db.updateTable('users').set(row).where('id', '=', id).where('environment', '=', environment).where('version', '=', expectedVersion),
          [...Object.values(row), id, environment, expectedVersion],
        );
        return Number(result.numAffectedRows ?? 0) > 0;
      } catch (error) {
        throw asConflict(error);
      }
    },

    async setPassword(environment, id, hash, onlyIfHash) {
      const result = await db
        .updateTable('users')
        .set({ password_hash: hash?.hash ?? null, password_hash_type: hash?.type ?? null })
        .where('id', '=', id)
        .where('environment', '=', environment)
        .$if(onlyIfHash !== undefined, (q) => q.where('password_hash', '=', onlyIfHash!))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async delete(environment, id) {
      const result = await db.deleteFrom('users').where('id', '=', id).where('environment', '=', environment).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async list(environment, filter, { after, before, limit, order = 'asc' }) {
      const paging = walkOf({ after, before }, order);
      const { backwards, walk, cursor } = paging;
      const exact = filter.email !== undefined || filter.username !== undefined || filter.external_id !== undefined;
      if (filter.q !== undefined && !exact && filter.where === undefined) {
        // The search goes through its indexes; with an exact filter, that filter's unique index is narrower.
        const found = await searchUsers(db, caps, { environment, q: filter.q, limit, walk, cursor });
        return { items: backwards ? found.items.reverse() : found.items, hasMore: found.hasMore };
      }
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where('environment', '=', environment)
        .$if(filter.email !== undefined, (q) => q.where('email_norm', '=', normalizeIdentifier(filter.email!)))
        .$if(filter.username !== undefined, (q) => q.where('username_norm', '=', normalizeIdentifier(filter.username!)))
        .$if(filter.external_id !== undefined, (q) => q.where('external_id', '=', filter.external_id!))
        .$if(filter.q !== undefined, (q) => q.where(matchesSearch(filter.q!, caps)))
        .$if(filter.where !== undefined, (q) => q.where(conditionSql(filter.where!, caps)))
        .$if(cursor !== undefined, (q) => q.where('id', paging.past, cursor!))
        .orderBy('id', walk)
        .limit(limit + 1)
        .execute();
      return pageOf(rows, limit, paging, fromUserRow);
    },

    async findMany(environment, field, values) {
      const column = field === 'external_id' ? 'external_id' : field === 'email' ? 'email_norm' : 'username_norm';
      const keys = [...new Set(field === 'external_id' ? values : values.map(normalizeIdentifier))];
      const found: StoredUser[] = [];
      for (let from = 0; from < keys.length; from += FIND_MANY_CHUNK) {
        const rows = await db.selectFrom('users').selectAll().where('environment', '=', environment).where(column, 'in', keys.slice(from, from + FIND_MANY_CHUNK)).execute();
        for (const row of rows) found.push(fromUserRow(row));
      }
      return found;
    },

    async query(environment, where, { offset, limit }) {
      const condition = conditionSql(where, caps);
      const counted = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('environment', '=', environment)
        .where(condition)
        .executeTakeFirstOrThrow();
      const total = Number(counted.n);
      if (limit === 0 || offset >= total) return { items: [], total };
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where('environment', '=', environment)
        .where(condition)
        .orderBy('id', 'asc')
        .limit(limit)
        .offset(offset)
        .execute();
      return { items: rows.map(fromUserRow), total };
    },
  };
}
