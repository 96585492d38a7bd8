/**
 * Kysely turns a query builder into SQL on every call, which costs tens of microseconds: a
 * sizeable part of a PATCH that runs several queries. For the hot queries whose shape never
 * changes, the SQL is compiled once per database kind and only the parameters are passed on.
 */
import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { Capabilities } from './capabilities.ts';
import type { Database } from './schema.ts';

const compiled = new Map<string, string>();

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
    if (compiled.size < MAX_TEXTS) compiled.set(key, text);
  }
  return db.executeQuery<Row>(CompiledQuery.raw(text, [...parameters]));
}
