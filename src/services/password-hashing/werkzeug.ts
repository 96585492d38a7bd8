/**
 * What Werkzeug's generate_password_hash writes (werkzeug/security.py, 2.3 and later; earlier
 * pbkdf2 hashes have the same form): `scrypt:N:r:p$<salt>$<hex>` (hashlib.scrypt, 64-byte key) and
 * `pbkdf2:<digest>:<iterations>$<salt>$<hex>` (hashlib.pbkdf2_hmac, the digest's own length).
 * The salt is used as its text. Verified by the scrypt and pbkdf2 families, under their ceilings.
 */
import { parseDecimal } from './encoding.ts';
import { malformed } from './errors.ts';
import { readIterations } from './pbkdf2.ts';
import { checkScryptBounds } from './scrypt.ts';
import type { ParsedPbkdf2, ParsedScrypt, Pbkdf2Digest } from './types.ts';

const SHAPE = 'werkzeug hash must look like scrypt:<N>:<r>:<p>$<salt>$<hex> or pbkdf2:<sha256|sha512|sha1>:<iterations>$<salt>$<hex>';
const SCRYPT_KEY_BYTES = 64;
const PBKDF2_DIGEST_BYTES = new Map<string, number>([['sha1', 20], ['sha256', 32], ['sha512', 64]]);

export function parseWerkzeug(hash: string): ParsedScrypt | ParsedPbkdf2 {
  const fields = hash.split('$');
  if (fields.length !== 3) throw malformed(SHAPE);
  const method = (fields[0] ?? '').split(':');
  const salt = fields[1] ?? '';
  // Werkzeug's gen_salt draws letters and digits; any printable text without $ works the same.
  if (salt.length === 0 || salt.length > 256 || !/^[\x21-\x7e]+$/.test(salt)) throw malformed('werkzeug salt must be 1 to 256 printable characters');
  const hex = fields[2] ?? '';
  if (!/^([0-9a-f]{2})+$/.test(hex)) throw malformed('werkzeug hash (the last field) must be lower-case hex');
  const digest = Buffer.from(hex, 'hex');
  if (method[0] === 'scrypt') {
    if (method.length !== 4) throw malformed('werkzeug scrypt method must be scrypt:<N>:<r>:<p> (e.g. scrypt:32768:8:1)');
    const [n, r, p] = method.slice(1).map((text) => parseDecimal(text));
    if (n == null || r == null || p == null) throw malformed('werkzeug scrypt N, r and p must be whole numbers');
    checkScryptBounds('werkzeug scrypt', n, r, p, SCRYPT_KEY_BYTES);
    if (digest.length !== SCRYPT_KEY_BYTES) throw malformed(`werkzeug scrypt hash must be the hex of ${SCRYPT_KEY_BYTES} bytes`);
    return { type: 'scrypt', n, r, p, keyLength: SCRYPT_KEY_BYTES, salt: Buffer.from(salt, 'utf8'), hash: digest };
  }
  if (method[0] === 'pbkdf2') {
    if (method.length !== 3) throw malformed('werkzeug pbkdf2 method must be pbkdf2:<sha256|sha512|sha1>:<iterations> (e.g. pbkdf2:sha256:600000)');
    const name = (method[1] ?? '') as Pbkdf2Digest;
    const bytes = PBKDF2_DIGEST_BYTES.get(name);
    if (!bytes) throw malformed('werkzeug pbkdf2 digest must be sha256, sha512 or sha1');
    const iterations = readIterations(method[2]);
    if (digest.length !== bytes) throw malformed(`werkzeug pbkdf2:${name} hash must be the hex of ${bytes} bytes`);
    return { type: 'pbkdf2', digest: name, iterations, salt: Buffer.from(salt, 'utf8'), hash: digest };
  }
  throw malformed(SHAPE);
}
