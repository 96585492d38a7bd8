/**
 * The `q` search of the user list: users any of whose searchable expressions starts with the text.
 * Each expression has an index (migration 006) compared byte by byte, so "starts with p" is the
 * range [p, p with its last character stepped up): an index range, never a scan of the table.
 *
 * Results come in id order. Usually few users match: each index is probed for the matching ids
 * (at most CANDIDATE_CAP per expression), and the page is cut from those. When a prefix matches
 * more than that (a common first name), matches are dense, so walking the id index finds a page
 * quickly; the walk goes CHUNK ids at a time, yielding between chunks, so it never holds the
 * event loop or the database long even when the matches cluster far from the cursor.
 */
import { sql, type Expression, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import { normalizeIdentifier } from '../domain/user.ts';
import type { Capabilities } from './capabilities.ts';
import type { ListPage, StoredUser } from './contract.ts';
import type { Database, UserRow } from './schema.ts';
import { fetchUserRows, fromUserRow } from './user-rows.ts';

/** Exactly the expressions migration 006 indexes. */
export const SEARCHED_EXPRESSIONS = ['email_norm', 'username_norm', 'lower(external_id)', 'lower(first_name)', 'lower(last_name)', 'lower(name)', "lower(first_name || ' ' || last_name)"];

export const CANDIDATE_CAP = 1000;
export const CHUNK = 2000;

export interface SearchPage {
  environment: string;
  /** The search text as typed (trimmed, non-empty). */
  q: string;
  limit: number;
  /** 'asc' or 'desc': the direction the index is walked from the cursor. */
  walk: 'asc' | 'desc';
  cursor?: string;
}

/** The smallest string above every string starting with `prefix`, in code point order; null when there is none. */
export function prefixEnd(prefix: string): string | null {
  const points = [...prefix].map((c) => c.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last < 0x10ffff) {
      points.push(last === 0xd7ff ? 0xe000 : last + 1);
      return String.fromCodePoint(...points);
    }
  }
  return null;
}

function searchExpression(expression: string, caps: Capabilities): RawBuilder<string> {
  return sql<string>`${sql.raw(expression)}${sql.raw(caps.byteCollation ? ` COLLATE "${caps.byteCollation}"` : '')}`;
}

/** `expression` starts with the (normalised) text: a range on its index. */
function startsWith(expression: string, text: string, caps: Capabilities): Expression<SqlBool> {
  const column = searchExpression(expression, caps);
  const end = prefixEnd(text);
  return end === null ? sql<SqlBool>`${column} >= ${text}` : sql<SqlBool>`(${column} >= ${text} AND ${column} < ${end})`;
}

/** Any searchable expression starts with `q`: the whole search as one condition. */
export function matchesSearch(q: string, caps: Capabilities): Expression<SqlBool> {
  const text = normalizeIdentifier(q);
  return sql<SqlBool>`(${sql.join(
    SEARCHED_EXPRESSIONS.map((e) => startsWith(e, text, caps)),
    sql` OR `,
  )})`;
}

/** The probe of one expression's index: ids of matching users past the cursor, at most CANDIDATE_CAP + 1. */
export function probeQuery(db: Kysely<Database>, caps: Capabilities, expression: string, page: SearchPage) {
  const text = normalizeIdentifier(page.q);
  return db
    .selectFrom('users')
    .select('id')
    .where('environment', '=', page.environment)
    .where(startsWith(expression, text, caps))
    .$if(page.cursor !== undefined, (q) => q.where('id', page.walk === 'asc' ? '>' : '<', page.cursor!))
    // The index's own order: with it, reading the index is cheaper than anything else on every database.
    .orderBy(searchExpression(expression, caps))
    .limit(CANDIDATE_CAP + 1);
}

/** `limit` + 1 matching users past the cursor in `walk` order, so the caller can tell whether more follow. */
export async function searchUsers(db: Kysely<Database>, caps: Capabilities, page: SearchPage): Promise<ListPage<StoredUser>> {
  // Every probe in one statement (one round trip); `k` tells whose ids are whose.
  const probes = SEARCHED_EXPRESSIONS.map((e, k) => sql`SELECT id, ${sql.lit(k)} AS k FROM (${probeQuery(db, caps, e, page)}) AS ${sql.id(`p${k}`)}`);
  const { rows: found } = await sql<{ id: string; k: number | string }>`${sql.join(probes, sql` UNION ALL `)}`.execute(db);
  const perProbe = new Map<number, number>();
  for (const row of found) perProbe.set(Number(row.k), (perProbe.get(Number(row.k)) ?? 0) + 1);
  const dense = [...perProbe.values()].some((n) => n > CANDIDATE_CAP);
  const candidates = new Set(found.map((row) => row.id));
  const rows = dense ? await walkIds(db, caps, page) : await fetchFirst(db, caps, [...candidates], page);
  return { items: rows.slice(0, page.limit).map(fromUserRow), hasMore: rows.length > page.limit };
}

/** Few candidates: the first limit + 1 of them in walk order, read by id. */
async function fetchFirst(db: Kysely<Database>, caps: Capabilities, ids: string[], page: SearchPage): Promise<UserRow[]> {
  ids.sort();
  if (page.walk === 'desc') ids.reverse();
  const wanted = ids.slice(0, page.limit + 1);
  if (wanted.length === 0) return [];
  const rows = await fetchUserRows(db.selectFrom('users').where('environment', '=', page.environment).where('id', 'in', wanted), caps);
  const at = new Map(wanted.map((id, k) => [id, k]));
  return rows.sort((a, b) => at.get(a.id)! - at.get(b.id)!);
}

/** Many candidates: along the id index a chunk at a time, the search as a filter. */
async function walkIds(db: Kysely<Database>, caps: Capabilities, page: SearchPage): Promise<UserRow[]> {
  const found: UserRow[] = [];
  const past = page.walk === 'asc' ? '>' : '<';
  const upTo = page.walk === 'asc' ? '<=' : '>=';
  let from = page.cursor;
  for (;;) {
    const edge = await db
      .selectFrom('users')
      .select('id')
      .where('environment', '=', page.environment)
      .$if(from !== undefined, (q) => q.where('id', past, from!))
      .orderBy('id', page.walk)
      .limit(1)
      .offset(CHUNK - 1)
      .executeTakeFirst();
    const chunk = db
      .selectFrom('users')
      .where('environment', '=', page.environment)
      .$if(from !== undefined, (q) => q.where('id', past, from!))
      .$if(edge !== undefined, (q) => q.where('id', upTo, edge!.id))
      .where(matchesSearch(page.q, caps))
      .orderBy('id', page.walk)
      .limit(page.limit + 1 - found.length);
    found.push(...(await fetchUserRows(chunk, caps)));
    if (found.length > page.limit || edge === undefined) return found;
    from = edge.id;
    // Let other requests in between chunks (SQLite runs on this thread).
    await new Promise((resolve) => setImmediate(resolve));
  }
}
