/** Argon2 (PHC strings), verified with @node-rs/argon2; also our own hashing of new passwords. */
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { decodeBase64, parseDecimal } from './encoding.ts';
import { malformed } from './errors.ts';
import type { ParsedArgon2 } from './types.ts';

/**
 * Bounds on imported parameters. The minimums are Argon2's own (m >= 8 KiB per lane, 8-byte salt,
 * 4-byte tag), so weak legacy hashes still import and are upgraded by needsRehash on first login.
 * The maximums cap what one login may cost: m up to 1 GiB (libsodium's SENSITIVE preset), t up to
 * 10 passes, p up to 16 lanes.
 */
const MAX_MEMORY_KIB = 1_048_576;
const MAX_TIME_COST = 10;
const MAX_PARALLELISM = 16;
const SALT_BYTES = { min: 8, max: 64 };
const DIGEST_BYTES = { min: 4, max: 128 };

/** What hashPassword uses: OWASP's first argon2id option, which is also @node-rs/argon2's default. */
export const CURRENT_ARGON2 = { memoryKiB: 19_456, iterations: 2, parallelism: 1 } as const;
// @node-rs/argon2's Algorithm.Argon2id; its const enum cannot be read under isolatedModules.
const ARGON2ID = 2;

const VARIANTS = ['argon2id', 'argon2i', 'argon2d'] as const;
const SHAPE = 'argon2 hash must look like $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<digest>';
const PARAMS = /^m=([0-9]+),t=([0-9]+),p=([0-9]+)$/;

export function parseArgon2(hash: string): ParsedArgon2 {
  const fields = hash.split('$');
  const variant = VARIANTS.find((name) => name === fields[1]);
  if (fields[0] !== '' || !variant) throw malformed('argon2 hash must start with $argon2id$, $argon2i$ or $argon2d$');
  if (fields.length === 5 && fields[2]?.startsWith('m=')) {
    throw malformed('argon2 hash must include v=19; Argon2 version 1.0 hashes are not supported');
  }
  if (fields.length !== 6) throw malformed(SHAPE);
  if (fields[2] !== 'v=19') throw malformed('argon2 version must be v=19 (Argon2 1.3)');
  const costs = readCosts(fields[3] ?? '');
  return {
    type: 'argon2',
    variant,
    version: 19,
    ...costs,
    salt: readBytes(fields[4] ?? '', 'salt', SALT_BYTES),
    hash: readBytes(fields[5] ?? '', 'digest (the last field)', DIGEST_BYTES),
    encoded: hash,
  };
}

function readCosts(text: string): Pick<ParsedArgon2, 'memoryKiB' | 'iterations' | 'parallelism'> {
  const match = PARAMS.exec(text);
  const [memoryKiB, iterations, parallelism] = [match?.[1], match?.[2], match?.[3]].map(parseDecimal);
  if (memoryKiB == null || iterations == null || parallelism == null) {
    throw malformed('argon2 parameters must be m=<KiB>,t=<passes>,p=<lanes> in that order, as whole numbers');
  }
  if (parallelism < 1 || parallelism > MAX_PARALLELISM) throw malformed('argon2 parameter p must be between 1 and 16');
  if (iterations < 1 || iterations > MAX_TIME_COST) throw malformed('argon2 parameter t must be between 1 and 10');
  if (memoryKiB < 8 * parallelism || memoryKiB > MAX_MEMORY_KIB) {
    throw malformed('argon2 parameter m must be between 8 × p and 1048576 KiB');
  }
  return { memoryKiB, iterations, parallelism };
}

function readBytes(text: string, what: string, bounds: { min: number; max: number }): Buffer {
  const bytes = decodeBase64(text, 'standard', 'forbidden');
  if (!bytes) throw malformed(`argon2 ${what} must be unpadded standard base64`);
  if (bytes.length < bounds.min || bytes.length > bounds.max) {
    throw malformed(`argon2 ${what} must decode to between ${bounds.min} and ${bounds.max} bytes`);
  }
  return bytes;
}

export function verifyArgon2(parsed: ParsedArgon2, password: string): Promise<boolean> {
  return argon2Verify(parsed.encoded, password);
}

/** argon2id with our current parameters and a fresh 16-byte salt, as a PHC string. */
export function hashArgon2id(password: string): Promise<string> {
  return argon2Hash(password, {
    algorithm: ARGON2ID,
    memoryCost: CURRENT_ARGON2.memoryKiB,
    timeCost: CURRENT_ARGON2.iterations,
    parallelism: CURRENT_ARGON2.parallelism,
  });
}

export function isCurrentArgon2(parsed: ParsedArgon2): boolean {
  return (
    parsed.variant === 'argon2id' &&
    parsed.memoryKiB === CURRENT_ARGON2.memoryKiB &&
    parsed.iterations === CURRENT_ARGON2.iterations &&
    parsed.parallelism === CURRENT_ARGON2.parallelism
  );
}
