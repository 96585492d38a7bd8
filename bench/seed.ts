/**
 * Bulk seeding for the bench: users and their `user.created` events written straight into the
 * migrated tables, a million in well under two minutes rather than the hours one create call each
 * would take. The rows are the ones `services.users.create` writes: the store's own converters
 * (toUserRow, publicUser, creationChanges) build one user with placeholders, the database fills
 * in each user's id, event id and number, and the first row of every top-up is read back and
 * compared with what the converters make of that user.
 */
import { deepStrictEqual } from 'node:assert';
import { randomBytes } from 'node:crypto';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { newId } from '../src/domain/ids.ts';
import type { StoredUser } from '../src/store/contract.ts';
import { toUserRow } from '../src/store/user-rows.ts';
import { creationChanges } from '../src/services/user-events.ts';
import { blankProfile } from '../src/domain/user-fields.ts';
import { publicUser } from '../src/services/stored-user.ts';

export const BENCH_ENVIRONMENT = 'test';
const BATCH = 10_000;

export interface Seeder {
  /** Users of the bench environment in the database now. */
  count(): Promise<number>;
  /** Adds users (with their creation events) until there are `target`; returns how many it added. */
  topUp(target: number): Promise<number>;
  /** Every bench-environment user id, in id order (the order pgbench's ordinal table uses too). */
  ids(): Promise<string[]>;
  /** After a top-up: statistics and hint bits as a long-running database would have them. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

type Row = Record<string, unknown>;
/** What differs from one seeded user to the next. */
interface Vars {
  id: string;
  eventId: string;
  n: number | string;
  at: string;
}

/** User number `n` as create() would store it, and its creation event: the reference rows. */
export function referenceRows(vars: Vars, tag: string): { user: Row; event: Row } {
  const user: StoredUser = {
    id: vars.id,
    environment: BENCH_ENVIRONMENT,
    ...blankProfile(),
    email: `bench${vars.n}.${tag}@example.com`,
    first_name: 'Bench',
    last_name: `User ${vars.n}`,
    metadata: { i: vars.n },
    password_set: false,
    password_hash: null,
    password_hash_type: null,
    source: 'cli',
    version: 1,
    created_at: vars.at,
    updated_at: vars.at,
  };
  const shown = publicUser(user);
  const event = {
    id: vars.eventId,
    environment: BENCH_ENVIRONMENT,
    user_id: user.id,
    type: 'user.created',
    actor: 'bench',
    request_id: null,
    door: 'cli',
    changes: JSON.stringify(creationChanges(shown)),
    created_at: vars.at,
    snapshot: JSON.stringify(shown),
  };
  return { user: toUserRow(user) as unknown as Row, event };
}

/** The placeholders of the template user; `"@@n@@"` is the number where JSON holds it as one. */
const HOLES: Vars = { id: '@@id@@', eventId: '@@evt@@', n: '@@n@@', at: '@@at@@' };
const SOURCES: [string, string][] = [
  ['@@id@@', 'v.id'],
  ['@@evt@@', 'v.evt'],
  ['"@@n@@"', 'v.n'],
  ['@@n@@', 'v.n'],
];

function literal(value: unknown): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  throw new Error(`no SQL literal for ${typeof value}`);
}

/** A column's value for row `v`: the template's constant, or its text with v's values put in. */
function expression(value: unknown, at: string): string {
  if (typeof value !== 'string') return literal(value);
  let sql = literal(value.replaceAll(HOLES.at, at));
  for (const [hole, source] of SOURCES) if (value.includes(hole)) sql = `replace(${sql}, '${hole}', ${source})`;
  return sql;
}

/** INSERT … SELECT statements that write one user and its event per row of `source` (v.id, v.evt, v.n). */
function insertStatements(tag: string, at: string, source: string): { users: string; events: string; userColumns: string[]; eventColumns: string[] } {
  const { user, event } = referenceRows(HOLES, tag);
  const build = (table: string, row: Row) => {
    const columns = Object.keys(row);
    return `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${columns.map((c) => expression(row[c], at)).join(', ')} FROM ${source}`;
  };
  return { users: build('users', user), events: build('user_events', event), userColumns: Object.keys(user), eventColumns: Object.keys(event) };
}

/** The ids and numbers of one batch; everything else comes from the template. */
function batchKeys(first: number, count: number): { ids: string[]; eventIds: string[]; ns: string[] } {
  const ids: string[] = [];
  const eventIds: string[] = [];
  const ns: string[] = [];
  for (let n = first; n < first + count; n++) {
    ids.push(newId('usr'));
    eventIds.push(newId('evt'));
    ns.push(String(n));
  }
  return { ids, eventIds, ns };
}

/** The first seeded user, read back, must be exactly what create() would have stored. */
function checkSeeded(stored: { user: Row | undefined; event: Row | undefined }, vars: Vars, tag: string): void {
  const reference = referenceRows(vars, tag);
  deepStrictEqual(stored.user, reference.user, 'a seeded users row differs from the one create() writes');
  deepStrictEqual(stored.event, reference.event, 'a seeded user_events row differs from the one create() writes');
}

