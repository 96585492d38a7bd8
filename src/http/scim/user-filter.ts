/**
 * SCIM User attribute paths in filters, as canonical conditions (src/domain/user-condition.ts).
 * userName is the username or, for a user without one, the email; emails and phoneNumbers are the
 * canonical email and phone, which count as the primary "work" value. Attributes kept in the SCIM
 * extension (nickName, the enterprise employeeNumber, …) are filtered in that extension's JSON.
 */
import type { AttrPath, CompareOp, FilterNode, FilterValue } from '../../domain/filter.ts';
import { FilterSyntaxError } from '../../domain/filter.ts';
import { toUserCondition, type FieldRef, type PathResolver, type UserCondition } from '../../domain/user-condition.ts';
import { invalidFilter } from './errors.ts';
import { ENTERPRISE_SCHEMA, findAttribute, SCHEMAS, USER_SCHEMA } from './schema.ts';
import { SCIM_EXTENSION } from './user-mapping.ts';

const CORE: Record<string, FieldRef> = {
  id: { column: 'id' },
  username: { column: 'login' },
  externalid: { column: 'external_id' },
  displayname: { column: 'name' },
  'name.formatted': { column: 'name' },
  'name.givenname': { column: 'first_name' },
  'name.familyname': { column: 'last_name' },
  emails: { column: 'email' },
  'emails.value': { column: 'email' },
  phonenumbers: { column: 'phone' },
  'phonenumbers.value': { column: 'phone' },
  active: { column: 'active' },
  title: { column: 'title' },
  locale: { column: 'locale' },
  'meta.created': { column: 'created_at' },
  'meta.lastmodified': { column: 'updated_at' },
};

/** Inside emails[…] or phoneNumbers[…]: the canonical value is the primary work one. */
function valueFilter(ref: FieldRef, filter: FilterNode, name: string): UserCondition {
  return toUserCondition(filter, (path) => {
    if (path.schema || path.filter || path.sub !== undefined) return null;
    switch (path.name.toLowerCase()) {
      case 'value':
        return ref;
      case 'type':
        return (op, value) => ({ kind: 'const', value: op === 'pr' || (op === 'eq' && typeof value === 'string' && value.toLowerCase() === 'work') || (op === 'ne' && value !== 'work') });
      case 'primary':
        return (op, value) => ({ kind: 'const', value: op === 'pr' || (op === 'eq' && value === true) || (op === 'ne' && value !== true) });
      default:
        throw new FilterSyntaxError(`${name}[…] filters on value, type or primary, not "${path.name}"`);
    }
  });
}

function withValue(ref: FieldRef, op: CompareOp | 'pr', value: FilterValue): UserCondition {
  return op === 'pr' ? { kind: 'present', ref } : { kind: 'compare', ref, op, value };
}

export const userPathResolver: PathResolver = (path: AttrPath) => {
  const schema = path.schema?.toLowerCase();
  if (schema === SCHEMAS.enterprise.toLowerCase()) {
    if (path.filter) return null;
    const def = findAttribute(ENTERPRISE_SCHEMA.attributes, path.name);
    if (!def) return null;
    if (def.name === 'organization' && path.sub === undefined) return { column: 'organization' };
    if (def.type === 'complex' && path.sub === undefined) return null;
    return { extension: SCIM_EXTENSION, path: [SCHEMAS.enterprise, def.name, ...(path.sub !== undefined ? [path.sub] : [])] };
  }
  if (schema !== undefined && schema !== SCHEMAS.user.toLowerCase()) return null;
  const key = `${path.name}${path.sub !== undefined ? `.${path.sub}` : ''}`.toLowerCase();
  if (path.filter) {
    const base = path.name.toLowerCase() === 'emails' ? CORE.emails! : path.name.toLowerCase() === 'phonenumbers' ? CORE.phonenumbers! : null;
    if (!base) return null;
    const inner = valueFilter(base, path.filter, path.name);
    if (path.sub !== undefined && path.sub.toLowerCase() !== 'value') return null;
    return (op, value) => ({ kind: 'and', conditions: [inner, op === 'pr' && path.sub === undefined ? { kind: 'present', ref: base } : withValue(base, op, value)] });
  }
  const core = CORE[key];
  if (core) return core;
  const [attribute, sub] = key.split('.');
  if ((attribute === 'emails' || attribute === 'phonenumbers') && (sub === 'type' || sub === 'primary')) {
    // emails.type eq "work": the same as inside emails[…].
    const base = attribute === 'emails' ? CORE.emails! : CORE.phonenumbers!;
    return (op, value) => ({
      kind: 'and',
      conditions: [valueFilter(base, op === 'pr' ? { op: 'pr', path: { name: sub } } : { op, path: { name: sub }, value }, path.name), { kind: 'present', ref: base }],
    });
  }
  if (key === 'schemas') {
    // Which schemas a user has: every user the core one, those with enterprise attributes that one.
    return (op, value) => {
      const enterprise: UserCondition = { kind: 'or', conditions: [{ kind: 'present', ref: { column: 'organization' } }, { kind: 'present', ref: { extension: SCIM_EXTENSION, path: [SCHEMAS.enterprise] } }] };
      if (op === 'pr') return { kind: 'const', value: true };
      const text = typeof value === 'string' ? value.toLowerCase() : '';
      const has: UserCondition = text === SCHEMAS.user.toLowerCase() ? { kind: 'const', value: true } : text === SCHEMAS.enterprise.toLowerCase() ? enterprise : { kind: 'const', value: false };
      if (op === 'eq') return has;
      if (op === 'ne') return { kind: 'not', condition: has };
      throw new FilterSyntaxError('schemas compares with eq or ne and a schema URN');
    };
  }
  // Other core attributes live in the SCIM extension, as sent.
  const def = findAttribute(USER_SCHEMA.attributes, path.name);
  if (!def || def.name === 'password' || def.name === 'groups') return null;
  if (def.multiValued || (def.type === 'complex' && path.sub === undefined)) return null;
  return { extension: SCIM_EXTENSION, path: [def.name, ...(path.sub !== undefined ? [path.sub] : [])] };
};

/** The canonical condition of a SCIM filter on Users; an attribute it cannot filter is 400 invalidFilter. */
export function userCondition(filter: FilterNode): UserCondition {
  try {
    return toUserCondition(filter, userPathResolver);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw invalidFilter(error);
    throw error;
  }
}
