/**
 * A UserCondition (src/domain/user-condition.ts) as SQL, on both databases. Identifiers compare
 * through their normalised columns, so `eq` on email, username (and SCIM's userName), external_id
 * and id is a probe of a unique index, never a scan (test/v1/filter.test.ts plans the statements
 * the store runs, ORDER BY and LIMIT included). Other text compares case-insensitively through
 * lower() (ASCII folding on SQLite), exact fields as they are. Metadata and extension keys are read
 * from their JSON text: a filter on them reads every user of the environment (documented). Metadata
 * strings compare exactly; extension strings (SCIM attributes, caseExact false) ignoring case.
 *
 * `not` and `ne` follow SCIM: a user without the attribute is "not equal", so NULLs are handled
 * explicitly (`IS NOT TRUE`, `IS NULL OR <>`), never left to SQL's three-valued logic.
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { CompareOp, FilterValue } from '../domain/filter.ts';
import { CONDITION_COLUMNS, type FieldRef, type UserCondition } from '../domain/user-condition.ts';
import { normalizeIdentifier } from '../domain/user.ts';
import type { Capabilities } from './capabilities.ts';
import { prefixEnd } from './user-search.ts';

const NORMALISED: Record<string, string> = { email: 'email_norm', username: 'username_norm' };
const SQL_OPS: Record<'gt' | 'ge' | 'lt' | 'le', string> = { gt: '>', ge: '>=', lt: '<', le: '<=' };

type Kind = 'identifier' | 'exact' | 'text' | 'boolean' | 'number';

/** `environment`: the environment the query reads, which index probes inside the condition need. */
export function conditionSql(condition: UserCondition, caps: Capabilities, environment: string): Expression<SqlBool> {
  switch (condition.kind) {
    case 'const':
      return condition.value ? sql<SqlBool>`1 = 1` : sql<SqlBool>`1 = 0`;
    case 'and':
    case 'or': {
      if (condition.conditions.length === 0) return condition.kind === 'and' ? sql<SqlBool>`1 = 1` : sql<SqlBool>`1 = 0`;
      const joiner = condition.kind === 'and' ? sql` AND ` : sql` OR `;
      return sql<SqlBool>`(${sql.join(
        condition.conditions.map((c) => conditionSql(c, caps, environment)),
        joiner,
      )})`;
    }
    case 'not':
      return sql<SqlBool>`((${conditionSql(condition.condition, caps, environment)}) IS NOT TRUE)`;
    case 'present':
      return present(condition.ref, caps);
    case 'compare':
      return compare(condition.ref, condition.op, condition.value, caps, environment);
  }
}

function collated(expression: RawBuilder<unknown>, caps: Capabilities): RawBuilder<unknown> {
  return caps.byteCollation ? sql`${expression} COLLATE ${sql.raw(`"${caps.byteCollation}"`)}` : expression;
}

/** A column's expression, the kind of its values, and the value as the expression compares it. */
function columnOf(ref: { column: string }): { expression: RawBuilder<unknown>; kind: Kind } {
  if (ref.column === 'login') return { expression: sql`coalesce(username_norm, email_norm)`, kind: 'identifier' };
  const kind = CONDITION_COLUMNS[ref.column as keyof typeof CONDITION_COLUMNS] as Kind;
  if (kind === 'identifier') return { expression: NORMALISED[ref.column] ? sql.ref(NORMALISED[ref.column]!) : sql`lower(${sql.ref(ref.column)})`, kind };
  if (kind === 'text') return { expression: sql`lower(${sql.ref(ref.column)})`, kind };
  return { expression: sql.ref(ref.column), kind };
}

function folded(value: string, kind: Kind): string {
  if (kind === 'identifier') return normalizeIdentifier(value);
  if (kind === 'text') return value.toLowerCase();
  return value;
}

function present(ref: FieldRef, caps: Capabilities): Expression<SqlBool> {
  if ('column' in ref) {
    const { expression, kind } = columnOf(ref);
    return kind === 'boolean' || kind === 'number' ? sql<SqlBool>`(${expression} IS NOT NULL)` : sql<SqlBool>`(${expression} IS NOT NULL AND ${expression} <> '')`;
  }
  const json = jsonAt(ref, caps);
  return sql<SqlBool>`(coalesce(${json.type}, 'null') <> 'null' AND (${json.type} <> 'string' OR ${json.text} <> ''))`;
}

function contains(haystack: RawBuilder<unknown>, needle: string, caps: Capabilities): RawBuilder<unknown> {
  return sql`${sql.raw(caps.substringPosition)}(${haystack}, ${needle}) > 0`;
}

/** A string comparison of `expression` (already folded as `value` is). */
function compareText(expression: RawBuilder<unknown>, op: CompareOp, value: string, caps: Capabilities): RawBuilder<unknown> {
  const exp = collated(expression, caps);
  switch (op) {
    case 'eq':
      return sql`${expression} = ${value}`;
    case 'ne':
      return sql`(${expression} IS NULL OR ${expression} <> ${value})`;
    case 'sw': {
      // A range on the column (its index, where it has one), as the q search does.
      const end = prefixEnd(value);
      return end === null ? sql`${exp} >= ${value}` : sql`(${exp} >= ${value} AND ${exp} < ${end})`;
    }
    case 'co':
      return contains(expression, value, caps);
    case 'ew': {
      const length = [...value].length;
      return sql`(length(${expression}) >= ${length} AND substr(${expression}, length(${expression}) - ${length - 1}) = ${value})`;
    }
    default:
      return sql`${exp} ${sql.raw(SQL_OPS[op])} ${value}`;
  }
}

