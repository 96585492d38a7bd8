/**
 * crypt(3) SHA-crypt, $5$ (SHA-256) and $6$ (SHA-512): Ulrich Drepper's "Unix crypt using SHA-256
 * and SHA-512" (glibc, /etc/shadow, passlib sha256_crypt/sha512_crypt). Computed with node:crypto;
 * the rounds loop yields to the event loop every CHUNK rounds so a costly hash never holds it long.
 */
import { createHash } from 'node:crypto';
import { constantTimeEqual } from './encoding.ts';
import { malformed } from './errors.ts';
import { CRYPT_ALPHABET, cryptBase64, yieldToEventLoop } from './crypt-base64.ts';
import type { ParsedShaCrypt } from './types.ts';

interface Variant {
  id: '5' | '6';
  algorithm: 'sha256' | 'sha512';
  /** The spec's byte order for the final base64 (groups of three, then the tail). */
  order: number[];
}

const VARIANTS: Record<ParsedShaCrypt['type'], Variant> = {
  sha256_crypt: {
    id: '5',
    algorithm: 'sha256',
    order: [0, 10, 20, 21, 1, 11, 12, 22, 2, 3, 13, 23, 24, 4, 14, 15, 25, 5, 6, 16, 26, 27, 7, 17, 18, 28, 8, 9, 19, 29, -1, 31, 30],
  },
  sha512_crypt: {
    id: '6',
    algorithm: 'sha512',
    order: [
      0, 21, 42, 22, 43, 1, 44, 2, 23, 3, 24, 45, 25, 46, 4, 47, 5, 26, 6, 27, 48, 28, 49, 7, 50, 8, 29, 9, 30, 51, 31, 52, 10,
      53, 11, 32, 12, 33, 54, 34, 55, 13, 56, 14, 35, 15, 36, 57, 37, 58, 16, 59, 17, 38, 18, 39, 60, 40, 61, 19, 62, 20, 41,
      -1, -1, 63,
    ],
  },
};
/** The spec's bounds: rounds= below 1,000 or above 999,999,999 is clamped, default 5,000. */
const ROUNDS = { default: 5_000, min: 1_000, max: 999_999_999 };
const MAX_SALT = 16;
const CHUNK = 2_000;

export function parseShaCrypt(type: ParsedShaCrypt['type'], hash: string): ParsedShaCrypt {
  const variant = VARIANTS[type];
  const shape = `${type} hash must look like $${variant.id}$[rounds=<n>$]<salt>$<${variant.id === '5' ? 43 : 86} characters>`;
  const fields = hash.split('$');
  if (fields[0] !== '' || fields[1] !== variant.id) {
    const other = type === 'sha256_crypt' ? 'sha512_crypt' : 'sha256_crypt';
    if (fields[0] === '' && fields[1] === VARIANTS[other].id) {
      throw malformed(`${type} hash starts with $${VARIANTS[other].id}$; import it with password_hash_type '${other}'`);
    }
    throw malformed(shape);
  }
  let rest = fields.slice(2);
  let rounds = ROUNDS.default;
  let roundsGiven = false;
  const roundsMatch = /^rounds=([0-9]{1,10})$/.exec(rest[0] ?? '');
  if (roundsMatch && rest.length === 3) {
    // Out-of-range values are clamped, as every implementation does, so exported hashes still verify.
    rounds = Math.min(Math.max(Number(roundsMatch[1]), ROUNDS.min), ROUNDS.max);
    roundsGiven = true;
    rest = rest.slice(1);
  }
  if (rest.length !== 2) throw malformed(shape);
  const [salt, checksum] = rest as [string, string];
  if (salt.length > MAX_SALT || !/^[^$:\s]*$/.test(salt)) throw malformed(`${type} salt must be at most 16 characters, without $ or :`);
  const length = variant.id === '5' ? 43 : 86;
  if (checksum.length !== length || ![...checksum].every((c) => CRYPT_ALPHABET.includes(c))) {
    throw malformed(`${type} checksum (the last field) must be ${length} characters of ./0-9A-Za-z`);
  }
  return { type, rounds, roundsGiven, salt, checksum };
}

export async function verifyShaCrypt(parsed: ParsedShaCrypt, password: string): Promise<boolean> {
  const variant = VARIANTS[parsed.type];
  const digest = await shaCryptDigest(variant.algorithm, Buffer.from(password, 'utf8'), Buffer.from(parsed.salt, 'utf8'), parsed.rounds);
  const encoded = cryptBase64(digest, variant.order);
  return constantTimeEqual(Buffer.from(encoded), Buffer.from(parsed.checksum));
}

async function shaCryptDigest(algorithm: Variant['algorithm'], key: Buffer, salt: Buffer, rounds: number): Promise<Buffer> {
  const h = () => createHash(algorithm);
  const size = algorithm === 'sha256' ? 32 : 64;
  const b = h().update(key).update(salt).update(key).digest();
  const a = h().update(key).update(salt);
  a.update(repeat(b, key.length));
  for (let n = key.length; n > 0; n >>= 1) a.update(n & 1 ? b : key);
  let c = a.digest();
  const dp = h();
  for (let i = 0; i < key.length; i += 1) dp.update(key);
  const p = repeat(dp.digest(), key.length);
  const ds = h();
  for (let i = 0; i < 16 + (c[0] ?? 0); i += 1) ds.update(salt);
  const s = ds.digest().subarray(0, salt.length);
  for (let i = 0; i < rounds; i += 1) {
    if (i > 0 && i % CHUNK === 0) await yieldToEventLoop();
    const ctx = h();
    ctx.update(i & 1 ? p : c);
    if (i % 3) ctx.update(s);
    if (i % 7) ctx.update(p);
    ctx.update(i & 1 ? c : p);
    c = ctx.digest();
  }
  return c.subarray(0, size);
}

/** The first `length` bytes of `block` repeated. */
function repeat(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += block.length) block.copy(out, i, 0, Math.min(block.length, length - i));
  return out;
}
