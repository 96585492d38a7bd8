/**
 * A condition on users in canonical terms, which the store translates to SQL. Doors build it from a
 * parsed filter (./filter.ts) with their own attribute names: SCIM's `userName`, /v1's `email` and
 * `metadata.plan` all end here.
 */
import { FilterSyntaxError, formatPath, type AttrPath, type CompareOp, type FilterNode, type FilterValue } from './filter.ts';

/** Columns a condition may name, and how their values compare. */
export const CONDITION_COLUMNS = {
  id: 'exact',
  email: 'identifier',
  username: 'identifier',
  external_id: 'exact',
  first_name: 'text',
  last_name: 'text',
  name: 'text',
  role: 'exact',
  locale: 'text',
  phone: 'text',
  country: 'text',
  location: 'text',
  organization: 'text',
  title: 'text',
  regions: 'text',
  bio: 'text',
  avatar_url: 'exact',
  twitter: 'text',
  birthday: 'exact',
  pending_email: 'identifier',
  source: 'exact',
  email_verified: 'boolean',
  active: 'boolean',
  version: 'number',
  created_at: 'exact',
  updated_at: 'exact',
  last_seen_at: 'exact',
  last_typed_at: 'exact',
} as const;
export type ConditionColumn = keyof typeof CONDITION_COLUMNS;

/**
 * What a condition compares: a column; `login` (the username, or the email when there is none: what
 * SCIM calls userName); a metadata key; or a key of a door's extension.
 */
export type FieldRef = { column: ConditionColumn } | { column: 'login' } | { metadata: string } | { extension: string; path: string[] };

export type UserCondition =
  | { kind: 'compare'; ref: FieldRef; op: CompareOp; value: FilterValue }
  | { kind: 'present'; ref: FieldRef }
  | { kind: 'and' | 'or'; conditions: UserCondition[] }
  | { kind: 'not'; condition: UserCondition }
  | { kind: 'const'; value: boolean };

/**
 * How a door reads an attribute path: the field it names, or a condition of its own for paths that
 * are more than one field (SCIM's `emails[type eq "work"]`); null for an attribute it does not know.
 */
export type PathResolver = (path: AttrPath) => FieldRef | ((op: CompareOp | 'pr', value: FilterValue) => UserCondition) | null;

/** The condition of a parsed filter; an unknown attribute or a value of the wrong kind throws FilterSyntaxError. */
export function toUserCondition(node: FilterNode, resolve: PathResolver): UserCondition {
  switch (node.op) {
    case 'and':
    case 'or': {
      // a and b and c is one flat list, not a chain nested as deep as it is long.
      const conditions: UserCondition[] = [];
      for (const side of [node.left, node.right]) {
        const condition = toUserCondition(side, resolve);
        if (condition.kind === node.op) conditions.push(...condition.conditions);
        else conditions.push(condition);
      }
      return { kind: node.op, conditions };
    }
    case 'not':
      return { kind: 'not', condition: toUserCondition(node.filter, resolve) };
    case 'has': {
      // A value path alone: the door reads the whole `attr[filter]` as one condition.
      const target = resolve({ ...node.path, filter: node.filter });
      if (typeof target !== 'function') throw new FilterSyntaxError(`"${formatPath(node.path)}" takes no value filter`);
      return target('pr', null);
    }
    default: {
      const target = resolve(node.path);
      if (target === null) throw new FilterSyntaxError(`Unknown attribute "${formatPath(node.path)}"`);
      if (typeof target === 'function') return target(node.op, node.op === 'pr' ? null : node.value);
      if (node.op === 'pr') return { kind: 'present', ref: target };
      checkValue(target, node.op, node.value, formatPath(node.path));
      return { kind: 'compare', ref: target, op: node.op, value: node.value };
    }
  }
}

/** A value that cannot compare with the field is refused rather than matching nothing silently. */
function checkValue(ref: FieldRef, op: CompareOp, value: FilterValue, name: string): void {
  const kind = 'column' in ref ? (ref.column === 'login' ? 'identifier' : CONDITION_COLUMNS[ref.column]) : 'json';
  if (kind === 'json') return;
  if (value === null) {
    if (op === 'eq' || op === 'ne') return;
    throw new FilterSyntaxError(`"${name} ${op} null" compares nothing: use "${name} pr" or "not (${name} pr)"`);
  }
  const substring = op === 'co' || op === 'sw' || op === 'ew';
  if (kind === 'boolean') {
    if (typeof value !== 'boolean' || (op !== 'eq' && op !== 'ne')) throw new FilterSyntaxError(`"${name}" is a boolean: compare it with eq or ne and true or false`);
    return;
  }
  if (kind === 'number') {
    if (typeof value !== 'number' || substring) throw new FilterSyntaxError(`"${name}" is a number: compare it with eq, ne, gt, ge, lt or le and a number`);
    return;
  }
  if (typeof value !== 'string') throw new FilterSyntaxError(`"${name}" is a string: compare it with a "quoted string"`);
}
