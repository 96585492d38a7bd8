/** Groups and their members (issue 17, item 5), on both databases. */
import type { Expression, ExpressionBuilder, Kysely, Selectable, SqlBool } from 'kysely';
import { normalizeDisplayName, type GroupWithCount } from '../domain/group.ts';
import type { Environment } from '../domain/user.ts';
import type { Capabilities } from './capabilities.ts';
import type { GroupFilter, GroupQueries } from './contract.ts';
import { pageOf, walkOf } from './paging.ts';
import type { Database, GroupsTable } from './schema.ts';
import { asConflict } from './unique-violation.ts';
import { fromUserRow } from './user-rows.ts';

/** Ids per statement: far below both databases' bound-parameter limits. */
const CHUNK = 500;

function chunks<T>(values: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += CHUNK) out.push(values.slice(i, i + CHUNK));
  return out;
}

/** The groups of the environment that `filter` keeps: one condition for the cursor list and SCIM's offset page. */
function matching(environment: Environment, filter: GroupFilter) {
  return (eb: ExpressionBuilder<Database, 'groups'>): Expression<SqlBool> => {
    const conditions: Array<Expression<SqlBool>> = [eb('groups.environment', '=', environment)];
    if (filter.display_name !== undefined) conditions.push(eb('groups.display_name_norm', '=', normalizeDisplayName(filter.display_name)));
    if (filter.external_id !== undefined) conditions.push(eb('groups.external_id', '=', filter.external_id));
    if (filter.id !== undefined) conditions.push(eb('groups.id', '=', filter.id));
    if (filter.member !== undefined) {
      const member = filter.member;
      conditions.push(eb.exists(eb.selectFrom('group_members as fm').select('fm.user_id').whereRef('fm.group_id', '=', 'groups.id').where('fm.user_id', '=', member)));
    }
    return eb.and(conditions);
  };
}

type GroupRow = Selectable<GroupsTable> & { member_count: number | string | bigint };

function fromGroupRow(row: GroupRow): GroupWithCount {
  return {
    id: row.id,
    environment: row.environment as Environment,
    display_name: row.display_name,
    external_id: row.external_id,
    version: Number(row.version),
    created_at: row.created_at,
    updated_at: row.updated_at,
    member_count: Number(row.member_count),
  };
}

