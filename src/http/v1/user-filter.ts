/**
 * `GET /v1/users?filter=`: the RFC 7644 filter grammar (the SCIM door's parser) over canonical field
 * names and `metadata.<key>`, e.g. `email ew "@acme.com" and metadata.plan eq "pro"`. Names compare
 * case-insensitively; email and username values too (external_id and id exactly).
 */
import { ValidationError } from '../../domain/errors.ts';
import { FilterSyntaxError, parseFilter } from '../../domain/filter.ts';
import { CONDITION_COLUMNS, toUserCondition, type ConditionColumn, type UserCondition } from '../../domain/user-condition.ts';

const COLUMNS = new Map(Object.keys(CONDITION_COLUMNS).map((name) => [name.toLowerCase(), name as ConditionColumn]));

export function v1Condition(text: string): UserCondition {
  try {
    return toUserCondition(parseFilter(text), (path) => {
      if (path.schema || path.filter) return null;
      if (path.name.toLowerCase() === 'metadata') return path.sub === undefined ? null : { metadata: path.sub };
      if (path.sub !== undefined) return null;
      const column = COLUMNS.get(path.name.toLowerCase());
      return column ? { column } : null;
    });
  } catch (error) {
    if (error instanceof FilterSyntaxError) {
      throw ValidationError.field('filter', `${error.message}. Filters read like: email ew "@acme.com" and metadata.plan eq "pro" (fields: ${Object.keys(CONDITION_COLUMNS).join(', ')}, metadata.<key>)`);
    }
    throw error;
  }
}
