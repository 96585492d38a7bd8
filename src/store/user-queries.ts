import type { Kysely } from 'kysely';
import type { EndpointCache } from './endpoint-cache.ts';
import { appendOneAtATime, appendStatement, appendStatementText } from './event-append.ts';
import { normalizeIdentifier } from '../domain/user.ts';
import type { Capabilities } from './capabilities.ts';
import type { StoredUser, UserFilter, UserQueries } from './contract.ts';
import type { Database } from './schema.ts';
import { asConflict } from './unique-violation.ts';
import { runPrepared, runPreparedResult, runStatement } from './prepared.ts';
import { fetchUserRows, fromUserRow, toUserRow, toUserRowChanges, orderedUserRow, pushUserRowValues, readUserRows, selectUserRows, USER_COLUMNS, userRowValues } from './user-rows.ts';
import { matchesSearch, searchUsers } from './user-search.ts';
import { conditionSql } from './user-filter.ts';
import type { UserCondition } from '../domain/user-condition.ts';
import { pageOf, walkOf, type PageWalk } from './paging.ts';

/**
 * The two statements of `query` (SCIM's filtered lists): the count, and the page in id order. Built
 * here so that test/v1/filter.test.ts plans exactly what runs.
 */
export function queryStatements(db: Kysely<Database>, caps: Capabilities, environment: string, where: UserCondition, { offset, limit }: { offset: number; limit: number }) {
  const condition = conditionSql(where, caps, environment);
  const count = db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('environment', '=', environment)
    .where(condition);
  const page = selectUserRows(db.selectFrom('users').where('environment', '=', environment).where(condition).orderBy('id', 'asc').limit(limit).offset(offset), caps);
  return { count, page };
}

/** The statement of `list` outside the search's own path (filters, `?filter=` on /v1): `limit + 1` rows in the walk's order. */
export function listStatement(db: Kysely<Database>, caps: Capabilities, environment: string, filter: UserFilter, { limit, walk }: { limit: number; walk: PageWalk }) {
  const query = db
    .selectFrom('users')
    .where('environment', '=', environment)
    .$if(filter.email !== undefined, (q) => q.where('email_norm', '=', normalizeIdentifier(filter.email!)))
    .$if(filter.username !== undefined, (q) => q.where('username_norm', '=', normalizeIdentifier(filter.username!)))
    .$if(filter.external_id !== undefined, (q) => q.where('external_id', '=', filter.external_id!))
    .$if(filter.q !== undefined, (q) => q.where(matchesSearch(filter.q!, caps)))
    .$if(filter.where !== undefined, (q) => q.where(conditionSql(filter.where!, caps, environment)))
    .$if(walk.cursor !== undefined, (q) => q.where('id', walk.past, walk.cursor!))
    .orderBy('id', walk.walk)
    .limit(limit + 1);
  return selectUserRows(query, caps);
}

/** Values per statement of findMany: well under SQLite's and PostgreSQL's bound-parameter limits. */
const FIND_MANY_CHUNK = 500;

/** Rows per statement of insertMany: 100 × 36 columns stays under both databases' parameter limits. */
const INSERT_MANY_CHUNK = 100;


/** Texts by the columns a PATCH sets: most deployments send a handful of shapes, each then prepared once per connection. */
const SHAPES = new Map<string, string>();
const NAMED_SHAPES = new Set<string>();
/** Beyond this many shapes a text is built per call and sent unnamed: sessions keep a bounded number of statements. */
const MAX_NAMED_SHAPES = 64;

/** The update of these columns (then id, environment, expected version), with appendStatement's CTEs after it. */
function updateAndAppendText(columns: string[]): string {
  const shape = columns.join(',');
  const known = SHAPES.get(shape);
  if (known !== undefined) return known;
  for (const column of columns) if (!/^[a-z_][a-z0-9_]*$/.test(column)) throw new Error(`not a users column: ${column}`);
  const n = columns.length;
  const assignments = columns.map((column, i) => `"${column}" = $${i + 1}`).join(', ');
  const { ctes, select } = appendStatementText(n + 3, 'u');
  const text = `with u as (update "users" set ${assignments} where "id" = $${n + 1} and "environment" = $${n + 2} and "version" = $${n + 3} returning 1), ${ctes} select (select count(*) from u) as updated, ${select}`;
  if (SHAPES.size < MAX_NAMED_SHAPES) {
    SHAPES.set(shape, text);
    NAMED_SHAPES.add(text);
  }
  return text;
}

export function createUserQueries(db: Kysely<Database>, caps: Capabilities, cache: EndpointCache): UserQueries {
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
            // Named, not *: a prepared `select *` fails once a newer version adds a column (./prepared.ts).
            .select(USER_COLUMNS)
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

    async updateAndAppend(environment, id, expectedVersion, changes, event) {
      if (!caps.dataModifyingCte) {
        const written = await this.update(environment, id, expectedVersion, changes);
        if (written) await appendOneAtATime(db, caps, cache, event);
        return written;
      }
      // One statement, one round trip: the update, then (only if it matched) the event and its deliveries.
      const set = Object.entries(toUserRowChanges(changes)).filter(([, value]) => value !== undefined);
      const text = updateAndAppendText(set.map(([column]) => column));
      const append = appendStatement(cache, event, set.length + 3, 'u');
      const values = [...set.map(([, value]) => value), id, environment, expectedVersion, ...append.values];
      let result: { updated: string | number; seq: string | number | null; version: string | number | null };
      try {
        [result] = (await runStatement<typeof result>(db, text, values, NAMED_SHAPES.has(text))) as [typeof result];
      } catch (error) {
        throw asConflict(error);
      }
      if (Number(result.updated) === 0) return false;
      await append.finish(db, caps, result);
      return true;
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
      const rows = readUserRows(await listStatement(db, caps, environment, filter, { limit, walk: paging }).execute());
      return pageOf(rows, limit, paging, fromUserRow);
    },

    async findMany(environment, field, values) {
      const column = field === 'external_id' ? 'external_id' : field === 'email' ? 'email_norm' : 'username_norm';
      const keys = [...new Set(field === 'external_id' ? values : values.map(normalizeIdentifier))];
      const found: StoredUser[] = [];
      for (let from = 0; from < keys.length; from += FIND_MANY_CHUNK) {
        const chunk = db.selectFrom('users').where('environment', '=', environment).where(column, 'in', keys.slice(from, from + FIND_MANY_CHUNK));
        for (const row of await fetchUserRows(chunk, caps)) found.push(fromUserRow(row));
      }
      return found;
    },

    async query(environment, where, page) {
      const statements = queryStatements(db, caps, environment, where, page);
      const counted = await statements.count.executeTakeFirstOrThrow();
      const total = Number(counted.n);
      if (page.limit === 0 || page.offset >= total) return { items: [], total };
      const rows = readUserRows(await statements.page.execute());
      return { items: rows.map(fromUserRow), total };
    },
  };
}
