/**
 * PBKDF2 (RFC 8018) as a PHC string $pbkdf2$i=…,d=…$salt$hash, plus passlib's
 * $pbkdf2-sha256$ / $pbkdf2-sha512$ forms (published vectors: passlib's test suite).
 */
import { pbkdf2 } from 'node:crypto';
import { constantTimeEqual, decodeBase64, hasExactly, parseDecimal, splitPhcParams, type Base64Flavor } from './encoding.ts';
import { malformed } from './errors.ts';
import type { ParsedPbkdf2, Pbkdf2Digest } from './types.ts';

/**
 * Iteration bounds. 1,000 is RFC 8018 §4.2's recommended minimum (and what old exports used);
 * 10,000,000 is several times OWASP's current advice (600,000 for SHA-256, 1,300,000 for SHA-1)
 * while keeping one login to a few seconds of CPU at worst.
 */
const MIN_ITERATIONS = 1_000;
const MAX_ITERATIONS = 10_000_000;
export const PBKDF2_ITERATION_BOUNDS = { min: MIN_ITERATIONS, max: MAX_ITERATIONS } as const;
const HASH_BYTES = { min: 16, max: 128 };
const DIGESTS: readonly Pbkdf2Digest[] = ['sha1', 'sha256', 'sha512'];
const PASSLIB_DIGESTS: Record<string, Pbkdf2Digest> = { 'pbkdf2-sha256': 'sha256', 'pbkdf2-sha512': 'sha512' };
const SHAPE = 'pbkdf2 hash must look like $pbkdf2$i=<iterations>,d=<sha1|sha256|sha512>$<salt>$<hash>';

export function parsePbkdf2(hash: string): ParsedPbkdf2 {
  const fields = hash.split('$');
  if (fields.length !== 5 || fields[0] !== '') throw malformed(SHAPE);
  const scheme = fields[1] ?? '';
  if (scheme === 'pbkdf2') return parsePhc(fields);
  const passlibDigest = Object.hasOwn(PASSLIB_DIGESTS, scheme) ? PASSLIB_DIGESTS[scheme] : undefined;
  if (passlibDigest) return parsePasslib(fields, passlibDigest);
  throw malformed(SHAPE);
}

function parsePhc(fields: string[]): ParsedPbkdf2 {
  const params = splitPhcParams(fields[2] ?? '');
  if (!params || !hasExactly(params, ['i', 'd'])) {
    throw malformed('pbkdf2 parameters must be i=<iterations>,d=<sha1|sha256|sha512>');
  }
  const digest = DIGESTS.find((name) => name === params.get('d'));
  if (!digest) throw malformed('pbkdf2 parameter d must be sha1, sha256 or sha512');
  return {
    type: 'pbkdf2',
    digest,
    iterations: readIterations(params.get('i')),
    ...readSaltAndHash(fields, 'standard'),
  };
}

/** passlib: $pbkdf2-sha256$<rounds>$<salt>$<hash>, both in its "ab64" base64 ("." for "+"). */
function parsePasslib(fields: string[], digest: Pbkdf2Digest): ParsedPbkdf2 {
  return { type: 'pbkdf2', digest, iterations: readIterations(fields[2]), ...readSaltAndHash(fields, 'passlib') };
}

export function readIterations(text: string | undefined): number {
  const iterations = parseDecimal(text);
  if (iterations == null) throw malformed('pbkdf2 iteration count must be a whole number without leading zeros');
  if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
    throw malformed('pbkdf2 iteration count must be between 1000 and 10000000');
  }
  return iterations;
}

function readSaltAndHash(fields: string[], flavor: Base64Flavor): Pick<ParsedPbkdf2, 'salt' | 'hash'> {
  const padding = flavor === 'passlib' ? 'forbidden' : 'optional';
  const encoding = flavor === 'passlib' ? 'passlib base64' : 'standard base64';
  const salt = decodeBase64(fields[3] ?? '', flavor, padding);
  if (!salt || salt.length === 0) throw malformed(`pbkdf2 salt must be non-empty ${encoding}`);
  const hash = decodeBase64(fields[4] ?? '', flavor, padding);
  if (!hash) throw malformed(`pbkdf2 hash (the last field) must be ${encoding}`);
  if (hash.length < HASH_BYTES.min || hash.length > HASH_BYTES.max) {
    throw malformed('pbkdf2 hash (the last field) must decode to between 16 and 128 bytes');
  }
  return { salt, hash };
}

export function verifyPbkdf2(parsed: ParsedPbkdf2, password: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    pbkdf2(password, parsed.salt, parsed.iterations, parsed.hash.length, parsed.digest, (error, derived) => {
      if (error) reject(error);
      else resolve(constantTimeEqual(derived, parsed.hash));
    });
  });
}
