/** Standard scrypt (RFC 7914) in a PHC string, verified with node:crypto. */
import { scrypt } from 'node:crypto';
import { constantTimeEqual, decodeBase64, hasExactly, isPowerOfTwo, parseDecimal, splitPhcParams } from './encoding.ts';
import { malformed } from './errors.ts';
import type { ParsedScrypt } from './types.ts';

const SHAPE = 'scrypt hash must look like $scrypt$v=1$n=<N>,r=<r>,p=<p>,kl=<key length>$<salt>$<hash>';
// scrypt's working memory is 128·N·r bytes; cap it like argon2's m so one login cannot take more.
const MAX_MEMORY_BYTES = 1024 ** 3;

export interface ScryptCost {
  n: number;
  r: number;
  p: number;
}

/** node:crypto scrypt with maxmem raised to what N, r and p need (its default is 32 MiB). */
export function scryptAsync(password: string | Buffer, salt: Buffer, keyLength: number, cost: ScryptCost): Promise<Buffer> {
  const maxmem = 128 * cost.r * (cost.n + cost.p + 2) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, { N: cost.n, r: cost.r, p: cost.p, maxmem }, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

export function parseScrypt(hash: string): ParsedScrypt {
  const fields = hash.split('$');
  if (fields.length !== 6 || fields[0] !== '' || fields[1] !== 'scrypt') throw malformed(SHAPE);
  if (fields[2] !== 'v=1') throw malformed('scrypt version must be v=1');
  const { n, r, p, keyLength } = readParams(fields[3] ?? '');
  const salt = decodeBase64(fields[4] ?? '', 'standard', 'optional');
  if (!salt || salt.length === 0) throw malformed('scrypt salt must be non-empty standard base64');
  const digest = decodeBase64(fields[5] ?? '', 'standard', 'optional');
  if (!digest) throw malformed('scrypt hash (the last field) must be standard base64');
  if (digest.length !== keyLength) throw malformed('scrypt hash (the last field) must decode to exactly kl bytes');
  return { type: 'scrypt', n, r, p, keyLength, salt, hash: digest };
}

function readParams(text: string): ScryptCost & { keyLength: number } {
  const params = splitPhcParams(text);
  if (!params || !hasExactly(params, ['n', 'r', 'p', 'kl'])) {
    throw malformed('scrypt parameters must be n, r, p and kl (e.g. n=16384,r=8,p=1,kl=64)');
  }
  const [n, r, p, keyLength] = ['n', 'r', 'p', 'kl'].map((name) => parseDecimal(params.get(name)));
  if (n == null || r == null || p == null || keyLength == null) {
    throw malformed('scrypt parameters n, r, p and kl must be whole numbers');
  }
  if (keyLength < 16 || keyLength > 128) throw malformed('scrypt parameter kl must be between 16 and 128');
  checkScryptBounds('scrypt', n, r, p, keyLength);
  return { n, r, p, keyLength };
}

/** The bounds every scrypt-based format shares (label names the format in the message). */
export function checkScryptBounds(label: string, n: number, r: number, p: number, keyLength: number): void {
  if (!isPowerOfTwo(n) || n < 2 || n > 2 ** 20) {
    throw malformed(`${label} parameter n must be a power of two between 2 and 2^20`);
  }
  if (r < 1 || r > 32) throw malformed(`${label} parameter r must be between 1 and 32`);
  if (p < 1 || p > 16) throw malformed(`${label} parameter p must be between 1 and 16`);
  if (keyLength < 16 || keyLength > 128) throw malformed(`${label} key length must be between 16 and 128 bytes`);
  if (128 * n * r > MAX_MEMORY_BYTES) {
    throw malformed(`${label} parameters n and r need 128 × n × r bytes of memory, which must not exceed 1 GiB`);
  }
}

export async function verifyScrypt(parsed: ParsedScrypt, password: string): Promise<boolean> {
  const derived = await scryptAsync(password, parsed.salt, parsed.keyLength, parsed);
  return constantTimeEqual(derived, parsed.hash);
}
