import { monotonicFactory } from 'ulidx';

// Monotonic so that ids minted in the same millisecond still sort in creation order:
// list pagination orders by id.
const ulid = monotonicFactory();

export type IdPrefix = 'usr' | 'evt' | 'key' | 'idn' | 'req';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${ulid().toLowerCase()}`;
}

const ID_PATTERN = /^[a-z]{3}_[0-9a-hjkmnp-tv-z]{26}$/;

export function looksLikeId(prefix: IdPrefix, value: string): boolean {
  return value.startsWith(`${prefix}_`) && ID_PATTERN.test(value);
}
