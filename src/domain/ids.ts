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

// Monotonic so that ids minted in the same millisecond still sort in creation order:
// list pagination orders by id.
const ulid = monotonicFactory(pooledRandom);

export type IdPrefix = 'usr' | 'evt' | 'key' | 'idn' | 'req' | 'whe' | 'whd' | 'grp';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${ulid().toLowerCase()}`;
}

