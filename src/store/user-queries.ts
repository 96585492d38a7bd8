import type { Kysely } from 'kysely';
import { normalizeIdentifier } from '../domain/user.ts';
import type { Capabilities } from './capabilities.ts';
import type { UserQueries } from './contract.ts';
import type { Database } from './schema.ts';
import { asConflict } from './unique-violation.ts';
import { fromUserRow, toUserRow, toUserRowChanges } from './user-rows.ts';

export function createUserQueries(db: Kysely<Database>, caps: Capabilities): UserQueries {
  return {
    async findById(environment, id, options) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', id)
        .where('environment', '=', environment)
        .$if(Boolean(options?.lock) && caps.rowLocks, (q) => q.forUpdate())
        .executeTakeFirst();
      return row ? fromUserRow(row) : null;
    },

    async insert(user) {
      try {
        await db.insertInto('users').values(toUserRow(user)).execute();
      } catch (error) {
        throw asConflict(error);
      }
    },

    async update(environment, id, expectedVersion, changes) {
      try {
        const result = await db
          .updateTable('users')
          .set(toUserRowChanges(changes))
          .where('id', '=', id)
          .where('environment', '=', environment)
          .where('version', '=', expectedVersion)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) > 0;
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

    async list(environment, filter, { after, limit }) {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where('environment', '=', environment)
        .$if(filter.email !== undefined, (q) => q.where('email_norm', '=', normalizeIdentifier(filter.email!)))
        .$if(filter.username !== undefined, (q) => q.where('username_norm', '=', normalizeIdentifier(filter.username!)))
        .$if(filter.external_id !== undefined, (q) => q.where('external_id', '=', filter.external_id!))
        .$if(after !== undefined, (q) => q.where('id', '>', after!))
        .orderBy('id')
        .limit(limit + 1)
        .execute();
      return { items: rows.slice(0, limit).map(fromUserRow), hasMore: rows.length > limit };
    },
  };
}