function compare(ref: FieldRef, op: CompareOp, value: FilterValue, caps: Capabilities, environment: string): Expression<SqlBool> {
  if (!('column' in ref)) return compareJson(ref, op, value, caps);
  const { expression, kind } = columnOf(ref);
  if (value === null) return op === 'ne' ? sql<SqlBool>`(${expression} IS NOT NULL)` : sql<SqlBool>`(${expression} IS NULL)`;
  if (ref.column === 'login' && op === 'eq' && typeof value === 'string') {
    // Each side on its own unique index: the username, or the email of a user without one. As the
    // ids those two probes find, not as `username_norm = v OR (…)`: beside ORDER BY id and a LIMIT,
    // SQLite would walk the environment's (environment, id) index and test every user against the OR.
    const v = normalizeIdentifier(value);
    return sql<SqlBool>`("id" IN (SELECT "id" FROM "users" WHERE "environment" = ${environment} AND "username_norm" = ${v} UNION ALL SELECT "id" FROM "users" WHERE "environment" = ${environment} AND "username_norm" IS NULL AND "email_norm" = ${v}))`;
  }
  if (kind === 'boolean') {
    const bit = value === true ? 1 : 0;
    return op === 'ne' ? sql<SqlBool>`(${expression} <> ${bit})` : sql<SqlBool>`(${expression} = ${bit})`;
  }
  if (kind === 'number') {
    const n = Number(value);
    if (op === 'eq') return sql<SqlBool>`(${expression} = ${n})`;
    if (op === 'ne') return sql<SqlBool>`(${expression} <> ${n})`;
    return sql<SqlBool>`(${expression} ${sql.raw(SQL_OPS[op as keyof typeof SQL_OPS] ?? '=')} ${n})`;
  }
  return sql<SqlBool>`(${compareText(expression, op, folded(String(value), kind), caps)})`;
}

/** The JSON value at a metadata key or an extension's key: its type (string, number, boolean, null) and text. */
function jsonAt(ref: Exclude<FieldRef, { column: string }>, caps: Capabilities): { type: RawBuilder<unknown>; text: RawBuilder<unknown>; number: RawBuilder<unknown> } {
  const keys = 'metadata' in ref ? [ref.metadata] : [ref.extension, ...ref.path];
  const column = sql.ref('metadata' in ref ? 'metadata' : 'extensions');
  if (caps.jsonb) {
    const value = sql`(${column}::jsonb #> ${keys}::text[])`;
    const text = sql`(${column}::jsonb #>> ${keys}::text[])`;
    const type = sql`jsonb_typeof(${value})`;
    return { type, text, number: sql`(CASE WHEN ${type} = 'number' THEN ${text}::numeric END)` };
  }
  // Keys are attribute names of the filter grammar or schema URNs: never a quote or a backslash.
  if (keys.some((key) => /["\\]/.test(key))) throw new Error('A JSON key of a condition holds a quote or a backslash');
  const path = `$${keys.map((key) => `."${key}"`).join('')}`;
  const raw = sql`json_type(${column}, ${path})`;
  const type = sql`(CASE ${raw} WHEN 'text' THEN 'string' WHEN 'integer' THEN 'number' WHEN 'real' THEN 'number' WHEN 'true' THEN 'boolean' WHEN 'false' THEN 'boolean' ELSE ${raw} END)`;
  // Booleans read as their JSON words, as PostgreSQL's ->> gives them.
  const text = sql`(CASE WHEN ${raw} IN ('true', 'false') THEN ${raw} ELSE json_extract(${column}, ${path}) END)`;
  return { type, text, number: sql`(CASE WHEN ${type} = 'number' THEN json_extract(${column}, ${path}) END)` };
}

function compareJson(ref: Exclude<FieldRef, { column: string }>, op: CompareOp, value: FilterValue, caps: Capabilities): Expression<SqlBool> {
  const json = jsonAt(ref, caps);
  const positive = (() => {
    if (value === null) return sql`coalesce(${json.type}, 'null') = 'null'`;
    if (typeof value === 'boolean') return sql`(${json.type} = 'boolean' AND ${json.text} = ${String(value)})`;
    if (typeof value === 'number') {
      const sqlOp = op === 'eq' || op === 'ne' ? '=' : SQL_OPS[op as keyof typeof SQL_OPS];
      if (!sqlOp) return sql`1 = 0`;
      return sql`(${json.number} ${sql.raw(sqlOp)} ${value})`;
    }
    const textOp = op === 'ne' ? 'eq' : op;
    // Metadata compares exactly; a door's extension holds SCIM attributes, which compare ignoring case.
    if ('extension' in ref) return sql`(${json.type} = 'string' AND ${compareText(sql`lower(${json.text})`, textOp, value.toLowerCase(), caps)})`;
    return sql`(${json.type} = 'string' AND ${compareText(json.text, textOp, value, caps)})`;
  })();
  return op === 'ne' ? sql<SqlBool>`((${positive}) IS NOT TRUE)` : sql<SqlBool>`(${positive})`;
}