/** Distinguishes this run's emails from any earlier run's in the same database (they are unique). */
function runTag(): string {
  return randomBytes(4).toString('hex');
}

export function openSeeder(databaseUrl: string): Seeder {
  return databaseUrl.startsWith('sqlite:') ? sqliteSeeder(databaseUrl.slice('sqlite:'.length)) : postgresSeeder(databaseUrl);
}

function sqliteSeeder(path: string): Seeder {
  const db = new SqliteDatabase(path);
  // The server's own settings (src/store/connection.ts).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Seeding only: a page cache big enough that index inserts (emails land all over the email
  // index) do not reread pages from the file.
  db.pragma('cache_size = -1000000');
  const tag = runTag();
  const countUsers = db.prepare('SELECT count(*) FROM users WHERE environment = ?').pluck();
  const source = "(SELECT value ->> 0 AS id, value ->> 1 AS evt, value ->> 2 AS n FROM json_each(?)) AS v";
  // One transaction per batch: the WAL stays small enough for the checkpoints in between.
  const insertBatch = db.transaction((first: number, count: number) => {
    const sql = insertStatements(tag, new Date().toISOString(), source);
    const { ids, eventIds, ns } = batchKeys(first, count);
    const rows = JSON.stringify(ids.map((id, k) => [id, eventIds[k], ns[k]]));
    db.prepare(sql.users).run(rows);
    db.prepare(sql.events).run(rows);
    const user = db.prepare(`SELECT ${sql.userColumns.join(', ')} FROM users WHERE id = ?`).get(ids[0]) as Row | undefined;
    const event = db.prepare(`SELECT ${sql.eventColumns.join(', ')} FROM user_events WHERE id = ?`).get(eventIds[0]) as Row | undefined;
    checkSeeded({ user, event }, { id: ids[0]!, eventId: eventIds[0]!, n: first, at: user?.created_at as string }, tag);
  });
  return {
    count: async () => Number(countUsers.get(BENCH_ENVIRONMENT)),
    async topUp(target) {
      const start = Number(countUsers.get(BENCH_ENVIRONMENT));
      for (let next = start; next < target; next += BATCH) insertBatch(next, Math.min(BATCH, target - next));
      return Math.max(0, target - start);
    },
    ids: async () => db.prepare('SELECT id FROM users WHERE environment = ? ORDER BY id').pluck().all(BENCH_ENVIRONMENT) as string[],
    async settle() {
      // Fold the seed's WAL into the database file so the run does not start with a huge WAL.
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
    close: async () => void db.close(),
  };
}

function postgresSeeder(url: string): Seeder {
  const client = new pg.Client({ connectionString: url });
  // An interrupted run drops the database under this connection; that must not crash the cleanup.
  client.on('error', () => {});
  const connected = client.connect();
  const tag = runTag();
  const source = 'unnest($1::text[], $2::text[], $3::text[]) AS v(id, evt, n)';
  async function count(): Promise<number> {
    await connected;
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM users WHERE environment = $1', [BENCH_ENVIRONMENT]);
    return Number(rows[0]!.n);
  }
  async function insertBatch(first: number, count: number, check: boolean): Promise<void> {
    const sql = insertStatements(tag, new Date().toISOString(), source);
    const { ids, eventIds, ns } = batchKeys(first, count);
    await client.query(sql.users, [ids, eventIds, ns]);
    await client.query(sql.events, [ids, eventIds, ns]);
    if (!check) return;
    const user = (await client.query(`SELECT ${sql.userColumns.join(', ')} FROM users WHERE id = $1`, [ids[0]])).rows[0] as Row | undefined;
    const event = (await client.query(`SELECT ${sql.eventColumns.join(', ')} FROM user_events WHERE id = $1`, [eventIds[0]])).rows[0] as Row | undefined;
    checkSeeded({ user, event }, { id: ids[0]!, eventId: eventIds[0]!, n: first, at: user?.created_at as string }, tag);
  }
  return {
    count,
    async topUp(target) {
      const start = await count();
      await client.query('BEGIN');
      for (let next = start; next < target; next += BATCH) await insertBatch(next, Math.min(BATCH, target - next), next === start);
      await client.query('COMMIT');
      return Math.max(0, target - start);
    },
    async ids() {
      await connected;
      const { rows } = await client.query<string[]>({ text: 'SELECT id FROM users WHERE environment = $1 ORDER BY id', values: [BENCH_ENVIRONMENT], rowMode: 'array' });
      return rows.map((r) => r[0]!);
    },
    async settle() {
      await connected;
      // Statistics for the planner, hint bits and the visibility map set, and the seed's dirty
      // pages written out now rather than by a checkpoint in the middle of a measurement.
      await client.query('VACUUM (ANALYZE) users, user_events');
      // CHECKPOINT needs superuser or pg_checkpoint; without either, the run goes on.
      await client.query('CHECKPOINT').catch(() => {});
    },
    close: () => client.end(),
  };
}