export function createGroupQueries(db: Kysely<Database>, caps: Capabilities): GroupQueries {
  /** groups with their member count: a count along the membership primary key per row. */
  const withCount = () =>
    db
      .selectFrom('groups')
      .selectAll('groups')
      .select((eb) =>
        eb
          .selectFrom('group_members')
          .select((c) => c.fn.countAll<number | string>().as('n'))
          .whereRef('group_members.group_id', '=', 'groups.id')
          .as('member_count'),
      );

  return {
    async findById(environment, id, options) {
      if (options?.lock && caps.rowLocks) {
        const locked = await db.selectFrom('groups').select('id').where('id', '=', id).where('environment', '=', environment).forUpdate().executeTakeFirst();
        if (!locked) return null;
      }
      const row = await withCount().where('groups.id', '=', id).where('groups.environment', '=', environment).executeTakeFirst();
      return row ? fromGroupRow(row as GroupRow) : null;
    },

    async insert(group) {
      try {
        await db
          .insertInto('groups')
          .values({ ...group, display_name_norm: normalizeDisplayName(group.display_name) })
          .execute();
      } catch (error) {
        throw asConflict(error);
      }
    },

    async update(environment, id, expectedVersion, changes) {
      const set = { ...changes, ...(changes.display_name !== undefined ? { display_name_norm: normalizeDisplayName(changes.display_name) } : {}) };
      try {
        const result = await db
          .updateTable('groups')
          .set(set)
          .where('id', '=', id)
          .where('environment', '=', environment)
          .where('version', '=', expectedVersion)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) > 0;
      } catch (error) {
        throw asConflict(error);
      }
    },

    async delete(environment, id) {
      const group = await db.selectFrom('groups').select('id').where('id', '=', id).where('environment', '=', environment).executeTakeFirst();
      if (!group) return false;
      await db.deleteFrom('group_members').where('group_id', '=', id).execute();
      const result = await db.deleteFrom('groups').where('id', '=', id).where('environment', '=', environment).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async list(environment, filter, { after, before, limit, order = 'asc' }) {
      const paging = walkOf({ after, before }, order);
      const { walk, cursor } = paging;
      const rows = await withCount()
        .where(matching(environment, filter))
        .$if(cursor !== undefined, (q) => q.where('groups.id', paging.past, cursor!))
        .orderBy('groups.id', walk)
        .limit(limit + 1)
        .execute();
      return pageOf(rows as GroupRow[], limit, paging, fromGroupRow);
    },

    async query(environment, filter, { offset, limit }) {
      const filtered = () => db.selectFrom('groups').where(matching(environment, filter));
      const counted = await filtered().select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst();
      const total = Number(counted?.n ?? 0);
      if (limit === 0 || offset >= total) return { items: [], total };
      const ids = await filtered().select('groups.id').orderBy('groups.id').limit(limit).offset(offset).execute();
      if (ids.length === 0) return { items: [], total };
      const rows = await withCount().where('groups.id', 'in', ids.map((r) => r.id)).orderBy('groups.id').execute();
      return { items: (rows as GroupRow[]).map(fromGroupRow), total };
    },

    async memberIdsOfGroups(groupIds) {
      const result = new Map<string, string[]>(groupIds.map((id) => [id, []]));
      for (const part of chunks(groupIds)) {
        const rows = await db.selectFrom('group_members').select(['group_id', 'user_id']).where('group_id', 'in', part).orderBy('group_id').orderBy('user_id').execute();
        for (const row of rows) result.get(row.group_id)?.push(row.user_id);
      }
      return result;
    },

    async memberIds(groupId) {
      const rows = await db.selectFrom('group_members').select('user_id').where('group_id', '=', groupId).orderBy('user_id').execute();
      return rows.map((r) => r.user_id);
    },

    async members(environment, groupId, { after, before, limit, order = 'asc' }) {
      const paging = walkOf({ after, before }, order);
      const { walk, cursor } = paging;
      const rows = await db
        .selectFrom('group_members')
        .innerJoin('users', 'users.id', 'group_members.user_id')
        .selectAll('users')
        .where('group_members.group_id', '=', groupId)
        .where('users.environment', '=', environment)
        .$if(cursor !== undefined, (q) => q.where('users.id', paging.past, cursor!))
        .orderBy('users.id', walk)
        .limit(limit + 1)
        .execute();
      return pageOf(rows, limit, paging, fromUserRow);
    },

    async addMembers(groupId, userIds, at) {
      for (const part of chunks(userIds)) {
        await db
          .insertInto('group_members')
          .values(part.map((user_id) => ({ group_id: groupId, user_id, created_at: at })))
          .execute();
      }
    },

    async removeMembers(groupId, userIds) {
      let removed = 0;
      for (const part of chunks(userIds)) {
        const result = await db.deleteFrom('group_members').where('group_id', '=', groupId).where('user_id', 'in', part).executeTakeFirst();
        removed += Number(result.numDeletedRows);
      }
      return removed;
    },

    async listForUser(environment, userId, { after, before, limit, order = 'asc' }) {
      const paging = walkOf({ after, before }, order);
      const { walk, cursor } = paging;
      const rows = await withCount()
        .innerJoin('group_members as gm', 'gm.group_id', 'groups.id')
        .where('gm.user_id', '=', userId)
        .where('groups.environment', '=', environment)
        .$if(cursor !== undefined, (q) => q.where('groups.id', paging.past, cursor!))
        .orderBy('groups.id', walk)
        .limit(limit + 1)
        .execute();
      return pageOf(rows as GroupRow[], limit, paging, fromGroupRow);
    },

    async groupIdsOfUser(environment, userId, options) {
      const rows = await db
        .selectFrom('groups')
        .innerJoin('group_members as gm', 'gm.group_id', 'groups.id')
        .select('groups.id')
        .where('gm.user_id', '=', userId)
        .where('groups.environment', '=', environment)
        .orderBy('groups.id')
        // In id order, so two transactions locking groups never wait on each other in a cycle.
        .$if(Boolean(options?.lock) && caps.rowLocks, (q) => q.forUpdate('groups'))
        .execute();
      return rows.map((r) => r.id);
    },

    async existingUserIds(environment, userIds, options) {
      const found = new Set<string>();
      const lock = Boolean(options?.lock) && caps.rowLocks;
      // Sorted, so concurrent writers take the users' locks in one order.
      for (const part of chunks([...new Set(userIds)].sort())) {
        const rows = await db
          .selectFrom('users')
          .select('id')
          .where('environment', '=', environment)
          .where('id', 'in', part)
          .orderBy('id')
          // KEY SHARE: a concurrent delete of the user waits for this transaction; its updates do not.
          .$if(lock, (q) => q.forKeyShare())
          .execute();
        for (const row of rows) found.add(row.id);
      }
      return found;
    },
  };
}

