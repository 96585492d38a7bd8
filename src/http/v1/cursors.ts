/**
 * Cursor paging shared by every /v1 list: `after` and `before` take an item id of the list, and a
 * cursor that is not one is a 400 naming the parameter (never an empty page that looks like the end).
 */
import { Type } from 'typebox';
import { ValidationError } from '../../domain/errors.ts';
import type { IdPrefix } from '../../domain/ids.ts';

/** The querystring fields of a paged list; spread into its TypeBox object. */
export function cursorFields(what: string) {
  return {
    after: Type.Optional(Type.String({ description: `The page of ${what} right after this one in list order: pass next_cursor of a page read with \`after\` (or none)` })),
    before: Type.Optional(
      Type.String({
        description:
          `The page of ${what} right before this one in list order, still listed in that order; has_more then says whether more come before it, ` +
          'and next_cursor (the first item) continues backwards. Not together with `after`.',
      }),
    ),
  };
}

export interface Cursor {
  after?: string;
  before?: string;
}

// Ids are a prefix and a lower-case ULID (src/domain/ids.ts).
const ULID = /^[0-9a-z]{26}$/;

/** The cursor of a list request, or a ValidationError naming the bad parameter. */
export function readCursor(query: Cursor, prefix: IdPrefix): Cursor {
  const { after, before } = query;
  if (after !== undefined && before !== undefined) throw ValidationError.field('before', 'Give after or before, not both');
  for (const [name, value] of [['after', after], ['before', before]] as const) {
    if (value === undefined) continue;
    if (!value.startsWith(`${prefix}_`) || !ULID.test(value.slice(prefix.length + 1))) {
      throw ValidationError.field(name, `Is not a cursor of this list: expected an id (${prefix}_…) from one of its pages`);
    }
  }
  return after !== undefined ? { after } : before !== undefined ? { before } : {};
}

/** A page on the wire. next_cursor continues in the direction the page was read (the first item when paging backwards). */
export function listPage<T extends { id: string }, W>(page: { items: T[]; hasMore: boolean }, cursor: Cursor, wire: (item: T) => W) {
  const edge = cursor.before !== undefined ? page.items[0] : page.items.at(-1);
  return { object: 'list' as const, data: page.items.map(wire), has_more: page.hasMore, next_cursor: page.hasMore && edge ? edge.id : null };
}
