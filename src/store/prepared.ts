/**
 * Kysely turns a query builder into SQL on every call, which costs tens of microseconds: a
 * sizeable part of a PATCH that runs several queries. For the hot queries whose shape never
 * changes, the SQL is compiled once per database kind and only the parameters are passed on.
 * The same queries are the ones PostgreSQL keeps prepared per connection, under a name
 * (DATABASE_PREPARED_STATEMENTS, ./postgres-client.ts): their number is bounded by the code. They
 * name the columns they read, never `*`: PostgreSQL refuses to run a prepared statement whose
 * result columns changed ("cached plan must not change result type"), which a `select *` would
 * meet on every connection of a running node as soon as a newer version's migration adds a column.
 */
import { createHash } from 'node:crypto';
import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { Capabilities } from './capabilities.ts';
import type { Database } from './schema.ts';

const compiled = new Map<string, string>();
const names = new Map<string, string>();

/** The name a hot query's SQL is prepared under, or undefined for any other SQL. */
export function statementName(text: string): string | undefined {
  return names.get(text);
}

/**
 * Named after the SQL itself: a name always means one text, in every process and release, so a
 * statement some other process prepared under it (a pooler can hand its session over) is this one.
 */
function named(text: string): void {
  if (!names.has(text)) names.set(text, `userplane_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`);
}

/**
 * Names whose shape varies (an update's column list) are bounded: past this many texts a new one
 * is compiled each time rather than kept, so an unusual mix of patches cannot grow the map.
 */
const MAX_TEXTS = 2_000;

/**
 * Runs the query `build` makes, compiling it only the first time for this `name` and database
 * kind. `parameters` must be the values `build` binds, in the order it binds them.
 */
export async function runPrepared<Row>(
  db: Kysely<Database>,
  caps: Capabilities,
  name: string,
  build: () => Compilable<Row>,
  parameters: readonly unknown[],
): Promise<Row[]> {
  return (await runPreparedResult(db, caps, name, build, parameters)).rows;
}

/** runPrepared, with the whole result (numAffectedRows of a write). */
export async function runPreparedResult<Row>(
  db: Kysely<Database>,
  caps: Capabilities,
  name: string,
  build: () => Compilable<Row>,
  parameters: readonly unknown[],
): Promise<QueryResult<Row>> {
  const key = `${caps.name}:${name}`;
  let text = compiled.get(key);
  if (text === undefined) {
    const query = build().compile();
    if (query.parameters.length !== parameters.length) throw new Error(`prepared query ${name} binds ${query.parameters.length} values, not ${parameters.length}`);
    text = query.sql;
    // Only a kept text is named, so the statements PostgreSQL prepares per connection stay bounded too.
    if (compiled.size < MAX_TEXTS) {
      compiled.set(key, text);
      named(text);
    }
  }
  return db.executeQuery<Row>(CompiledQuery.raw(text, [...parameters]));
}

/** Runs SQL written out by hand (one database kind's), prepared like runPrepared's unless `prepare` is false. */
export async function runStatement<Row>(db: Kysely<Database>, text: string, parameters: readonly unknown[], prepare = true): Promise<Row[]> {
  if (prepare) named(text);
  const result = await db.executeQuery<Row>(CompiledQuery.raw(text, [...parameters]));
  return result.rows;
}
