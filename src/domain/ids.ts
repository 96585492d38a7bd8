import { randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulidx';

// ulidx draws one crypto byte per character by default (16 calls per id); a pooled buffer gives
// the same cryptographic randomness at a fraction of the cost on the write path.
let pool = randomBytes(4096);
let offset = 0;
function pooledRandom(): number {
  if (offset >= pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  // ulidx maps [0, 1) onto its 32 symbols; a byte / 256 keeps every symbol equally likely.
  return pool[offset++]! / 256;
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * A request id: `req_` and 96 random bits in hex, from the same pool (a randomBytes call of its
 * own for every request was a visible share of a cheap request's CPU).
 */
export function newRequestId(): string {
  if (offset + 12 > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  let id = 'req_';
  for (let end = offset + 12; offset < end; offset++) id += HEX[pool[offset]!]!;
  return id;
}

// Monotonic so that ids minted in the same millisecond still sort in creation order:
// list pagination orders by id.
const ulid = monotonicFactory(pooledRandom);

export type IdPrefix = 'usr' | 'evt' | 'key' | 'idn' | 'req' | 'whe' | 'whd' | 'grp';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${ulid().toLowerCase()}`;
}

