/**
 * Keyset paging shared by every list: a page is read from the cursor along an index, one row more
 * than asked so that `hasMore` needs no count. `before` walks the index the other way from the
 * cursor, and the page is flipped back so it still reads in the list's order.
 */
import type { ListPage } from './contract.ts';

export interface PageWalk {
  backwards: boolean;
  /** The index order to read in. */
  walk: 'asc' | 'desc';
  cursor: string | undefined;
  /** How a row past the cursor compares with it in that order. */
  past: '>' | '<';
}

export function walkOf(page: { after?: string; before?: string }, order: 'asc' | 'desc' = 'asc'): PageWalk {
  const backwards = page.before !== undefined;
  const walk = (order === 'desc') !== backwards ? 'desc' : 'asc';
  return { backwards, walk, cursor: page.before ?? page.after, past: walk === 'asc' ? '>' : '<' };
}

/** The page from rows read with `limit + 1`, in the list's order. */
export function pageOf<R, T>(rows: R[], limit: number, walk: PageWalk, map: (row: R) => T): ListPage<T> {
  const items = rows.slice(0, limit).map(map);
  return { items: walk.backwards ? items.reverse() : items, hasMore: rows.length > limit };
}
