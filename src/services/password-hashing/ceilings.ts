/**
 * Cost ceilings on imported hashes: a caller chooses an imported hash's parameters, so without
 * them one request could make every later verify of that user cost seconds of CPU and a GiB of
 * memory. The defaults keep one verify at about 0.5 s of one core and at most 128 MiB (measured by
 * `npm run bench:hashes`); operators may raise or lower each one.
 */
import { malformed } from './errors.ts';
import type { ParsedHash } from './types.ts';

export interface HashCeilings {
  /** argon2 m, in KiB (the whole memory of one verify, over all lanes). */
  argon2MemoryKiB: number;
  /** argon2 t, passes over that memory. */
  argon2Time: number;
  /** scrypt 128·N·r·p bytes, in MiB: one verify's memory (128·N·r) times the p passes run one after another. */
  scryptMiB: number;
  /** pbkdf2 iterations × output blocks, for sha1 and sha256. */
  pbkdf2Iterations: number;
  /** The same for sha512, whose rounds cost about 2.5 times as much here. */
  pbkdf2Sha512Iterations: number;
  /** bcrypt's log2 cost. */
  bcryptCost: number;
  /** Firebase mem_cost (scrypt N = 2^mem_cost). */
  firebaseMemCost: number;
  /** Firebase rounds (scrypt r). */
  firebaseRounds: number;
  /** crypt(3) sha256_crypt / sha512_crypt rounds= (5,000 when the hash names none). */
  shaCryptRounds: number;
  /** phpass's log2 round count (2^n MD5 rounds). */
  phpassLog2Rounds: number;
}

export interface CeilingSpec {
  env: string;
  default: number;
  /** The lowest and highest value an operator may set; the highest is what the format parser accepts. */
  min: number;
  max: number;
  /** How the value reads in documentation and messages ("128 MiB"). */
  unit?: string;
}

/** Every ceiling, its environment variable and default: config.ts reads them from this table. */
export const CEILING_SPECS: Record<keyof HashCeilings, CeilingSpec> = {
  argon2MemoryKiB: { env: 'USERPLANE_HASH_MAX_ARGON2_MEMORY_KIB', default: 131_072, min: 8, max: 1_048_576, unit: 'KiB' },
  argon2Time: { env: 'USERPLANE_HASH_MAX_ARGON2_TIME', default: 10, min: 1, max: 10 },
  scryptMiB: { env: 'USERPLANE_HASH_MAX_SCRYPT_MIB', default: 128, min: 1, max: 16_384, unit: 'MiB' },
  pbkdf2Iterations: { env: 'USERPLANE_HASH_MAX_PBKDF2_ITERATIONS', default: 2_000_000, min: 1_000, max: 100_000_000 },
  pbkdf2Sha512Iterations: { env: 'USERPLANE_HASH_MAX_PBKDF2_SHA512_ITERATIONS', default: 1_000_000, min: 1_000, max: 100_000_000 },
  bcryptCost: { env: 'USERPLANE_HASH_MAX_BCRYPT_COST', default: 13, min: 4, max: 16 },
  firebaseMemCost: { env: 'USERPLANE_HASH_MAX_FIREBASE_MEM_COST', default: 14, min: 1, max: 14 },
  firebaseRounds: { env: 'USERPLANE_HASH_MAX_FIREBASE_ROUNDS', default: 8, min: 1, max: 8 },
  // 1.4–2.8 µs a round here (node:crypto, one hash object per round): 200,000 ≈ 0.3–0.55 s.
  shaCryptRounds: { env: 'USERPLANE_HASH_MAX_SHA_CRYPT_ROUNDS', default: 200_000, min: 1_000, max: 999_999_999 },
  // WordPress and phpBB use 2^8; 2^17 (the highest in passlib's vectors) is about 0.2–0.4 s here.
  phpassLog2Rounds: { env: 'USERPLANE_HASH_MAX_PHPASS_LOG2_ROUNDS', default: 17, min: 7, max: 30 },
};

export const DEFAULT_HASH_CEILINGS: HashCeilings = Object.fromEntries(
  Object.entries(CEILING_SPECS).map(([key, spec]) => [key, spec.default]),
) as unknown as HashCeilings;

const DIGEST_BYTES = { sha1: 20, sha256: 32, sha512: 64, 'sha3-224': 28, 'sha3-384': 48 } as const;

/**
 * Refuses a parsed hash whose cost is above the ceilings, with a PasswordHashFormatError
 * (reason 'above_ceiling') naming the cost, the limit and its setting. The one check every import
 * path runs (the doors' password_hash, and bulk imports later).
 */
export function checkHashCost(parsed: ParsedHash, ceilings: HashCeilings): void {
  const above = (what: string, value: number, key: keyof HashCeilings, detail = '') => {
    const limit = ceilings[key];
    if (value <= limit) return;
    const unit = CEILING_SPECS[key].unit ? ` ${CEILING_SPECS[key].unit}` : '';
    throw malformed(
      `${what}${format(value)}${unit}${detail} is above this server's ceiling of ${format(limit)}${unit} (${CEILING_SPECS[key].env})`,
      'above_ceiling',
    );
  };
  switch (parsed.type) {
    case 'argon2':
      above('argon2 m=', parsed.memoryKiB, 'argon2MemoryKiB');
      above('argon2 t=', parsed.iterations, 'argon2Time');
      return;
    case 'scrypt': {
      const mib = (128 * parsed.n * parsed.r * parsed.p) / 1024 ** 2;
      above('scrypt 128·N·r·p = ', Math.ceil(mib), 'scryptMiB');
      return;
    }
    case 'pbkdf2':
    case 'django_pbkdf2_sha256': {
      // Each block of output runs every iteration again.
      const blocks = Math.ceil(parsed.hash.length / DIGEST_BYTES[parsed.digest]);
      const detail = blocks > 1 ? ` (${format(parsed.iterations)} × ${blocks} blocks for a ${parsed.hash.length}-byte hash)` : '';
      // SHA-3 rounds cost about as much as SHA-512's here, so they share its ceiling.
      const key = parsed.digest === 'sha1' || parsed.digest === 'sha256' ? 'pbkdf2Iterations' : 'pbkdf2Sha512Iterations';
      above(`pbkdf2 (${parsed.digest}) iterations `, parsed.iterations * blocks, key, detail);
      return;
    }
    case 'bcrypt':
    case 'django_bcrypt_sha256':
      above('bcrypt cost ', parsed.cost, 'bcryptCost');
      return;
    case 'firebase-scrypt':
      above('firebase-scrypt mem_cost ', parsed.memCost, 'firebaseMemCost');
      above('firebase-scrypt rounds ', parsed.rounds, 'firebaseRounds');
      return;
    case 'sha256_crypt':
    case 'sha512_crypt':
      above(`${parsed.type} rounds `, parsed.rounds, 'shaCryptRounds');
      return;
    case 'phpass':
      above('phpass log2 rounds ', parsed.log2Rounds, 'phpassLog2Rounds');
      return;
    case 'ssha':
    case 'ssha256':
    case 'ldap':
    case 'md5_crypt':
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
    case 'hmac':
      return; // One hash computation (md5_crypt: a fixed 1,000 MD5 rounds): nothing to bound.
  }
}

function format(n: number): string {
  return n.toLocaleString('en-US');
}
